// parquet_schema.h — the Parquet writer's column model.
//
// A WriterSchema is a tree of typed fields (the top-level members of a row):
// scalars (bool, int32, int64, float, double, string, and json: any value
// stored as its JSON text in a STRING column annotated JSON), lists of one element
// type, and structs of named members. Every field is OPTIONAL in the file, so a
// null and a missing member are both written as null. Lists use the standard
// three-level LIST layout (`<name> (LIST) { repeated group list { optional
// element } }`), so any Parquet reader (Arrow, DuckDB, hyparquet) sees an
// array. Strings are BYTE_ARRAY annotated STRING; int32/int64 are INT32/INT64;
// float/double are FLOAT/DOUBLE; bool is BOOLEAN.
//
// Fields come either from type strings (`schema:` in the config:
// "int64", "list<string>", "struct<role:string,content:string>") or from
// inference over records (parquet_shred.h). WriterSchema::Make computes the
// definition/repetition levels of every node and the leaf columns in file
// order. Plain data: copyable, thread-compatible, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parquet_meta.h"
#include "winnow/status.h"

namespace winnow::pqw {

// kJson: any JSON value, stored as its compact text in a STRING column annotated JSON.
enum class Kind : uint8_t {
  kNull,
  kBool,
  kInt32,
  kInt64,
  kFloat,
  kDouble,
  kString,
  kJson,
  kList,
  kStruct
};

// "null", "bool", "int32", ... (as written in type strings).
std::string_view KindName(Kind kind);
inline bool IsScalar(Kind k) {
  return k != Kind::kList && k != Kind::kStruct;
}
// Stored as BYTE_ARRAY (PLAIN: 4-byte length, then the bytes).
inline bool IsByteArray(Kind k) {
  return k == Kind::kString || k == Kind::kJson;
}

struct Field {
  std::string name;
  Kind kind = Kind::kNull;
  std::vector<Field> children;  // kList: exactly one (the element); kStruct: the members
  // Filled by WriterSchema::Make:
  std::string path;  // for messages: "meta.score", "tags[]", "turns[].role"
  int def = 0;       // definition level when this field is non-null
  int rep = 0;       // repetition level of this field's first value
  int first_leaf = 0;
  int num_leaves = 0;

  static Field Make(std::string name, Kind kind) {
    Field f;
    f.name = std::move(name);
    f.kind = kind;
    return f;
  }
};

struct Leaf {
  Kind kind = Kind::kNull;
  int max_def = 0, max_rep = 0;
  std::vector<std::string> path_in_schema;  // Parquet path ("tags", "list", "element")
  std::string path;                         // message path ("tags[]")
  parquet::Type physical = parquet::Type::kByteArray;
};

class WriterSchema {
 public:
  WriterSchema() = default;
  // Builds the schema from top-level fields: null kinds become strings (a column
  // that held only nulls), empty structs are dropped; fails when nothing is left
  // or when two members of one struct share a name.
  static Result<WriterSchema> Make(std::vector<Field> fields);

  const Field& root() const { return root_; }
  const std::vector<Leaf>& leaves() const { return leaves_; }
  // The flattened SchemaElement list for the footer.
  std::vector<parquet::SchemaElement> ToParquet() const;
  // "id: int64, text: string, tags: list<string>"
  std::string ToString() const;

 private:
  Field root_;
  std::vector<Leaf> leaves_;
};

// Parses a type string ("int64", "list<struct<a:string,b:double>>"). Accepted
// scalar names: bool/boolean, int32, int64/int/integer, float, double,
// string. Errors are sentences naming the offending part.
Result<Field> ParseType(std::string_view text);
// The inverse of ParseType ("list<string>").
std::string TypeString(const Field& field);

// Widens `into` so it also holds `other` (null + x = x, int64 + double =
// double, lists by element, structs by member, new members appended). Returns
// false (leaving `into` partly changed) when the two cannot be unified.
bool Unify(Field& into, const Field& other);

}  // namespace winnow::pqw
