// SQLite response cache (see openai_cache.h).
#include "openai_cache.h"

#include <sqlite3.h>

#include <ctime>

namespace winnow::openai {

Status ResponseCache::Error(std::string_view what) const {
  return Status::IOError("LLM response cache '" + path_.string() + "': " + std::string(what) +
                         ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : "cannot open"));
}

Result<std::unique_ptr<ResponseCache>> ResponseCache::Open(const std::filesystem::path& path) {
  std::unique_ptr<ResponseCache> c(new ResponseCache());
  c->path_ = path;
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return Status::IOError("cannot create the LLM cache directory '" + path.parent_path().string() +
                           "': " + ec.message());
  }
  int rc =
      sqlite3_open_v2(path.c_str(), &c->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return c->Error("cannot open");
  sqlite3_busy_timeout(c->db_, 30'000);
  const char* setup =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      "CREATE TABLE IF NOT EXISTS llm_responses("
      "  key TEXT PRIMARY KEY,"
      "  model TEXT NOT NULL,"
      "  response TEXT NOT NULL,"
      "  created_at INTEGER NOT NULL) WITHOUT ROWID;";
  char* err = nullptr;
  if (sqlite3_exec(c->db_, setup, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    return Status::IOError("LLM response cache '" + path.string() + "': cannot set up: " + msg);
  }
  if (sqlite3_prepare_v2(c->db_, "SELECT response FROM llm_responses WHERE key = ?1", -1, &c->get_,
                         nullptr) != SQLITE_OK) {
    return c->Error("cannot prepare a lookup");
  }
  if (sqlite3_prepare_v2(c->db_,
                         "INSERT OR REPLACE INTO llm_responses(key, model, response, created_at)"
                         " VALUES (?1, ?2, ?3, ?4)",
                         -1, &c->put_, nullptr) != SQLITE_OK) {
    return c->Error("cannot prepare an insert");
  }
  return c;
}

ResponseCache::~ResponseCache() {
  if (get_ != nullptr) sqlite3_finalize(get_);
  if (put_ != nullptr) sqlite3_finalize(put_);
  if (db_ != nullptr) sqlite3_close(db_);
}

Result<std::optional<std::string>> ResponseCache::Get(std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3_reset(get_);
  sqlite3_bind_text(get_, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  int rc = sqlite3_step(get_);
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Error("lookup failed");
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(get_, 0));
  int size = sqlite3_column_bytes(get_, 0);
  std::string out(text != nullptr ? text : "", static_cast<size_t>(size));
  sqlite3_reset(get_);
  return std::optional<std::string>(std::move(out));
}

Status ResponseCache::Put(std::string_view key, std::string_view model, std::string_view response) {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3_reset(put_);
  sqlite3_bind_text(put_, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(put_, 2, model.data(), static_cast<int>(model.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(put_, 3, response.data(), static_cast<int>(response.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(put_, 4, static_cast<sqlite3_int64>(std::time(nullptr)));
  int rc = sqlite3_step(put_);
  sqlite3_reset(put_);
  if (rc != SQLITE_DONE) return Error("insert failed");
  return Status::Ok();
}

}  // namespace winnow::openai
