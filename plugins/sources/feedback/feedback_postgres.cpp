// PostgreSQL cursor (libpq): a server-side cursor in a read-only REPEATABLE READ
// transaction, read with FETCH FORWARD n, text-format results.
#include <string>
#include <string_view>
#include <utility>

#include "feedback_db.h"

#ifdef WINNOW_HAVE_POSTGRES
#include <libpq-fe.h>
#endif

namespace winnow::feedback {

#ifdef WINNOW_HAVE_POSTGRES

namespace {

// libpq messages end with newlines and use two spaces after "ERROR:"; tidy them.
std::string Tidy(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n') {
      out += "; ";
      continue;
    }
    if (s[i] == ' ' && !out.empty() && out.back() == ' ') continue;
    out += s[i];
  }
  return out.empty() ? "no message from libpq" : out;
}

class PgResult {
 public:
  explicit PgResult(PGresult* r = nullptr) : r_(r) {}
  ~PgResult() { reset(); }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(PgResult&& o) noexcept {
    if (this != &o) {
      reset();
      r_ = o.r_;
      o.r_ = nullptr;
    }
    return *this;
  }
  void reset() {
    if (r_) PQclear(r_);
    r_ = nullptr;
  }
  PGresult* get() const { return r_; }
  explicit operator bool() const { return r_ != nullptr; }

 private:
  PGresult* r_;
};

class PostgresCursor final : public DbCursor {
 public:
  PostgresCursor(PostgresOptions options, std::string query)
      : opt_(std::move(options)), query_(std::move(query)) {}
  ~PostgresCursor() override { Close().IgnoreError(); }

  Status Open() {
    // Check the connection string's syntax first: libpq's parse errors quote the
    // offending token, which may be part of the password, so they are not shown.
    char* parse_error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(opt_.conninfo.c_str(), &parse_error);
    if (!parsed) {
      if (parse_error) PQfreemem(parse_error);
      return Status::InvalidArgument(
          "the PostgreSQL connection string does not parse (libpq's message is not shown "
          "because it may quote the secret); expected postgresql://user:password@host:port/db "
          "or key=value pairs such as \"host=db port=5432 dbname=app user=reader\"");
    }
    for (PQconninfoOption* o = parsed; o->keyword; ++o) {
      if (std::string_view(o->keyword) == "password" && o->val && *o->val) password_ = o->val;
    }
    PQconninfoFree(parsed);
    // Our defaults first; the user's connection string may override them
    // (expand_dbname); client_encoding is forced last.
    std::string timeout = std::to_string(opt_.connect_timeout_s);
    const char* keys[] = {"connect_timeout", "application_name",    "keepalives",
                          "keepalives_idle", "keepalives_interval", "keepalives_count",
                          "dbname",          "client_encoding",     nullptr};
    const char* values[] = {timeout.c_str(),       "winnow", "1",    "30", "10", "3",
                            opt_.conninfo.c_str(), "UTF8",   nullptr};
    conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (!conn_) return Status::IOError("cannot connect to PostgreSQL: out of memory");
    PQsetNoticeProcessor(conn_, &PostgresCursor::OnNotice, this);
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = Redact(Tidy(PQerrorMessage(conn_)));
      bool auth = msg.find("password authentication failed") != std::string::npos ||
                  msg.find("no password supplied") != std::string::npos ||
                  msg.find("authentication failed") != std::string::npos ||
                  msg.find("no pg_hba.conf entry") != std::string::npos;
      std::string m = "cannot connect to PostgreSQL: " + msg;
      return auth ? Status::PermissionDenied(m +
                                             " (check the credentials in the connection "
                                             "string; an expired password looks the same)")
                  : Status::IOError(m);
    }
    WINNOW_RETURN_IF_ERROR(Exec("SET TimeZone = 'UTC'", false));
    WINNOW_RETURN_IF_ERROR(Exec("SET DateStyle = 'ISO, YMD'", false));
    WINNOW_RETURN_IF_ERROR(Exec("SET extra_float_digits = 3", false));
    WINNOW_RETURN_IF_ERROR(Exec("SET bytea_output = 'hex'", false));
    if (opt_.stable_scan) WINNOW_RETURN_IF_ERROR(Exec("SET synchronize_seqscans = off", false));
    WINNOW_RETURN_IF_ERROR(Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", false));
    in_tx_ = true;
    WINNOW_RETURN_IF_ERROR(Exec("DECLARE winnow_feedback NO SCROLL CURSOR FOR " + query_, true));
    // The first FETCH tells the columns.
    WINNOW_RETURN_IF_ERROR(FetchChunk());
    int n = PQnfields(chunk_.get());
    for (int i = 0; i < n; ++i) {
      columns_.push_back(PQfname(chunk_.get(), i));
      oids_.push_back(static_cast<uint32_t>(PQftype(chunk_.get(), i)));
    }
    columns_ = UniqueColumnNames(columns_, &renamed_);
    return Status::Ok();
  }

  const std::vector<std::string>& columns() const override { return columns_; }
  std::string renamed_columns() const override { return renamed_; }

  std::vector<std::string> TakeNotices() override { return std::exchange(notices_, {}); }

  Result<size_t> Fetch(size_t n, std::vector<DbRow>* rows) override {
    size_t got = 0;
    while (got < n) {
      if (!chunk_ || chunk_pos_ >= PQntuples(chunk_.get())) {
        if (done_) break;
        WINNOW_RETURN_IF_ERROR(FetchChunk());
        if (PQntuples(chunk_.get()) == 0) {
          done_ = true;
          break;
        }
      }
      PGresult* r = chunk_.get();
      int i = chunk_pos_++;
      DbRow row;
      row.object = Value::MakeObject();
      Object& obj = row.object.as_object();
      obj.reserve(columns_.size());
      for (int c = 0; c < static_cast<int>(columns_.size()); ++c) {
        if (PQgetisnull(r, i, c)) {
          obj.emplace_back(columns_[c], Value());
          continue;
        }
        std::string_view text(PQgetvalue(r, i, c), static_cast<size_t>(PQgetlength(r, i, c)));
        std::string err;
        Value v = PgTextToValue(text, oids_[c], &err);
        if (!err.empty() && row.reason.empty()) {
          row.reason = "bad_value";
          row.detail = "the column '" + columns_[c] + "' " + err;
        }
        obj.emplace_back(columns_[c], std::move(v));
      }
      rows->push_back(std::move(row));
      ++got;
      ++rows_read_;
    }
    return got;
  }

  Status Close() override {
    chunk_.reset();
    if (conn_) {
      if (in_tx_ && PQstatus(conn_) == CONNECTION_OK) {
        PgResult r(PQexec(conn_, "ROLLBACK"));  // read-only: nothing to commit
      }
      PQfinish(conn_);
      conn_ = nullptr;
    }
    in_tx_ = false;
    return Status::Ok();
  }

 private:
  // Removes the password from a server or libpq message (defence in depth).
  std::string Redact(std::string msg) const {
    if (password_.size() < 3) return msg;
    for (size_t at; (at = msg.find(password_)) != std::string::npos;) {
      msg.replace(at, password_.size(), "***");
    }
    return msg;
  }

  Status Exec(const std::string& sql, bool is_query) {
    PgResult r(PQexec(conn_, sql.c_str()));
    ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
    std::string msg = Tidy(r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn_));
    if (msg == "no message from libpq") msg = Tidy(PQerrorMessage(conn_));
    msg = Redact(std::move(msg));
    if (PQstatus(conn_) == CONNECTION_BAD) {
      return Status::IOError(
          "the PostgreSQL connection was lost while " +
          std::string(is_query ? "starting " + QueryForMessage(query_) : "setting up the session") +
          ": " + msg);
    }
    if (is_query) {
      return Status::InvalidArgument("PostgreSQL rejected " + QueryForMessage(query_) + ": " + msg);
    }
    return Status::IOError("PostgreSQL refused `" + sql + "`: " + msg);
  }

  Status FetchChunk() {
    std::string sql = "FETCH FORWARD " + std::to_string(opt_.fetch_rows) + " FROM winnow_feedback";
    chunk_ = PgResult(PQexec(conn_, sql.c_str()));
    chunk_pos_ = 0;
    ExecStatusType st = chunk_ ? PQresultStatus(chunk_.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK) return Status::Ok();
    std::string msg = Tidy(chunk_ ? PQresultErrorMessage(chunk_.get()) : PQerrorMessage(conn_));
    if (msg == "no message from libpq") msg = Tidy(PQerrorMessage(conn_));
    msg = Redact(std::move(msg));
    // Class 08 (connection exception) and 57P (operator intervention: the backend
    // was terminated, the server is shutting down) mean the session is gone.
    const char* state = chunk_ ? PQresultErrorField(chunk_.get(), PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    chunk_.reset();
    bool lost = PQstatus(conn_) == CONNECTION_BAD || sqlstate.starts_with("08") ||
                sqlstate.starts_with("57P");
    std::string what = lost ? "the PostgreSQL connection was lost while reading the results of "
                            : "PostgreSQL failed while reading the results of ";
    Status s = Status::IOError(what + QueryForMessage(query_) + " after " +
                               std::to_string(rows_read_) + " rows: " + msg);
    if (rows_read_ == 0 && !lost) {
      // Errors on the first FETCH are usually the query's own (division by zero...).
      return Status::InvalidArgument("PostgreSQL rejected " + QueryForMessage(query_) + ": " + msg);
    }
    return s;
  }

  static void OnNotice(void* self, const char* message) {
    auto* c = static_cast<PostgresCursor*>(self);
    if (c->notices_.size() < 100) c->notices_.push_back("PostgreSQL: " + Tidy(message));
  }

  PostgresOptions opt_;
  std::string password_;  // from the connection string, only to redact messages
  std::string query_;
  std::vector<std::string> notices_;
  PGconn* conn_ = nullptr;
  bool in_tx_ = false;
  PgResult chunk_;
  int chunk_pos_ = 0;
  bool done_ = false;
  uint64_t rows_read_ = 0;
  std::vector<std::string> columns_;
  std::string renamed_;
  std::vector<uint32_t> oids_;
};

}  // namespace

bool PostgresAvailable() {
  return true;
}

Result<std::unique_ptr<DbCursor>> OpenPostgres(const PostgresOptions& options,
                                               const std::string& query) {
  auto c = std::make_unique<PostgresCursor>(options, query);
  WINNOW_RETURN_IF_ERROR(c->Open());
  return std::unique_ptr<DbCursor>(std::move(c));
}

#else

bool PostgresAvailable() {
  return false;
}

Result<std::unique_ptr<DbCursor>> OpenPostgres(const PostgresOptions&, const std::string&) {
  return Status::Unimplemented(
      "this build of source/feedback has no PostgreSQL support "
      "(libpq-dev was missing when it was built)");
}

#endif

}  // namespace winnow::feedback
