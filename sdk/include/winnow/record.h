// winnow/record.h — one row: a JSON object with a stable row id.
//
// A record read from JSONL keeps the source bytes and parses lazily: reading one
// field runs simdjson on-demand over the bytes and builds no DOM. Edits (set,
// remove) are kept as an overlay; when the record is written back, untouched
// members are copied byte for byte from the source and edited ones are written
// in their original position (new members go last).
//
// Records are movable and copyable (a copy shares the immutable source bytes).
// A Record is not thread-safe for mutation; distinct records may be used from
// distinct threads. Reading fields uses a thread-local parser.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/status.h"
#include "winnow/value.h"

namespace winnow {

// Bytes that records point into, plus where they came from. The buffer is
// padded (simdjson needs 64 readable bytes past the end of any document).
// An arena may instead lend memory it keeps alive elsewhere (`external_end`
// set, `bytes` unused): records then point into, e.g., a read-only file
// mapping held by `keep_alive`, readable up to `external_end`; every record
// must end at least kPadding bytes before it.
struct Arena {
  std::string bytes;   // data followed by at least kPadding spare bytes
  std::string origin;  // file path or other human-readable origin ("" if none)
  const char* external_end = nullptr;
  std::shared_ptr<const void> keep_alive;
  static constexpr size_t kPadding = 64;
};

// Stable identity of a row: which source step produced it and the ordinal the
// source gave it. Ordinals grow along the stream and do not depend on sharding
// or thread count (a JSONL source uses file index and line number), so row ids
// serve for joins, caching, external ids and deterministic ordering.
struct RowId {
  uint32_t source = 0;
  uint64_t ordinal = 0;
  std::string ToString() const;  // "<source>:<ordinal>"
  friend bool operator==(const RowId&, const RowId&) = default;
  friend auto operator<=>(const RowId&, const RowId&) = default;
};

// What a field lookup found.
enum class FieldState {
  kPresent,    // present with the requested type
  kMissing,    // no such member
  kNull,       // member is JSON null
  kWrongType,  // member has another type (see the found type in the result)
  kMalformed,  // the record's bytes are not valid JSON at or before this member
};

struct TextField {
  FieldState state = FieldState::kMissing;
  std::string_view text;  // valid while the record and the scratch string live
  ValueType found_type = ValueType::kNull;
};

class Record {
 public:
  Record() = default;
  // A record over `raw` (one JSON object) inside `arena`'s padded bytes.
  Record(RowId id, std::shared_ptr<const Arena> arena, std::string_view raw, uint64_t line = 0);
  // A record built from a Value (must be an object; anything else is wrapped as {"value": v}).
  Record(RowId id, Value object);
  // A record that owns a copy of `json` (padded). Used by tests and spill files.
  static Record FromJson(RowId id, std::string_view json);

  const RowId& id() const { return id_; }
  void set_id(RowId id) { id_ = id; }

  // Where the row came from, for messages: "path:line", "path", or "".
  std::string Location() const;
  uint64_t line() const { return line_; }
  void set_line(uint64_t line) { line_ = line; }
  const std::shared_ptr<const Arena>& arena() const { return arena_; }

  // Source bytes (empty for records built from a Value).
  std::string_view raw() const { return raw_; }
  bool edited() const { return !edits_.empty() || !removed_.empty(); }

  // Reads a top-level string member. Text without escapes is returned as a
  // view of the source bytes (no copy); otherwise it is unescaped into
  // `scratch`. Either way the view lives as long as the record and scratch.
  TextField GetText(std::string_view key, std::string& scratch) const;

  // Reads a top-level member as a Value (materialises that member only).
  // Returns nullopt when missing; Corruption when the bytes are malformed.
  Result<std::optional<Value>> Get(std::string_view key) const;

  // Reads a nested member by path: "a.b.0.c" (dots separate object keys and
  // array indexes). nullopt when any part is missing.
  Result<std::optional<Value>> GetPath(std::string_view path) const;

  bool Has(std::string_view key) const;

  void Set(std::string_view key, Value value);
  void Remove(std::string_view key);

  // Top-level member names in output order.
  Result<std::vector<std::string>> Keys() const;

  // The whole record as an object Value.
  Result<Value> ToValue() const;

  // Appends the record's JSON (no newline). Unedited records copy their bytes.
  Status AppendJson(std::string& out) const;

  // Checks that the source bytes are one JSON object with valid UTF-8 and
  // balanced structure (members are skipped, not materialised). Cheap.
  Status ValidateShallow() const;

 private:
  RowId id_;
  std::shared_ptr<const Arena> arena_;
  std::string_view raw_;
  uint64_t line_ = 0;
  Object edits_;                      // set members (override or append)
  std::vector<std::string> removed_;  // removed source members
};

}  // namespace winnow
