#include "parquet_schema.h"

#include <algorithm>
#include <set>

namespace winnow::pqw {

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "bool";
    case Kind::kInt32:
      return "int32";
    case Kind::kInt64:
      return "int64";
    case Kind::kFloat:
      return "float";
    case Kind::kDouble:
      return "double";
    case Kind::kString:
      return "string";
    case Kind::kJson:
      return "json";
    case Kind::kList:
      return "list";
    case Kind::kStruct:
      return "struct";
  }
  return "?";
}

namespace {

// Turns null kinds into strings and drops empty structs, recursively. Returns
// false when `f` itself should be dropped.
bool Normalise(Field& f) {
  if (f.kind == Kind::kNull) f.kind = Kind::kString;
  if (f.kind == Kind::kList) {
    if (f.children.empty()) f.children.push_back(Field::Make("element", Kind::kString));
    f.children.resize(1);
    f.children[0].name = "element";
    if (!Normalise(f.children[0])) f.children[0] = Field::Make("element", Kind::kString);
  }
  if (f.kind == Kind::kStruct) {
    std::vector<Field> kept;
    for (auto& c : f.children) {
      if (Normalise(c)) kept.push_back(std::move(c));
    }
    f.children = std::move(kept);
    if (f.children.empty()) return false;
  }
  return true;
}

parquet::Type PhysicalType(Kind k) {
  switch (k) {
    case Kind::kBool:
      return parquet::Type::kBoolean;
    case Kind::kInt32:
      return parquet::Type::kInt32;
    case Kind::kInt64:
      return parquet::Type::kInt64;
    case Kind::kFloat:
      return parquet::Type::kFloat;
    case Kind::kDouble:
      return parquet::Type::kDouble;
    default:
      return parquet::Type::kByteArray;
  }
}

// Levels, paths and leaves. `parent_def`/`parent_rep` are the levels of the
// parent when it is present; `path` the field's path in messages; `ppath` the
// Parquet path of the parent.
Status Assign(Field& f, int parent_def, int parent_rep, std::string path,
              std::vector<std::string> ppath, std::vector<Leaf>* leaves) {
  f.def = parent_def + 1;
  f.rep = parent_rep;
  f.path = std::move(path);
  ppath.push_back(f.name);
  f.first_leaf = static_cast<int>(leaves->size());
  if (f.def > 200 || f.rep > 200) return Status::InvalidArgument("the schema nests too deeply");
  if (IsScalar(f.kind)) {
    Leaf l;
    l.kind = f.kind;
    l.max_def = f.def;
    l.max_rep = f.rep;
    l.path_in_schema = std::move(ppath);
    l.path = f.path;
    l.physical = PhysicalType(f.kind);
    leaves->push_back(std::move(l));
  } else if (f.kind == Kind::kList) {
    // The repeated group "list" adds one definition and one repetition level.
    ppath.push_back("list");
    Field& e = f.children[0];
    e.name = "element";
    WINNOW_RETURN_IF_ERROR(Assign(e, f.def + 1, f.rep + 1, f.path + "[]", ppath, leaves));
  } else {
    std::set<std::string_view> names;
    for (auto& c : f.children) {
      if (!names.insert(c.name).second) {
        return Status::InvalidArgument("struct '" + f.path + "' has two members named '" + c.name +
                                       "'");
      }
      WINNOW_RETURN_IF_ERROR(Assign(c, f.def, f.rep, f.path + "." + c.name, ppath, leaves));
    }
  }
  f.num_leaves = static_cast<int>(leaves->size()) - f.first_leaf;
  return Status::Ok();
}

void Flatten(const Field& f, std::vector<parquet::SchemaElement>* out) {
  parquet::SchemaElement e;
  e.name = f.name;
  e.repetition_type = parquet::Repetition::kOptional;
  if (IsScalar(f.kind)) {
    e.type = PhysicalType(f.kind);
    if (f.kind == Kind::kString) {
      e.converted_type = parquet::ConvertedType::kUtf8;
      e.logical_type.kind = parquet::LogicalType::Kind::kString;
    } else if (f.kind == Kind::kJson) {
      e.converted_type = parquet::ConvertedType::kJson;
      e.logical_type.kind = parquet::LogicalType::Kind::kJson;
    }
    out->push_back(std::move(e));
    return;
  }
  if (f.kind == Kind::kList) {
    e.num_children = 1;
    e.converted_type = parquet::ConvertedType::kList;
    e.logical_type.kind = parquet::LogicalType::Kind::kList;
    out->push_back(std::move(e));
    parquet::SchemaElement rep;
    rep.name = "list";
    rep.repetition_type = parquet::Repetition::kRepeated;
    rep.num_children = 1;
    out->push_back(std::move(rep));
    Flatten(f.children[0], out);
    return;
  }
  e.num_children = static_cast<int32_t>(f.children.size());
  out->push_back(std::move(e));
  for (const auto& c : f.children) Flatten(c, out);
}

struct TypeParser {
  std::string_view s;
  size_t pos = 0;
  std::string error;

  void SkipSpace() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
  }
  std::string_view Word() {
    SkipSpace();
    size_t start = pos;
    while (pos < s.size() && s[pos] != '<' && s[pos] != '>' && s[pos] != ',' && s[pos] != ':' &&
           s[pos] != ' ' && s[pos] != '\t') {
      ++pos;
    }
    return s.substr(start, pos - start);
  }
  bool Expect(char c) {
    SkipSpace();
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    if (error.empty()) {
      error = std::string("expected '") + c + "' at character " + std::to_string(pos + 1) +
              " of \"" + std::string(s) + "\"";
    }
    return false;
  }
  bool Peek(char c) {
    SkipSpace();
    return pos < s.size() && s[pos] == c;
  }

  bool Type(Field* f, int depth) {
    if (depth > 50) {
      error = "the type nests too deeply";
      return false;
    }
    std::string_view w = Word();
    std::string lw(w);
    std::transform(lw.begin(), lw.end(), lw.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (lw == "bool" || lw == "boolean") {
      f->kind = Kind::kBool;
    } else if (lw == "int32") {
      f->kind = Kind::kInt32;
    } else if (lw == "int64" || lw == "int" || lw == "integer") {
      f->kind = Kind::kInt64;
    } else if (lw == "float") {
      f->kind = Kind::kFloat;
    } else if (lw == "double") {
      f->kind = Kind::kDouble;
    } else if (lw == "string") {
      f->kind = Kind::kString;
    } else if (lw == "json") {
      f->kind = Kind::kJson;
    } else if (lw == "list") {
      f->kind = Kind::kList;
      f->children.assign(1, Field::Make("element", Kind::kNull));
      if (!Expect('<') || !Type(&f->children[0], depth + 1) || !Expect('>')) return false;
    } else if (lw == "struct") {
      f->kind = Kind::kStruct;
      if (!Expect('<')) return false;
      while (true) {
        Field m;
        m.name = std::string(Word());
        if (m.name.empty()) {
          error = "a struct member needs a name (\"struct<name:type,...>\") in \"" +
                  std::string(s) + "\"";
          return false;
        }
        if (!Expect(':') || !Type(&m, depth + 1)) return false;
        f->children.push_back(std::move(m));
        if (Peek(',')) {
          ++pos;
          continue;
        }
        break;
      }
      if (!Expect('>')) return false;
    } else {
      error = "unknown type '" + std::string(w) + "' in \"" + std::string(s) +
              "\"; use bool, int32, int64, float, double, string, json, list<T> or "
              "struct<name:T,...>";
      return false;
    }
    return true;
  }
};

}  // namespace

Result<WriterSchema> WriterSchema::Make(std::vector<Field> fields) {
  WriterSchema s;
  s.root_.name = "schema";
  s.root_.kind = Kind::kStruct;
  for (auto& f : fields) {
    if (Normalise(f)) s.root_.children.push_back(std::move(f));
  }
  if (s.root_.children.empty()) {
    return Status::InvalidArgument("the schema has no columns");
  }
  std::set<std::string_view> names;
  for (auto& c : s.root_.children) {
    if (!names.insert(c.name).second) {
      return Status::InvalidArgument("two columns are named '" + c.name + "'");
    }
    WINNOW_RETURN_IF_ERROR(Assign(c, 0, 0, c.name, {}, &s.leaves_));
  }
  s.root_.num_leaves = static_cast<int>(s.leaves_.size());
  return s;
}

std::vector<parquet::SchemaElement> WriterSchema::ToParquet() const {
  std::vector<parquet::SchemaElement> out;
  parquet::SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(root_.children.size());
  out.push_back(std::move(root));
  for (const auto& c : root_.children) Flatten(c, &out);
  return out;
}

std::string WriterSchema::ToString() const {
  std::string out;
  for (const auto& c : root_.children) {
    if (!out.empty()) out += ", ";
    out += c.name + ": " + TypeString(c);
  }
  return out;
}

Result<Field> ParseType(std::string_view text) {
  TypeParser p;
  p.s = text;
  Field f;
  if (!p.Type(&f, 0)) return Status::InvalidArgument(p.error);
  p.SkipSpace();
  if (p.pos != text.size()) {
    return Status::InvalidArgument("unexpected text after the type at character " +
                                   std::to_string(p.pos + 1) + " of \"" + std::string(text) + "\"");
  }
  return f;
}

std::string TypeString(const Field& f) {
  switch (f.kind) {
    case Kind::kList:
      return "list<" + (f.children.empty() ? std::string("null") : TypeString(f.children[0])) + ">";
    case Kind::kStruct: {
      std::string out = "struct<";
      for (size_t i = 0; i < f.children.size(); ++i) {
        if (i) out += ",";
        out += f.children[i].name + ":" + TypeString(f.children[i]);
      }
      return out + ">";
    }
    default:
      return std::string(KindName(f.kind));
  }
}

bool Unify(Field& into, const Field& other) {
  if (other.kind == Kind::kNull || into.kind == Kind::kJson) return true;
  if (into.kind == Kind::kNull) {
    into.kind = other.kind;
    into.children = other.children;
    return true;
  }
  if (into.kind == other.kind) {
    if (into.kind == Kind::kList) return Unify(into.children[0], other.children[0]);
    if (into.kind == Kind::kStruct) {
      for (const auto& m : other.children) {
        auto it = std::find_if(into.children.begin(), into.children.end(),
                               [&](const Field& c) { return c.name == m.name; });
        if (it == into.children.end()) {
          into.children.push_back(m);
        } else if (!Unify(*it, m)) {
          return false;
        }
      }
    }
    return true;
  }
  auto numeric = [](Kind k) { return k == Kind::kInt64 || k == Kind::kDouble; };
  if (numeric(into.kind) && numeric(other.kind)) {
    into.kind = Kind::kDouble;
    return true;
  }
  return false;
}

}  // namespace winnow::pqw
