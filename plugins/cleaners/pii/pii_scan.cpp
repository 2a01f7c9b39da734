// pii_scan.cpp — linear scanners for e-mails, IPv4/IPv6 and phone numbers.
#include "pii_scan.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <cstring>

namespace winnow::pii {
namespace {

inline bool IsDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}
inline bool IsAlpha(unsigned char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
inline bool IsAlnum(unsigned char c) {
  return IsDigit(c) || IsAlpha(c);
}
inline bool IsHex(unsigned char c) {
  return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}
inline int HexVal(unsigned char c) {
  return IsDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

// RFC 5322 atext (datatrove's local-part class without the dot).
inline bool IsAtext(unsigned char c) {
  return IsAlnum(c) || (c != 0 && std::strchr("!#$%&'*+/=?^_`{|}~-", c) != nullptr);
}

// Python's \w for the code point that ends just before byte offset `pos`.
bool WordCharBefore(std::string_view t, size_t pos) {
  if (pos == 0) return false;
  auto c = static_cast<unsigned char>(t[pos - 1]);
  if (c < 0x80) return IsAlnum(c) || c == '_';
  size_t b = pos - 1;
  while (b > 0 && (static_cast<unsigned char>(t[b]) & 0xC0) == 0x80 && pos - b < 4) --b;
  const auto* p = reinterpret_cast<const unsigned char*>(t.data()) + b;
  uint32_t cp;
  size_t len = pos - b;
  if (len == 2) {
    cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
  } else if (len == 3) {
    cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
  } else if (len == 4) {
    cp = ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
  } else {
    return false;
  }
  if (u_isalnum(static_cast<UChar32>(cp))) return true;
  int8_t type = u_charType(static_cast<UChar32>(cp));
  return type == U_LETTER_NUMBER || type == U_OTHER_NUMBER || type == U_NON_SPACING_MARK ||
         type == U_COMBINING_SPACING_MARK;
}

inline bool AsciiWord(unsigned char c) {
  return IsAlnum(c) || c == '_';
}

// Case-insensitive: does one of the words appear in the `window` bytes before pos?
bool PrecededBy(std::string_view t, size_t pos, size_t window,
                std::initializer_list<std::string_view> words) {
  size_t b = pos > window ? pos - window : 0;
  for (size_t i = b; i < pos; ++i) {
    for (std::string_view w : words) {
      if (i + w.size() > pos) continue;
      bool eq = true;
      for (size_t k = 0; k < w.size() && eq; ++k) {
        eq = (static_cast<unsigned char>(t[i + k]) | 0x20) == static_cast<unsigned char>(w[k]);
      }
      if (eq) return true;
    }
  }
  return false;
}

// Parses an IPv4 dotted quad starting at i; on success sets *end and *addr.
bool ParseIpv4(std::string_view t, size_t i, size_t* end, uint32_t* addr) {
  uint32_t a = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= t.size() || t[i] != '.') return false;
      ++i;
    }
    size_t b = i;
    while (i < t.size() && IsDigit(static_cast<unsigned char>(t[i])) && i - b < 4) ++i;
    size_t len = i - b;
    if (len == 0 || len > 3) return false;
    if (len > 1 && t[b] == '0') return false;  // Python's ipaddress rejects leading zeros
    uint32_t v = 0;
    for (size_t k = b; k < i; ++k) v = v * 10 + static_cast<uint32_t>(t[k] - '0');
    if (v > 255) return false;
    a = (a << 8) | v;
  }
  *end = i;
  *addr = a;
  return true;
}

}  // namespace

bool IsPublicIpv4(uint32_t a) {
  auto in = [a](uint32_t net, int bits) {
    uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
    return (a & mask) == net;
  };
  return !(in(0x00000000, 8) ||   // 0.0.0.0/8 "this network"
           in(0x0A000000, 8) ||   // 10/8 private
           in(0x64400000, 10) ||  // 100.64/10 shared address space (CGN)
           in(0x7F000000, 8) ||   // 127/8 loopback
           in(0xA9FE0000, 16) ||  // 169.254/16 link-local
           in(0xAC100000, 12) ||  // 172.16/12 private
           in(0xC0000000, 24) ||  // 192.0.0/24 IETF protocol assignments
           in(0xC0000200, 24) ||  // 192.0.2/24 TEST-NET-1
           in(0xC0586300, 24) ||  // 192.88.99/24 6to4 relay anycast (deprecated)
           in(0xC0A80000, 16) ||  // 192.168/16 private
           in(0xC6120000, 15) ||  // 198.18/15 benchmarking
           in(0xC6336400, 24) ||  // 198.51.100/24 TEST-NET-2
           in(0xCB007100, 24) ||  // 203.0.113/24 TEST-NET-3
           in(0xE0000000, 4) ||   // 224/4 multicast
           in(0xF0000000, 4));    // 240/4 reserved, includes 255.255.255.255
}

bool IsPublicIpv6(const uint8_t a[16]) {
  uint16_t g0 = static_cast<uint16_t>((a[0] << 8) | a[1]);
  uint16_t g1 = static_cast<uint16_t>((a[2] << 8) | a[3]);
  if ((g0 & 0xE000) != 0x2000) return false;       // only 2000::/3 is global unicast
  if (g0 == 0x2001 && g1 == 0x0DB8) return false;  // 2001:db8::/32 documentation
  if (g0 == 0x2001 && g1 < 0x0200) return false;   // 2001::/23 IETF protocol assignments
  if (g0 == 0x2002) return false;                  // 2002::/16 6to4
  if (g0 == 0x3FFF && g1 < 0x1000) return false;   // 3fff::/20 documentation
  return true;
}

void FindEmails(std::string_view t, std::vector<Span>* spans) {
  const auto* p = reinterpret_cast<const unsigned char*>(t.data());
  const size_t n = t.size();
  size_t prev_end = 0;
  size_t at = 0;
  while (true) {
    const void* hit = at < n ? std::memchr(p + at, '@', n - at) : nullptr;
    if (!hit) break;
    at = static_cast<size_t>(static_cast<const unsigned char*>(hit) - p);
    size_t next = at + 1;
    // Domain: (label .)+ label, labels [A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?
    size_t pos = at + 1, labels = 0, dom_end = 0;
    while (pos < n && IsAlnum(p[pos])) {
      size_t run = pos;
      while (run < n && (IsAlnum(p[run]) || p[run] == '-')) ++run;
      size_t lab_end = run;
      while (p[lab_end - 1] == '-') --lab_end;
      ++labels;
      dom_end = lab_end;
      if (lab_end == run && run < n && p[run] == '.') {
        pos = run + 1;
        continue;
      }
      break;
    }
    if (labels < 2 || at == 0 || at <= prev_end || p[at - 1] == '.') {
      at = next;
      continue;
    }
    // Local part: the leftmost start s >= prev_end such that [s, at) is a dot-atom
    // and \b holds at s.
    size_t ext = at;
    while (ext > prev_end && (IsAtext(p[ext - 1]) || p[ext - 1] == '.')) --ext;
    size_t s_min = ext;
    for (size_t k = ext; k + 1 < at; ++k) {
      if (p[k] == '.' && p[k + 1] == '.') s_min = k + 2;
    }
    size_t start = SIZE_MAX;
    for (size_t s = s_min; s < at; ++s) {
      if (p[s] == '.') continue;
      bool before = s == ext ? WordCharBefore(t, s) : AsciiWord(p[s - 1]);
      if (before != AsciiWord(p[s])) {
        start = s;
        break;
      }
    }
    if (start == SIZE_MAX) {
      at = next;
      continue;
    }
    spans->push_back(Span{start, dom_end, Kind::kEmail});
    prev_end = dom_end;
    at = dom_end;
  }
}

void FindIpv4(std::string_view t, std::vector<Span>* spans) {
  const auto* p = reinterpret_cast<const unsigned char*>(t.data());
  const size_t n = t.size();
  size_t i = 0;
  while (i < n) {
    if (!IsDigit(p[i])) {
      ++i;
      continue;
    }
    bool boundary = i == 0 || !(AsciiWord(p[i - 1]) || p[i - 1] == '.');
    size_t end;
    uint32_t addr;
    if (boundary && ParseIpv4(t, i, &end, &addr)) {
      bool after_ok =
          end >= n || !(AsciiWord(p[end]) || (p[end] == '.' && end + 1 < n && IsDigit(p[end + 1])));
      if (after_ok) {
        if (IsPublicIpv4(addr)) spans->push_back(Span{i, end, Kind::kIpv4});
        i = end;
        continue;
      }
    }
    // Skip this run of digits and dots (a longer number or a version string).
    while (i < n && (IsDigit(p[i]) || p[i] == '.')) ++i;
  }
}

void FindIpv6(std::string_view t, std::vector<Span>* spans) {
  const auto* p = reinterpret_cast<const unsigned char*>(t.data());
  const size_t n = t.size();
  size_t i = 0;
  while (true) {
    const void* hit = i < n ? std::memchr(p + i, ':', n - i) : nullptr;
    if (!hit) break;
    size_t colon = static_cast<size_t>(static_cast<const unsigned char*>(hit) - p);
    size_t b = colon, e = colon;
    while (b > 0 && (IsHex(p[b - 1]) || p[b - 1] == ':' || p[b - 1] == '.')) --b;
    while (e < n && (IsHex(p[e]) || p[e] == ':' || p[e] == '.')) ++e;
    i = e;
    // Trim sentence punctuation and a lone leading/trailing colon.
    while (b < e && p[b] == '.') ++b;
    while (e > b && p[e - 1] == '.') --e;
    if (e - b >= 2 && p[e - 1] == ':' && p[e - 2] != ':') --e;
    if (e - b >= 2 && p[b] == ':' && p[b + 1] != ':') ++b;
    if (e - b < 2) continue;
    if (b > 0 && (AsciiWord(p[b - 1]) || p[b - 1] >= 0x80)) continue;
    if (e < n && (AsciiWord(p[e]) || p[e] >= 0x80)) continue;
    // Parse.
    uint16_t head[8], tail[8];
    int nh = 0, nt = 0;
    bool compressed = false, ok = true;
    size_t k = b;
    if (k + 1 < e && p[k] == ':' && p[k + 1] == ':') {
      compressed = true;
      k += 2;
    }
    while (ok && k < e) {
      // Embedded IPv4 as the last 32 bits.
      size_t g = k;
      while (g < e && IsHex(p[g])) ++g;
      if (g < e && p[g] == '.') {
        size_t v4_end;
        uint32_t v4;
        if (!ParseIpv4(t.substr(0, e), k, &v4_end, &v4) || v4_end != e) {
          ok = false;
          break;
        }
        uint16_t* dst = compressed ? tail : head;
        int& cnt = compressed ? nt : nh;
        if (cnt + 2 > 8) {
          ok = false;
          break;
        }
        dst[cnt++] = static_cast<uint16_t>(v4 >> 16);
        dst[cnt++] = static_cast<uint16_t>(v4 & 0xFFFF);
        k = e;
        break;
      }
      if (g == k || g - k > 4) {
        ok = false;
        break;
      }
      uint16_t v = 0;
      for (size_t q = k; q < g; ++q) v = static_cast<uint16_t>((v << 4) | HexVal(p[q]));
      uint16_t* dst = compressed ? tail : head;
      int& cnt = compressed ? nt : nh;
      if (cnt >= 8) {
        ok = false;
        break;
      }
      dst[cnt++] = v;
      k = g;
      if (k == e) break;
      if (p[k] != ':') {
        ok = false;
        break;
      }
      if (k + 1 < e && p[k + 1] == ':') {
        if (compressed) {
          ok = false;
          break;
        }
        compressed = true;
        k += 2;
        continue;
      }
      ++k;
      if (k == e) ok = false;  // trailing single colon
    }
    if (!ok) continue;
    int total = nh + nt;
    if (compressed ? total > 7 : total != 8) continue;
    uint8_t addr[16] = {};
    for (int q = 0; q < nh; ++q) {
      addr[2 * q] = static_cast<uint8_t>(head[q] >> 8);
      addr[2 * q + 1] = static_cast<uint8_t>(head[q] & 0xFF);
    }
    for (int q = 0; q < nt; ++q) {
      int slot = 8 - nt + q;
      addr[2 * slot] = static_cast<uint8_t>(tail[q] >> 8);
      addr[2 * slot + 1] = static_cast<uint8_t>(tail[q] & 0xFF);
    }
    if (IsPublicIpv6(addr)) spans->push_back(Span{b, e, Kind::kIpv6});
  }
}

namespace {

// Where a number may end: after each digit group, with the digits so far.
struct GroupEnds {
  size_t end[24];
  size_t digits[24];
  int count = 0;
  void Add(size_t e, size_t d) {
    if (count < 24) {
      end[count] = e;
      digits[count] = d;
      ++count;
    }
  }
};

// Parses an international number "+CC ..." starting at i ('+'), recording the
// end of every digit group (a shorter number is tried when a longer one runs
// into something that is not a boundary). Stops before 15 digits are exceeded.
void ParseInternational(std::string_view t, size_t i, GroupEnds* ends) {
  const auto* p = reinterpret_cast<const unsigned char*>(t.data());
  const size_t n = t.size();
  size_t k = i + 1, digits = 0;
  if (k >= n || !IsDigit(p[k])) return;
  while (k < n && IsDigit(p[k])) {
    ++k;
    ++digits;
  }
  if (digits > 15) return;
  ends->Add(k, digits);
  while (ends->count < 24) {
    if (k < n && (p[k] == ' ' || p[k] == '-' || p[k] == '.')) ++k;
    if (k < n && p[k] == '(') {  // "(0)" style group, never the last one
      size_t q = k + 1, d = 0;
      while (q < n && IsDigit(p[q]) && d < 4) {
        ++q;
        ++d;
      }
      if (d == 0 || q >= n || p[q] != ')' || digits + d > 15) return;
      digits += d;
      k = q + 1;
      if (k < n && p[k] == ' ' && k + 1 < n && IsDigit(p[k + 1])) ++k;
      continue;
    }
    if (k >= n || !IsDigit(p[k])) return;
    size_t q = k, d = 0;
    while (q < n && IsDigit(p[q])) {
      ++q;
      ++d;
    }
    if (digits + d > 15) return;
    digits += d;
    k = q;
    ends->Add(k, digits);
  }
}

// A North American number: [1 sep] (ddd) ddd-dddd | ddd S ddd S dddd (S in "-. ").
bool ParseNanp(std::string_view t, size_t i, size_t* end) {
  const auto* p = reinterpret_cast<const unsigned char*>(t.data());
  const size_t n = t.size();
  auto digits_at = [&](size_t k, size_t count) {
    if (k + count > n) return false;
    for (size_t q = 0; q < count; ++q) {
      if (!IsDigit(p[k + q])) return false;
    }
    return true;
  };
  auto is_sep = [&](size_t k) { return k < n && (p[k] == '-' || p[k] == '.' || p[k] == ' '); };
  size_t k = i;
  if (p[k] == '1' && is_sep(k + 1) && k + 2 < n && (IsDigit(p[k + 2]) || p[k + 2] == '(')) k += 2;
  size_t area;
  if (p[k] == '(') {
    if (!digits_at(k + 1, 3) || k + 4 >= n || p[k + 4] != ')') return false;
    area = k + 1;
    k += 5;
    if (k < n && p[k] == ' ') ++k;
    if (!digits_at(k, 3)) return false;
    size_t exch = k;
    k += 3;
    if (!is_sep(k)) return false;
    ++k;
    if (!digits_at(k, 4)) return false;
    if (p[area] < '2' || p[exch] < '2') return false;
    *end = k + 4;
    return true;
  }
  if (!digits_at(k, 3) || !is_sep(k + 3)) return false;
  area = k;
  unsigned char sep = p[k + 3];
  k += 4;
  if (!digits_at(k, 3) || k + 3 >= n || p[k + 3] != sep) return false;
  size_t exch = k;
  k += 4;
  if (!digits_at(k, 4)) return false;
  if (p[area] < '2' || p[exch] < '2') return false;
  *end = k + 4;
  return true;
}

}  // namespace

void FindPhones(std::string_view t, std::vector<Span>* spans) {
  const auto* p = reinterpret_cast<const unsigned char*>(t.data());
  const size_t n = t.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c != '+' && c != '(' && !IsDigit(c)) {
      ++i;
      continue;
    }
    bool boundary =
        i == 0 || !(AsciiWord(p[i - 1]) || std::strchr("+-./#$%&@=", p[i - 1]) != nullptr);
    size_t end = 0;
    bool found = false;
    auto after_ok = [&](size_t e) {
      return e >= n ||
             !(AsciiWord(p[e]) || ((p[e] == '-' || p[e] == '.') && e + 1 < n && IsDigit(p[e + 1])));
    };
    if (boundary) {
      if (c == '+') {
        GroupEnds ends;
        ParseInternational(t, i, &ends);
        for (int g = ends.count - 1; g >= 0 && !found; --g) {
          if (ends.digits[g] >= 8 && after_ok(ends.end[g])) {
            end = ends.end[g];
            found = true;
          }
        }
      } else {
        found = ParseNanp(t, i, &end) && after_ok(end);
      }
      if (found) found = !PrecededBy(t, i, 24, {"isbn", "issn"});
    }
    if (found) {
      spans->push_back(Span{i, end, Kind::kPhone});
      i = end;
      continue;
    }
    // Skip the rest of this number.
    ++i;
    while (i < n && IsDigit(p[i])) ++i;
  }
}

void FindPii(std::string_view text, const ScanOptions& options, std::vector<Span>* spans) {
  const size_t base = spans->size();
  std::vector<Span> found;
  auto add_non_overlapping = [&](std::vector<Span>& candidates) {
    // `found` stays sorted by begin; drop candidates that overlap it.
    for (const Span& s : candidates) {
      auto it = std::lower_bound(found.begin(), found.end(), s.begin,
                                 [](const Span& a, size_t b) { return a.begin < b; });
      bool overlap = (it != found.end() && it->begin < s.end) ||
                     (it != found.begin() && std::prev(it)->end > s.begin);
      if (!overlap) found.insert(it, s);
    }
    candidates.clear();
  };
  std::vector<Span> cand;
  if (options.email) {
    FindEmails(text, &cand);
    add_non_overlapping(cand);
  }
  if (options.ip) {
    FindIpv6(text, &cand);
    add_non_overlapping(cand);
    FindIpv4(text, &cand);
    add_non_overlapping(cand);
  }
  if (options.phone) {
    FindPhones(text, &cand);
    // A number that runs into an earlier match (an IP address after it) is cut
    // before that match and checked again.
    for (Span& s : cand) {
      auto it = std::lower_bound(found.begin(), found.end(), s.begin,
                                 [](const Span& a, size_t b) { return a.begin < b; });
      if (it == found.end() || it->begin >= s.end || it->begin <= s.begin) continue;
      if (it != found.begin() && std::prev(it)->end > s.begin) continue;
      std::vector<Span> cut;
      FindPhones(text.substr(s.begin, it->begin - s.begin), &cut);
      size_t start = s.begin;
      s.end = s.begin;  // dropped unless the cut text still starts with a number
      if (!cut.empty() && cut[0].begin == 0) s.end = start + cut[0].end;
    }
    cand.erase(
        std::remove_if(cand.begin(), cand.end(), [](const Span& s) { return s.end == s.begin; }),
        cand.end());
    add_non_overlapping(cand);
  }
  spans->insert(spans->begin() + static_cast<std::ptrdiff_t>(base), found.begin(), found.end());
}

}  // namespace winnow::pii
