// hf_hub_common.cpp — see hf_hub_common.h.
#include "hf_hub_common.h"

#include <cpuid.h>
#include <fcntl.h>
#include <immintrin.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "winnow/io.h"
#include "winnow/text.h"
#include "winnow/value.h"

namespace winnow::hf {
namespace fs = std::filesystem;

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

std::string ResolveEndpoint(std::string_view configured) {
  std::string e(configured);
  if (e.empty()) e = Env("HF_ENDPOINT");
  if (e.empty()) e = std::string(kDefaultEndpoint);
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

fs::path HfHome() {
  std::string home = Env("HF_HOME");
  if (!home.empty()) return home;
  std::string xdg = Env("XDG_CACHE_HOME");
  if (!xdg.empty()) return fs::path(xdg) / "huggingface";
  std::string user_home = Env("HOME");
  if (user_home.empty()) user_home = "/tmp";
  return fs::path(user_home) / ".cache" / "huggingface";
}

fs::path HubCacheDir(std::string_view configured) {
  if (!configured.empty()) return fs::path(configured);
  std::string c = Env("HF_HUB_CACHE");
  if (c.empty()) c = Env("HUGGINGFACE_HUB_CACHE");
  if (!c.empty()) return c;
  return HfHome() / "hub";
}

bool OfflineFromEnv() {
  std::string v = Lower(Trim(Env("HF_HUB_OFFLINE")));
  return v == "1" || v == "on" || v == "yes" || v == "true";
}

std::string ResolveToken(Context& ctx, std::string_view token_env, std::string* source) {
  if (!token_env.empty()) {
    auto secret = ctx.GetSecret(token_env);
    if (secret.ok()) {
      std::string t = Trim(*secret);
      if (!t.empty()) {
        if (source) *source = std::string(token_env);
        return t;
      }
    }
  }
  std::string file = Env("HF_TOKEN_PATH");
  fs::path path = file.empty() ? HfHome() / "token" : fs::path(file);
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    auto text = ReadFile(path, 1 << 16);
    if (text.ok()) {
      std::string t = Trim(*text);
      if (!t.empty()) {
        if (source) *source = "the token file " + path.string();
        return t;
      }
    }
  }
  if (source) source->clear();
  return {};
}

std::string RepoFolderName(std::string_view repo_id) {
  std::string out = "datasets";
  size_t start = 0;
  while (true) {
    size_t slash = repo_id.find('/', start);
    out += "--";
    out += repo_id.substr(start,
                          slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

std::string CheckRepoId(std::string_view repo_id) {
  if (repo_id.empty()) return "is empty";
  size_t slash = repo_id.find('/');
  if (slash != std::string_view::npos && repo_id.find('/', slash + 1) != std::string_view::npos) {
    return "has more than one '/' (expected \"name\" or \"organization/name\")";
  }
  auto check_part = [](std::string_view part) -> std::string {
    if (part.empty()) return "has an empty name part";
    if (part.size() > 96) return "has a name part longer than 96 characters";
    for (char c : part) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
        return std::string("contains the character '") + c +
               "' (only letters, digits, '-', '_' and '.' are allowed)";
      }
    }
    if (part.find("--") != std::string_view::npos || part.find("..") != std::string_view::npos) {
      return "contains \"--\" or \"..\"";
    }
    if (part.front() == '-' || part.front() == '.' || part.back() == '-' || part.back() == '.') {
      return "starts or ends with '-' or '.'";
    }
    return {};
  };
  if (slash == std::string_view::npos) return check_part(repo_id);
  std::string a = check_part(repo_id.substr(0, slash));
  if (!a.empty()) return a;
  return check_part(repo_id.substr(slash + 1));
}

std::string CheckRepoPath(std::string_view path) {
  if (path.empty()) return "is empty";
  if (path.front() == '/') return "is absolute";
  if (path.find('\\') != std::string_view::npos) return "contains a backslash";
  if (path.find('\0') != std::string_view::npos) return "contains a NUL byte";
  if (path.size() >= 2 && path[1] == ':') return "starts with a drive letter";
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view part = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty()) return "has an empty path component";
    if (part == "." || part == "..") return "has a \"" + std::string(part) + "\" component";
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return {};
}

std::string CheckRevision(std::string_view revision) {
  std::string why = CheckRepoPath(revision);
  if (!why.empty()) return why;
  for (char c : revision) {
    if (static_cast<unsigned char>(c) < 0x20) return "contains a control character";
  }
  return {};
}

bool IsCommitHash(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string QuotePath(std::string_view path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string NormalizeEtag(std::string_view etag) {
  std::string_view e = etag;
  while (!e.empty() && std::isspace(static_cast<unsigned char>(e.front()))) e.remove_prefix(1);
  while (!e.empty() && std::isspace(static_cast<unsigned char>(e.back()))) e.remove_suffix(1);
  if (e.substr(0, 2) == "W/") e.remove_prefix(2);
  while (!e.empty() && e.front() == '"') e.remove_prefix(1);
  while (!e.empty() && e.back() == '"') e.remove_suffix(1);
  return std::string(e);
}

std::string UrlOrigin(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  size_t end = url.find_first_of("/?#", scheme + 3);
  return std::string(url.substr(0, end));
}

std::string NextLink(std::string_view link) {
  // <url>; rel="next", <url2>; rel="prev"
  size_t pos = 0;
  while (pos < link.size()) {
    size_t lt = link.find('<', pos);
    if (lt == std::string_view::npos) break;
    size_t gt = link.find('>', lt);
    if (gt == std::string_view::npos) break;
    size_t next_entry = link.find('<', gt);
    std::string_view params =
        link.substr(gt + 1, next_entry == std::string_view::npos ? std::string_view::npos
                                                                 : next_entry - gt - 1);
    std::string p = Lower(params);
    if (p.find("rel=\"next\"") != std::string::npos || p.find("rel=next") != std::string::npos) {
      return std::string(link.substr(lt + 1, gt - lt - 1));
    }
    pos = gt + 1;
  }
  return {};
}

Status HubError(const HttpResponse& r, const HttpRequest& request, std::string_view what,
                std::string_view token_source, std::string_view endpoint) {
  std::string code = r.headers.Get("X-Error-Code");
  std::string server_msg = r.headers.Get("X-Error-Message");
  if (server_msg.empty() && !r.body.empty()) {
    auto parsed = Value::Parse(r.body);
    if (parsed.ok() && parsed->is_object()) {
      if (const Value* e = parsed->find("error"); e && e->is_string()) server_msg = e->as_string();
    }
  }
  std::string where = request.method + " " + RedactUrl(request.url) + " answered HTTP " +
                      std::to_string(r.status) + (code.empty() ? "" : " (" + code + ")");
  if (!server_msg.empty()) where += ": " + Abbreviate(server_msg, 300);
  std::string subject(what);
  std::string tok = token_source.empty()
                        ? std::string(
                              "no token was sent (set HF_TOKEN or run "
                              "`huggingface-cli login`)")
                        : "the token from " + std::string(token_source) + " was sent";
  if (code == "GatedRepo") {
    return Status::PermissionDenied(
        subject + " is gated: accept its conditions on " + std::string(endpoint) +
        " with your account and use a token of that account; " + tok + ". " + where);
  }
  if (code == "RepoNotFound") {
    return Status::NotFound(subject + " was not found on " + std::string(endpoint) +
                            " (a private repository looks missing without a token that may read "
                            "it); " +
                            tok + ". " + where);
  }
  if (code == "RevisionNotFound") {
    return Status::NotFound(subject + ": the revision does not exist. " + where);
  }
  if (code == "EntryNotFound") {
    return Status::NotFound(subject + " does not exist in the repository. " + where);
  }
  if (r.status == 401 || r.status == 403) {
    if (!token_source.empty()) {
      return Status::PermissionDenied("the Hub refused the token from " +
                                      std::string(token_source) + " for " + subject +
                                      " (expired, revoked, or without the needed permission); "
                                      "create a new token and set it. " +
                                      where);
    }
    return Status::PermissionDenied(subject + " needs authentication; " + tok + ". " + where);
  }
  Status base = HttpStatusError(r, request);
  return Status(base.code(), subject + ": " + base.message());
}

bool HubRetryable(const Result<HttpResponse>& outcome) {
  if (outcome.ok() && outcome->status == 409) {
    const std::string* hint = outcome->headers.Find("x-should-retry");
    return hint != nullptr && *hint == "true";
  }
  return IsRetryable(outcome);
}

// ---------------------------------------------------------------- SHA-256

namespace {

constexpr uint32_t kK[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t Rotr(uint32_t x, int n) {
  return (x >> n) | (x << (32 - n));
}

void BlocksPortable(uint32_t* h, const uint8_t* p, size_t n) {
  for (; n > 0; --n, p += 64) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      w[i] = (uint32_t{p[4 * i]} << 24) | (uint32_t{p[4 * i + 1]} << 16) |
             (uint32_t{p[4 * i + 2]} << 8) | uint32_t{p[4 * i + 3]};
    }
    for (int i = 16; i < 64; ++i) {
      uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      uint32_t S1 = Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25);
      uint32_t ch = (e & f) ^ (~e & g);
      uint32_t t1 = hh + S1 + ch + kK[i] + w[i];
      uint32_t S0 = Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22);
      uint32_t mj = (a & b) ^ (a & c) ^ (b & c);
      uint32_t t2 = S0 + mj;
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
}

// The Intel SHA extensions path (same structure as Intel's reference code).
__attribute__((target("sha,sse4.1,ssse3"))) void BlocksShaNi(uint32_t* state, const uint8_t* data,
                                                             size_t n) {
  const __m128i kMask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i tmp = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&state[0]));
  __m128i s1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&state[4]));
  tmp = _mm_shuffle_epi32(tmp, 0xB1);        // CDAB
  s1 = _mm_shuffle_epi32(s1, 0x1B);          // EFGH
  __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);  // ABEF
  s1 = _mm_blend_epi16(s1, tmp, 0xF0);       // CDGH
  for (; n > 0; --n, data += 64) {
    __m128i abef = s0, cdgh = s1;
    __m128i m[4];
    for (int i = 0; i < 4; ++i) {
      m[i] =
          _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * i)), kMask);
    }
    for (int g = 0; g < 16; ++g) {
      __m128i msg =
          _mm_add_epi32(m[g & 3], _mm_loadu_si128(reinterpret_cast<const __m128i*>(&kK[4 * g])));
      s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
      if (g >= 3 && g < 15) {
        __m128i t = _mm_alignr_epi8(m[g & 3], m[(g + 3) & 3], 4);
        m[(g + 1) & 3] = _mm_add_epi32(m[(g + 1) & 3], t);
        m[(g + 1) & 3] = _mm_sha256msg2_epu32(m[(g + 1) & 3], m[g & 3]);
      }
      msg = _mm_shuffle_epi32(msg, 0x0E);
      s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
      if (g >= 1 && g < 13) m[(g + 3) & 3] = _mm_sha256msg1_epu32(m[(g + 3) & 3], m[g & 3]);
    }
    s0 = _mm_add_epi32(s0, abef);
    s1 = _mm_add_epi32(s1, cdgh);
  }
  tmp = _mm_shuffle_epi32(s0, 0x1B);    // FEBA
  s1 = _mm_shuffle_epi32(s1, 0xB1);     // DCHG
  s0 = _mm_blend_epi16(tmp, s1, 0xF0);  // DCBA
  s1 = _mm_alignr_epi8(s1, tmp, 8);     // ABEF
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[0]), s0);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[4]), s1);
}

bool CpuHasSha() {
  static const bool has = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    bool sha = (b >> 29) & 1;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    bool sse41 = (c >> 19) & 1, ssse3 = (c >> 9) & 1;
    const char* off = std::getenv("WINNOW_DISABLE_SHA_NI");
    return sha && sse41 && ssse3 && !(off && *off == '1');
  }();
  return has;
}

std::string Hex(const uint8_t* p, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

}  // namespace

Sha256::Sha256()
    : h_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19} {}

void Sha256::Blocks(const uint8_t* data, size_t n_blocks) {
  if (CpuHasSha()) {
    BlocksShaNi(h_, data, n_blocks);
  } else {
    BlocksPortable(h_, data, n_blocks);
  }
}

void Sha256::Update(std::string_view data) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  total_ += n;
  if (buf_len_ > 0) {
    size_t take = std::min(n, 64 - buf_len_);
    std::memcpy(buf_ + buf_len_, p, take);
    buf_len_ += take;
    p += take;
    n -= take;
    if (buf_len_ == 64) {
      Blocks(buf_, 1);
      buf_len_ = 0;
    }
  }
  if (n >= 64) {
    Blocks(p, n / 64);
    p += (n / 64) * 64;
    n %= 64;
  }
  if (n > 0) {
    std::memcpy(buf_, p, n);
    buf_len_ = n;
  }
}

std::string Sha256::FinalHex() {
  uint64_t bits = total_ * 8;
  uint8_t pad[72] = {0x80};
  size_t pad_len = (buf_len_ < 56) ? 56 - buf_len_ : 120 - buf_len_;
  uint8_t len_be[8];
  for (int i = 0; i < 8; ++i) len_be[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
  uint64_t keep = total_;
  Update(std::string_view(reinterpret_cast<const char*>(pad), pad_len));
  Update(std::string_view(reinterpret_cast<const char*>(len_be), 8));
  total_ = keep;
  uint8_t out[32];
  for (int i = 0; i < 8; ++i) {
    out[4 * i] = static_cast<uint8_t>(h_[i] >> 24);
    out[4 * i + 1] = static_cast<uint8_t>(h_[i] >> 16);
    out[4 * i + 2] = static_cast<uint8_t>(h_[i] >> 8);
    out[4 * i + 3] = static_cast<uint8_t>(h_[i]);
  }
  return Hex(out, 32);
}

std::string Sha256Hex(std::string_view data) {
  Sha256 s;
  s.Update(data);
  return s.FinalHex();
}

Result<std::string> Sha256File(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + path.string() + ": " + std::strerror(errno));
  Sha256 s;
  std::string buf(4 << 20, '\0');
  while (true) {
    ssize_t got = ::read(fd, buf.data(), buf.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      Status st = Status::IOError("cannot read " + path.string() + ": " + std::strerror(errno));
      ::close(fd);
      return st;
    }
    if (got == 0) break;
    s.Update(std::string_view(buf.data(), static_cast<size_t>(got)));
  }
  ::close(fd);
  return s.FinalHex();
}

// ---------------------------------------------------------------- SHA-1 (git blob ids)

std::string GitBlobSha1(std::string_view data) {
  std::string msg = "blob " + std::to_string(data.size());
  msg.push_back('\0');
  msg.append(data);
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  uint64_t bits = static_cast<uint64_t>(msg.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>(bits >> (8 * i)));
  auto rotl = [](uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
  for (size_t off = 0; off < msg.size(); off += 64) {
    uint32_t w[80];
    const auto* p = reinterpret_cast<const uint8_t*>(msg.data() + off);
    for (int i = 0; i < 16; ++i) {
      w[i] = (uint32_t{p[4 * i]} << 24) | (uint32_t{p[4 * i + 1]} << 16) |
             (uint32_t{p[4 * i + 2]} << 8) | uint32_t{p[4 * i + 3]};
    }
    for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      uint32_t f, k;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      uint32_t t = rotl(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  uint8_t out[20];
  for (int i = 0; i < 5; ++i) {
    out[4 * i] = static_cast<uint8_t>(h[i] >> 24);
    out[4 * i + 1] = static_cast<uint8_t>(h[i] >> 16);
    out[4 * i + 2] = static_cast<uint8_t>(h[i] >> 8);
    out[4 * i + 3] = static_cast<uint8_t>(h[i]);
  }
  return Hex(out, 20);
}

// ---------------------------------------------------------------- base64

std::string Base64Encode(std::string_view data) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size(), i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = uint32_t{p[i]} << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (n - i == 2) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

bool Base64Decode(std::string_view in, std::string* out) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  out->clear();
  out->reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return bits < 6;
}

}  // namespace winnow::hf
