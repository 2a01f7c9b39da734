// transform/filter — keep rows that satisfy a declarative condition.
//
// Contract: `where` is a condition tree:
//   leaf:        {field: PATH, OP: ARG}  (PATH may be nested: "meta.lang", "messages.0.role")
//   combinators: {all: [..]}, {any: [..]}, {not: COND}
// Operators: exists (bool), equals (any value), in (list), contains (string or
// array element), regex (ECMAScript, searched), min_length / max_length
// (characters of a string, elements of an array), gt / gte / lt / lte (numbers).
// A leaf on a missing field is false (except `exists: false`). Rows for which
// the condition is false are dropped with reason "filter:<reason>" (default
// "filter:condition") and a detail naming the first leaf that failed; with
// `mode: annotate` they are kept and `annotate_field` (default "filter_pass")
// is set to true/false. Invalid trees are configuration errors naming the key
// path. Row-wise and thread-safe (compiled once, read-only afterwards).
#include <regex>

#include "winnow/stage.h"
#include "winnow/text.h"

namespace winnow {
namespace {

struct FilterConfig {
  Value where;
  std::string mode = "drop";
  std::string reason = "condition";
  std::string annotate_field = "filter_pass";
};

const ConfigSchema& FilterSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<FilterConfig>()
          .Any("where", &FilterConfig::where,
               "The condition: a leaf {field, OP: ARG} or {all|any: [...]} / {not: ...}.")
          .Required()
          .Enum("mode", &FilterConfig::mode, {"drop", "annotate"},
                "drop rows that fail, or keep them and write annotate_field.")
          .String("reason", &FilterConfig::reason,
                  "Reason code for dropped rows (reported as filter:<reason>).")
          .String("annotate_field", &FilterConfig::annotate_field,
                  "Field set to true/false in annotate mode.")
          .Build();
  return schema;
}

struct Node {
  enum class Op { kAll, kAny, kNot, kExists, kEquals, kIn, kContains, kRegex, kMinLen, kMaxLen,
                  kGt, kGte, kLt, kLte };
  Op op;
  std::string field;
  Value arg;
  std::regex re;
  std::vector<Node> children;
  std::string text;  // for details: "text min_length 100"
};

Status Compile(const Value& v, const std::string& path, Node* out) {
  if (!v.is_object() || v.size() == 0) {
    return ConfigError(path, "expected a condition: {field: F, OP: ARG}, {all: [...]}, "
                             "{any: [...]} or {not: ...}");
  }
  auto combinator = [&](const char* key, Node::Op op) -> std::optional<Status> {
    const Value* c = v.find(key);
    if (!c) return std::nullopt;
    if (v.size() != 1) return ConfigError(path, std::string("'") + key + "' must stand alone");
    out->op = op;
    if (op == Node::Op::kNot) {
      out->children.emplace_back();
      return Compile(*c, path + "." + key, &out->children.back());
    }
    if (!c->is_array() || c->as_array().empty()) {
      return ConfigError(path + "." + key, "expected a non-empty list of conditions");
    }
    size_t i = 0;
    for (const auto& child : c->as_array()) {
      out->children.emplace_back();
      Status st = Compile(child, path + "." + key + "." + std::to_string(i++),
                          &out->children.back());
      if (!st.ok()) return st;
    }
    return Status::Ok();
  };
  if (auto st = combinator("all", Node::Op::kAll)) return *st;
  if (auto st = combinator("any", Node::Op::kAny)) return *st;
  if (auto st = combinator("not", Node::Op::kNot)) return *st;
  const Value* field = v.find("field");
  if (!field || !field->is_string() || field->as_string().empty()) {
    return ConfigError(path, "a leaf condition needs 'field: NAME' and one operator");
  }
  if (v.size() != 2) {
    return ConfigError(path, "a leaf condition has exactly one operator besides 'field'");
  }
  out->field = field->as_string();
  static const std::vector<std::pair<std::string, Node::Op>> kOps = {
      {"exists", Node::Op::kExists}, {"equals", Node::Op::kEquals},
      {"in", Node::Op::kIn},         {"contains", Node::Op::kContains},
      {"regex", Node::Op::kRegex},   {"min_length", Node::Op::kMinLen},
      {"max_length", Node::Op::kMaxLen}, {"gt", Node::Op::kGt},
      {"gte", Node::Op::kGte},       {"lt", Node::Op::kLt},
      {"lte", Node::Op::kLte}};
  for (const auto& [key, arg] : v.as_object()) {
    if (key == "field") continue;
    std::vector<std::string> names;
    for (const auto& [n, op] : kOps) names.push_back(n);
    auto it = std::find_if(kOps.begin(), kOps.end(), [&](const auto& p) { return p.first == key; });
    if (it == kOps.end()) {
      std::string m = "unknown operator '" + key + "'";
      std::string close = ClosestMatch(key, names);
      if (!close.empty()) m += " (did you mean '" + close + "'?)";
      m += "; operators:";
      for (const auto& n : names) m += " " + n;
      return ConfigError(path + "." + key, m);
    }
    out->op = it->second;
    out->arg = arg;
    std::string apath = path + "." + key;
    switch (out->op) {
      case Node::Op::kExists:
        if (!arg.is_bool()) return ConfigError(apath, "expected true or false");
        break;
      case Node::Op::kIn:
        if (!arg.is_array()) return ConfigError(apath, "expected a list of values");
        break;
      case Node::Op::kContains:
        if (arg.is_array() || arg.is_object()) return ConfigError(apath, "expected a scalar");
        break;
      case Node::Op::kRegex:
        if (!arg.is_string()) return ConfigError(apath, "expected a regular expression string");
        try {
          out->re = std::regex(arg.as_string(), std::regex::ECMAScript | std::regex::optimize);
        } catch (const std::regex_error& e) {
          return ConfigError(apath, std::string("invalid regular expression: ") + e.what());
        }
        break;
      case Node::Op::kMinLen:
      case Node::Op::kMaxLen:
        if (!arg.is_int() || arg.as_int() < 0) return ConfigError(apath, "expected an integer >= 0");
        break;
      case Node::Op::kGt:
      case Node::Op::kGte:
      case Node::Op::kLt:
      case Node::Op::kLte:
        if (!arg.is_number()) return ConfigError(apath, "expected a number");
        break;
      default: break;
    }
    out->text = out->field + " " + key + " " + Abbreviate(arg.ToJson(), 60);
  }
  return Status::Ok();
}

// Evaluates `n`; on false, *failed names the first failing leaf.
Result<bool> Eval(const Node& n, const Record& r, std::string* failed) {
  switch (n.op) {
    case Node::Op::kAll:
      for (const auto& c : n.children) {
        auto v = Eval(c, r, failed);
        if (!v.ok() || !*v) return v;
      }
      return true;
    case Node::Op::kAny: {
      std::string first;
      for (const auto& c : n.children) {
        std::string f;
        auto v = Eval(c, r, &f);
        if (!v.ok()) return v;
        if (*v) return true;
        if (first.empty()) first = f;
      }
      *failed = "none of: " + first + ", ...";
      return false;
    }
    case Node::Op::kNot: {
      std::string ignored;
      auto v = Eval(n.children[0], r, &ignored);
      if (!v.ok()) return v;
      if (*v) *failed = "not (" + n.children[0].text + ")";
      return !*v;
    }
    default: break;
  }
  auto got = r.GetPath(n.field);
  if (!got.ok()) return got.status();
  const std::optional<Value>& v = *got;
  bool ok = false;
  if (n.op == Node::Op::kExists) {
    ok = v.has_value() == n.arg.as_bool();
  } else if (v.has_value()) {
    const Value& x = *v;
    switch (n.op) {
      case Node::Op::kEquals: ok = x == n.arg; break;
      case Node::Op::kIn:
        for (const auto& a : n.arg.as_array()) ok = ok || x == a;
        break;
      case Node::Op::kContains:
        if (x.is_string() && n.arg.is_string()) {
          ok = x.as_string().find(n.arg.as_string()) != std::string::npos;
        } else if (x.is_array()) {
          for (const auto& e : x.as_array()) ok = ok || e == n.arg;
        }
        break;
      case Node::Op::kRegex: ok = x.is_string() && std::regex_search(x.as_string(), n.re); break;
      case Node::Op::kMinLen:
      case Node::Op::kMaxLen: {
        int64_t len = x.is_string() ? static_cast<int64_t>(CountCodePoints(x.as_string()))
                      : x.is_array() ? static_cast<int64_t>(x.size())
                                     : -1;
        if (len >= 0) ok = n.op == Node::Op::kMinLen ? len >= n.arg.as_int() : len <= n.arg.as_int();
        break;
      }
      case Node::Op::kGt: ok = x.is_number() && x.as_number() > n.arg.as_number(); break;
      case Node::Op::kGte: ok = x.is_number() && x.as_number() >= n.arg.as_number(); break;
      case Node::Op::kLt: ok = x.is_number() && x.as_number() < n.arg.as_number(); break;
      case Node::Op::kLte: ok = x.is_number() && x.as_number() <= n.arg.as_number(); break;
      default: break;
    }
  }
  if (!ok) *failed = v.has_value() || n.op == Node::Op::kExists ? n.text : n.field + " is missing";
  return ok;
}

class FilterStage final : public Stage {
 public:
  explicit FilterStage(FilterConfig c) : config_(std::move(c)) {}
  Status Init() override { return Compile(config_.where, "where", &root_); }

  Status Process(Batch& batch, Context& ctx) override {
    int64_t failed_rows = 0;
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      std::string failed;
      auto pass = Eval(root_, batch.rows[i], &failed);
      if (!pass.ok()) {
        batch.Fail(i, "malformed_json", pass.status().message());
        continue;
      }
      if (config_.mode == "annotate") {
        batch.rows[i].Set(config_.annotate_field, *pass);
        failed_rows += !*pass;
      } else if (!*pass) {
        batch.Drop(i, "filter:" + config_.reason, failed);
      }
    }
    if (failed_rows) ctx.Count("rows_failing", failed_rows);
    return Status::Ok();
  }

 private:
  FilterConfig config_;
  Node root_;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kTransform, "filter", "1.0.0",
              "Keeps rows that satisfy a declarative condition (exists, equals, in, contains, "
              "regex, lengths, comparisons; all/any/not).",
              winnow::FilterConfig, winnow::FilterStage, winnow::FilterSchema)
