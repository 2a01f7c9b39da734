// Value conversion helpers shared by the SQLite and PostgreSQL cursors.
#include <charconv>
#include <cmath>
#include <set>
#include <string>

#include "feedback_db.h"

namespace winnow::feedback {

std::string Base64(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) |
                 uint32_t(uint8_t(in[i + 2]));
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

namespace {
int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Value DoubleValue(double d) {
  if (std::isnan(d)) return Value("NaN");
  if (std::isinf(d)) return Value(d > 0 ? "Infinity" : "-Infinity");
  return Value(d);
}
}  // namespace

bool DecodeByteaHex(std::string_view text, std::string* out) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) return false;
  out->clear();
  out->reserve((text.size() - 2) / 2);
  for (size_t i = 2; i < text.size(); i += 2) {
    int hi = HexDigit(text[i]), lo = HexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>((hi << 4) | lo));
  }
  return true;
}

std::string QueryForMessage(std::string_view query) {
  std::string q;
  bool space = false;
  for (char c : query) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !q.empty();
      continue;
    }
    if (space) q += ' ';
    space = false;
    q += c;
  }
  if (q.size() > 160) {
    size_t cut = 160;
    while (cut > 0 && (static_cast<unsigned char>(q[cut]) & 0xC0) == 0x80) --cut;
    q = q.substr(0, cut) + "...";
  }
  return "the query `" + q + "`";
}

std::string QuoteIdent(std::string_view name, bool dotted) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') {
      out += "\"\"";
    } else if (c == '.' && dotted) {
      out += "\".\"";
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::vector<std::string> UniqueColumnNames(const std::vector<std::string>& names,
                                           std::string* renamed) {
  std::set<std::string> used(names.begin(), names.end());
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (const auto& n : names) {
    if (seen.insert(n).second) {
      out.push_back(n);
      continue;
    }
    std::string candidate;
    for (int k = 2;; ++k) {
      candidate = n + "_" + std::to_string(k);
      if (!used.count(candidate)) break;
    }
    used.insert(candidate);
    seen.insert(candidate);
    if (!renamed->empty()) *renamed += ", ";
    *renamed += n + " -> " + candidate;
    out.push_back(candidate);
  }
  return out;
}

uint32_t PgArrayElementOid(uint32_t array_oid) {
  switch (array_oid) {
    case 1000:
      return kPgBool;
    case 1001:
      return kPgBytea;
    case 1016:
      return kPgInt8;
    case 1005:
      return kPgInt2;
    case 1007:
      return kPgInt4;
    case 1009:
      return kPgText;
    case 1015:
      return kPgText;  // varchar[]
    case 1014:
      return kPgText;  // bpchar[]
    case 1028:
      return kPgOid;
    case 199:
      return kPgJson;
    case 1021:
      return kPgFloat4;
    case 1022:
      return kPgFloat8;
    case 1231:
      return kPgNumeric;
    case 3807:
      return kPgJsonb;
    default:
      return 0;
  }
}

Value PgTextToValue(std::string_view text, uint32_t oid, std::string* error) {
  switch (oid) {
    case kPgBool:
      return Value(text == "t" || text == "true");
    case kPgInt2:
    case kPgInt4:
    case kPgInt8:
    case kPgOid: {
      int64_t v;
      auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size()) return Value(v);
      return Value(text);
    }
    case kPgFloat4:
    case kPgFloat8:
    case kPgNumeric: {
      if (oid == kPgNumeric) {
        int64_t v;
        auto r = std::from_chars(text.data(), text.data() + text.size(), v);
        if (r.ec == std::errc() && r.ptr == text.data() + text.size()) return Value(v);
      }
      if (text == "NaN") return Value("NaN");
      if (text == "Infinity" || text == "-Infinity") return Value(text);
      double d;
      auto r = std::from_chars(text.data(), text.data() + text.size(), d);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size()) return DoubleValue(d);
      return Value(text);
    }
    case kPgJson:
    case kPgJsonb: {
      auto parsed = Value::Parse(text);
      if (parsed.ok()) return std::move(parsed).value();
      *error = "holds JSON that does not parse: " + parsed.status().message();
      return Value(text);
    }
    case kPgBytea: {
      std::string bytes;
      if (DecodeByteaHex(text, &bytes)) return Value(Base64(bytes));
      *error = "holds bytea that is not in hex format";
      return Value(text);
    }
    default: {
      uint32_t elem = PgArrayElementOid(oid);
      if (elem != 0) {
        Value arr;
        if (ParsePgArray(text, elem, &arr, error)) return arr;
        return Value(text);
      }
      return Value(text);
    }
  }
}

namespace {

struct ArrayParser {
  std::string_view s;
  size_t i = 0;
  uint32_t elem;
  std::string* error;

  bool Fail(const std::string& m) {
    *error = "holds an array literal that does not parse (" + m + " at offset " +
             std::to_string(i) + ")";
    return false;
  }

  bool ParseArray(Value* out, int depth) {
    if (depth > 8) return Fail("too deep");
    if (i >= s.size() || s[i] != '{') return Fail("expected '{'");
    ++i;
    Array arr;
    if (i < s.size() && s[i] == '}') {
      ++i;
      *out = Value(std::move(arr));
      return true;
    }
    while (true) {
      if (i >= s.size()) return Fail("unexpected end");
      Value v;
      if (s[i] == '{') {
        if (!ParseArray(&v, depth + 1)) return false;
      } else if (s[i] == '"') {
        ++i;
        std::string text;
        while (i < s.size() && s[i] != '"') {
          if (s[i] == '\\' && i + 1 < s.size()) ++i;
          text += s[i++];
        }
        if (i >= s.size()) return Fail("unterminated quote");
        ++i;
        std::string err;
        v = PgTextToValue(text, elem, &err);
        if (!err.empty()) return Fail(err);
      } else {
        size_t b = i;
        while (i < s.size() && s[i] != ',' && s[i] != '}') ++i;
        std::string_view text = s.substr(b, i - b);
        if (text == "NULL") {
          v = Value();
        } else {
          std::string err;
          v = PgTextToValue(text, elem, &err);
          if (!err.empty()) return Fail(err);
        }
      }
      arr.push_back(std::move(v));
      if (i >= s.size()) return Fail("unexpected end");
      if (s[i] == ',') {
        ++i;
        continue;
      }
      if (s[i] == '}') {
        ++i;
        break;
      }
      return Fail("expected ',' or '}'");
    }
    *out = Value(std::move(arr));
    return true;
  }
};

}  // namespace

bool ParsePgArray(std::string_view text, uint32_t element_oid, Value* out, std::string* error) {
  // Arrays with explicit bounds ("[0:1]={1,2}") drop the bounds.
  if (!text.empty() && text[0] == '[') {
    size_t eq = text.find('=');
    if (eq == std::string_view::npos) {
      *error = "holds an array literal that does not parse";
      return false;
    }
    text.remove_prefix(eq + 1);
  }
  ArrayParser p{text, 0, element_oid, error};
  if (!p.ParseArray(out, 0)) return false;
  if (p.i != text.size()) return p.Fail("trailing characters");
  return true;
}

}  // namespace winnow::feedback
