// feedback_db.h — streaming query results from SQLite or PostgreSQL as JSON objects.
//
// A DbCursor runs one query and hands its rows out in chunks; memory holds one
// chunk. Column values map to JSON as follows:
//   NULL -> null; integers -> integer; floats -> double (NaN/Infinity -> the
//   strings "NaN", "Infinity", "-Infinity"); PostgreSQL numeric -> integer when
//   integral and within int64, else double; bool -> bool (SQLite: INTEGER in a
//   column declared BOOL/BOOLEAN); text -> string; json/jsonb (SQLite: TEXT in a
//   column declared JSON/JSONB) -> the parsed value; bytea/BLOB -> base64 string;
//   PostgreSQL arrays of these types -> JSON arrays (nested for several
//   dimensions); anything else (timestamps, dates, uuid, interval, ...) -> the
//   server's text form (sessions use TimeZone UTC and DateStyle ISO, so
//   timestamptz reads "2024-05-01 12:00:00+00").
// A value that cannot be converted (SQLite text that is not UTF-8, a JSON
// column holding invalid JSON) does not stop the stream: the row carries a
// reason and detail and the caller rejects it.
//
// Errors (non-OK Status) name the query (abbreviated) and say what failed:
// connecting (PermissionDenied for authentication), preparing/declaring
// (InvalidArgument: the database rejected the query), or reading (IOError:
// e.g. the connection was lost mid-stream). Never blocks forever on a lost
// connection: libpq gets connect_timeout and TCP keepalives.
// Not thread-safe; one cursor per source instance.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/status.h"
#include "winnow/value.h"

namespace winnow::feedback {

struct DbRow {
  Value object;        // columns in result order
  std::string reason;  // non-empty: a value could not be converted
  std::string detail;
};

class DbCursor {
 public:
  virtual ~DbCursor() = default;
  // Result column names (known once the query is open), made unique.
  virtual const std::vector<std::string>& columns() const = 0;
  // Appends up to `n` rows; returns how many (0 = end of the result).
  virtual Result<size_t> Fetch(size_t n, std::vector<DbRow>* rows) = 0;
  // Ends the query (and transaction) and disconnects. Idempotent.
  virtual Status Close() = 0;
  // Server notices (PostgreSQL NOTICE/WARNING messages) since the last call;
  // the source logs them (libpq would otherwise print them to stderr).
  virtual std::vector<std::string> TakeNotices() { return {}; }
  // Duplicate result column names that were renamed ("id -> id_2"), or "".
  virtual std::string renamed_columns() const { return {}; }
};

struct PostgresOptions {
  std::string conninfo;  // a secret: never logged or put in messages
  int connect_timeout_s = 10;
  size_t fetch_rows = 1000;  // rows per FETCH
  bool stable_scan = true;   // SET synchronize_seqscans = off
};

Result<std::unique_ptr<DbCursor>> OpenSqlite(const std::string& path, const std::string& query);
Result<std::unique_ptr<DbCursor>> OpenPostgres(const PostgresOptions& options,
                                               const std::string& query);
bool SqliteAvailable();
bool PostgresAvailable();

// Helpers shared by the backends (pure; tested directly).
std::string Base64(std::string_view bytes);
// "\x0a0b" (PostgreSQL bytea hex output) -> bytes; false when malformed.
bool DecodeByteaHex(std::string_view text, std::string* out);
// "the query `SELECT ...`" with the query abbreviated to ~160 bytes on one line.
std::string QueryForMessage(std::string_view query);
// "name" with embedded quotes doubled; "a.b" -> "a"."b" when `dotted`.
std::string QuoteIdent(std::string_view name, bool dotted = false);

// Result column names made unique: a repeated name gets "_2", "_3", ... (SQL
// allows "SELECT a.id, b.id"; JSON objects do not). `renamed` lists the changes.
std::vector<std::string> UniqueColumnNames(const std::vector<std::string>& names,
                                           std::string* renamed);

// PostgreSQL type OIDs this module maps (from pg_type.dat).
enum PgOid : uint32_t {
  kPgBool = 16,
  kPgBytea = 17,
  kPgInt8 = 20,
  kPgInt2 = 21,
  kPgInt4 = 23,
  kPgText = 25,
  kPgOid = 26,
  kPgJson = 114,
  kPgFloat4 = 700,
  kPgFloat8 = 701,
  kPgNumeric = 1700,
  kPgJsonb = 3802,
};
// The element type of a one-of-ours array type (0 when not an array we map).
uint32_t PgArrayElementOid(uint32_t array_oid);
// Converts one non-NULL text-format value of type `oid`. Sets *error on failure.
Value PgTextToValue(std::string_view text, uint32_t oid, std::string* error);
// Parses a text-format array literal ("{1,2,NULL}", "{{a,b},{c,d}}", "{\"x y\"}").
bool ParsePgArray(std::string_view text, uint32_t element_oid, Value* out, std::string* error);

}  // namespace winnow::feedback
