// SQLite cursor: one prepared statement stepped row by row (sqlite3 C API).
#include <cmath>
#include <filesystem>
#include <string>

#include "feedback_db.h"
#include "winnow/text.h"

#ifdef WINNOW_HAVE_SQLITE
#include <sqlite3.h>
#endif

namespace winnow::feedback {

#ifdef WINNOW_HAVE_SQLITE

namespace {

std::string Upper(const char* s) {
  std::string out = s ? s : "";
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

enum class Decl { kOther, kBool, kJson };

class SqliteCursor final : public DbCursor {
 public:
  SqliteCursor(std::string path, std::string query)
      : path_(std::move(path)), query_(std::move(query)) {}
  ~SqliteCursor() override { Close().IgnoreError(); }

  Status Open() {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec)) {
      return Status::NotFound("the SQLite database " + path_ + " does not exist");
    }
    int rc =
        sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      return Status::IOError("cannot open the SQLite database " + path_ + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
    const char* tail = nullptr;
    rc = sqlite3_prepare_v2(db_, query_.c_str(), static_cast<int>(query_.size()), &stmt_, &tail);
    if (rc != SQLITE_OK) {
      return Status::InvalidArgument("SQLite (" + path_ + ") rejected " + QueryForMessage(query_) +
                                     ": " + sqlite3_errmsg(db_));
    }
    if (!stmt_) {
      return Status::InvalidArgument(QueryForMessage(query_) + " is empty (no SQL statement)");
    }
    if (tail) {
      std::string_view rest(tail);
      if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
        return Status::InvalidArgument(QueryForMessage(query_) +
                                       " holds more than one SQL statement; give one SELECT");
      }
    }
    int n = sqlite3_column_count(stmt_);
    if (n == 0) {
      return Status::InvalidArgument(QueryForMessage(query_) +
                                     " returns no columns (not a SELECT?)");
    }
    for (int i = 0; i < n; ++i) {
      const char* name = sqlite3_column_name(stmt_, i);
      columns_.push_back(name ? name : "column_" + std::to_string(i + 1));
      std::string decl = Upper(sqlite3_column_decltype(stmt_, i));
      decls_.push_back(decl == "BOOL" || decl == "BOOLEAN" ? Decl::kBool
                       : decl == "JSON" || decl == "JSONB" ? Decl::kJson
                                                           : Decl::kOther);
    }
    columns_ = UniqueColumnNames(columns_, &renamed_);
    return Status::Ok();
  }

  const std::vector<std::string>& columns() const override { return columns_; }
  std::string renamed_columns() const override { return renamed_; }

  Result<size_t> Fetch(size_t n, std::vector<DbRow>* rows) override {
    size_t got = 0;
    while (got < n && stmt_ && !done_) {
      int rc = sqlite3_step(stmt_);
      if (rc == SQLITE_DONE) {
        done_ = true;
        break;
      }
      if (rc != SQLITE_ROW) {
        return Status::IOError("SQLite (" + path_ + ") failed while reading the results of " +
                               QueryForMessage(query_) + " after " + std::to_string(rows_read_) +
                               " rows: " + sqlite3_errmsg(db_));
      }
      DbRow row;
      row.object = Value::MakeObject();
      Object& obj = row.object.as_object();
      obj.reserve(columns_.size());
      for (int i = 0; i < static_cast<int>(columns_.size()); ++i) {
        obj.emplace_back(columns_[i], Convert(i, &row));
      }
      rows->push_back(std::move(row));
      ++got;
      ++rows_read_;
    }
    return got;
  }

  Status Close() override {
    if (stmt_) sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
    return Status::Ok();
  }

 private:
  Value Convert(int i, DbRow* row) {
    switch (sqlite3_column_type(stmt_, i)) {
      case SQLITE_NULL:
        return Value();
      case SQLITE_INTEGER: {
        int64_t v = sqlite3_column_int64(stmt_, i);
        if (decls_[i] == Decl::kBool) return Value(v != 0);
        return Value(v);
      }
      case SQLITE_FLOAT: {
        double d = sqlite3_column_double(stmt_, i);
        if (std::isnan(d)) return Value("NaN");
        if (std::isinf(d)) return Value(d > 0 ? "Infinity" : "-Infinity");
        return Value(d);
      }
      case SQLITE_TEXT: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
        std::string_view text(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(stmt_, i)));
        if (!IsValidUtf8(text)) {
          if (row->reason.empty()) {
            row->reason = "invalid_utf8";
            row->detail = "the column '" + columns_[i] + "' holds text that is not valid UTF-8";
          }
          return Value(SanitizeUtf8(text));
        }
        if (decls_[i] == Decl::kJson) {
          auto parsed = Value::Parse(text);
          if (parsed.ok()) return std::move(parsed).value();
          if (row->reason.empty()) {
            row->reason = "invalid_json";
            row->detail = "the column '" + columns_[i] +
                          "' (declared JSON) does not parse: " + parsed.status().message();
          }
        }
        return Value(text);
      }
      case SQLITE_BLOB:
      default: {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
        std::string_view bytes(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(stmt_, i)));
        return Value(Base64(bytes));
      }
    }
  }

  std::string path_, query_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::vector<std::string> columns_;
  std::string renamed_;
  std::vector<Decl> decls_;
  bool done_ = false;
  uint64_t rows_read_ = 0;
};

}  // namespace

bool SqliteAvailable() {
  return true;
}

Result<std::unique_ptr<DbCursor>> OpenSqlite(const std::string& path, const std::string& query) {
  auto c = std::make_unique<SqliteCursor>(path, query);
  WINNOW_RETURN_IF_ERROR(c->Open());
  return std::unique_ptr<DbCursor>(std::move(c));
}

#else

bool SqliteAvailable() {
  return false;
}

Result<std::unique_ptr<DbCursor>> OpenSqlite(const std::string&, const std::string&) {
  return Status::Unimplemented(
      "this build of source/feedback has no SQLite support "
      "(libsqlite3-dev was missing when it was built)");
}

#endif

}  // namespace winnow::feedback
