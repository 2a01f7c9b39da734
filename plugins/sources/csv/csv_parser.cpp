#include "csv_parser.h"

#include <charconv>
#include <cstring>

#include "winnow/value.h"

namespace winnow::csv {

uint64_t CountLineBreaks(std::string_view s) {
  uint64_t n = 0;
  const char* const end = s.data() + s.size();
  for (const char* p = s.data(); p < end; ++p) {
    p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (!p) break;
    ++n;
  }
  for (const char* p = s.data(); p < end; ++p) {
    p = static_cast<const char*>(std::memchr(p, '\r', static_cast<size_t>(end - p)));
    if (!p) break;
    if (p + 1 == end || p[1] != '\n') ++n;  // CRLF was counted as its LF
  }
  return n;
}

namespace {

// Position of the first byte in [p, end) that is `a`, `b`, `c` or `d`; end if none.
inline const char* FindAny4(const char* p, const char* end, char a, char b, char c, char d) {
  for (; p < end; ++p) {
    char x = *p;
    if (x == a || x == b || x == c || x == d) return p;
  }
  return end;
}

}  // namespace

CsvStep CsvSplitter::Next(std::string_view buf, size_t& pos_io, bool eof, bool materialize,
                          CsvRecord& rec) {
  const char* const base = buf.data();
  const char* const end = base + buf.size();
  const char* p = base + pos_io;
  const char* const start = p;
  if (p == end) return eof ? CsvStep::kEnd : CsvStep::kNeedMore;

  // A line break alone is a blank line (skipped, but counted).
  if (*p == '\n' || *p == '\r') {
    size_t len = 1;
    if (*p == '\r') {
      if (p + 1 == end && !eof) return CsvStep::kNeedMore;
      if (p + 1 < end && p[1] == '\n') len = 2;
    }
    pos_io += len;
    ++line_;
    return CsvStep::kBlank;
  }

  const char delim = d_.delimiter;
  const char quote = d_.quote;
  const bool quoting = d_.quoting;
  // In unquoted text we stop at delimiter, CR, LF and (when quoting) the quote.
  const char stop_quote = quoting ? quote : '\n';

  if (materialize) {
    rec.scratch.clear();
    rec.bounds.clear();
    rec.quoted.clear();
    rec.bad_quote = false;
  }
  bool bad_quote = false;

  auto need_more = [&]() -> CsvStep {
    if (static_cast<size_t>(end - start) > d_.max_record_bytes) {
      error_line_ = line_;
      return CsvStep::kTooLarge;
    }
    return CsvStep::kNeedMore;
  };

  while (true) {
    // Start of a field.
    uint32_t field_begin = static_cast<uint32_t>(rec.scratch.size());
    bool was_quoted = false;
    if (quoting && p < end && *p == quote) {
      was_quoted = true;
      const char* open = p;
      ++p;
      while (true) {
        const char* q = static_cast<const char*>(std::memchr(p, quote, end - p));
        if (!q) {
          if (!eof) return need_more();
          if (static_cast<size_t>(end - start) > d_.max_record_bytes) return need_more();
          error_line_ = line_ + CountLineBreaks(std::string_view(start, open - start));
          return CsvStep::kUnterminated;
        }
        if (materialize) rec.scratch.append(p, q - p);
        p = q + 1;
        if (p == end) {
          if (!eof) return need_more();
          break;  // closing quote at the end of input
        }
        if (*p == quote) {  // doubled quote
          if (materialize) rec.scratch.push_back(quote);
          ++p;
          continue;
        }
        break;  // closing quote
      }
      // After the closing quote: anything but a delimiter or a line break is
      // appended literally (lenient, like Python's csv).
      if (p < end && *p != delim && *p != '\n' && *p != '\r') {
        bad_quote = true;
        const char* s = FindAny4(p, end, delim, '\n', '\r', '\n');
        if (s == end && !eof) return need_more();
        if (materialize) rec.scratch.append(p, s - p);
        p = s;
      }
    } else {
      while (true) {
        const char* s = FindAny4(p, end, delim, '\n', '\r', stop_quote);
        if (s == end) {
          if (!eof) return need_more();
          if (materialize) rec.scratch.append(p, s - p);
          p = s;
          break;
        }
        if (quoting && *s == quote) {  // stray quote inside an unquoted field: literal
          bad_quote = true;
          if (materialize) rec.scratch.append(p, s + 1 - p);
          p = s + 1;
          continue;
        }
        if (materialize) rec.scratch.append(p, s - p);
        p = s;
        break;
      }
    }
    if (materialize) {
      rec.bounds.emplace_back(field_begin, static_cast<uint32_t>(rec.scratch.size()));
      rec.quoted.push_back(was_quoted ? 1 : 0);
    }
    // Now at a delimiter, a line break, or the end of input.
    if (p == end) break;  // eof (checked above)
    if (*p == delim) {
      ++p;
      if (p == end) {
        if (!eof) return need_more();
        // "a,b," at eof: one more empty field.
        if (materialize) {
          auto at = static_cast<uint32_t>(rec.scratch.size());
          rec.bounds.emplace_back(at, at);
          rec.quoted.push_back(0);
        }
        break;
      }
      continue;
    }
    if (*p == '\n') {
      ++p;
      break;
    }
    // '\r'
    if (p + 1 == end && !eof) return need_more();
    p += (p + 1 < end && p[1] == '\n') ? 2 : 1;
    break;
  }

  if (static_cast<size_t>(p - start) > d_.max_record_bytes) {
    error_line_ = line_;
    return CsvStep::kTooLarge;
  }
  uint64_t breaks = CountLineBreaks(std::string_view(start, p - start));
  if (materialize) {
    rec.bad_quote = bad_quote;
    rec.line = line_;
    rec.raw_begin = static_cast<size_t>(start - base);
    rec.raw_end = static_cast<size_t>(p - base);
  }
  line_ += breaks;
  pos_io = static_cast<size_t>(p - base);
  return CsvStep::kRecord;
}

namespace {
bool IsAsciiDigit(char c) {
  return c >= '0' && c <= '9';
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

// Appends `s` (valid UTF-8) as an inferred JSON scalar: null for "", true/false,
// integers without leading zeros that fit int64, decimals; otherwise a string.
void AppendInferred(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += "null";
    return;
  }
  if (EqualsIgnoreCase(s, "true")) {
    out += "true";
    return;
  }
  if (EqualsIgnoreCase(s, "false")) {
    out += "false";
    return;
  }
  // Numbers: [+-]? digits [. digits] [e[+-]digits], or [+-]? . digits ...
  size_t i = 0;
  if (s[i] == '+' || s[i] == '-') ++i;
  size_t int_begin = i;
  while (i < s.size() && IsAsciiDigit(s[i])) ++i;
  size_t int_digits = i - int_begin;
  bool is_float = false;
  size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    is_float = true;
    ++i;
    size_t fb = i;
    while (i < s.size() && IsAsciiDigit(s[i])) ++i;
    frac_digits = i - fb;
  }
  if (int_digits + frac_digits > 0 && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t save = i;
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t eb = i;
    while (i < s.size() && IsAsciiDigit(s[i])) ++i;
    if (i == eb) {
      i = save;  // not an exponent: fails the full-match test below
    } else {
      is_float = true;
    }
  }
  bool numeric = i == s.size() && int_digits + frac_digits > 0;
  if (numeric && !is_float) {
    // Leading zeros ("007", zip codes) stay strings.
    bool leading_zero = int_digits > 1 && s[int_begin] == '0';
    int64_t v;
    const char* b = s.data() + (s[0] == '+' ? 1 : 0);
    auto r = std::from_chars(b, s.data() + s.size(), v);
    if (!leading_zero && r.ec == std::errc() && r.ptr == s.data() + s.size()) {
      char tmp[24];
      auto w = std::to_chars(tmp, tmp + sizeof(tmp), v);
      out.append(tmp, w.ptr);
      return;
    }
    if (!leading_zero) is_float = true;  // too large for int64: a double
  }
  if (numeric && is_float) {
    bool leading_zero = int_digits > 1 && s[int_begin] == '0';
    double d;
    const char* b = s.data() + (s[0] == '+' ? 1 : 0);
    auto r = std::from_chars(b, s.data() + s.size(), d);
    if (!leading_zero && r.ec == std::errc() && r.ptr == s.data() + s.size()) {
      AppendJsonDouble(out, d);
      return;
    }
  }
  AppendJsonString(out, s);
}

}  // namespace winnow::csv
