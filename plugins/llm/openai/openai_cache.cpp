// SQLite response cache (see openai_cache.h).
#include "openai_cache.h"

#include <sqlite3.h>

#include <chrono>
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
  // Closing does not checkpoint the WAL into the database (tens of ms of
  // fsyncs at the end of every run); the next open reads the WAL, and
  // SQLite's automatic checkpoints keep it small.
  sqlite3_db_config(c->db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  // The schema is set up without syncs (creating a fresh cache costs ~0.7 ms
  // instead of ~30 ms of fsyncs before the first request can go out; an
  // interrupted set-up leaves an empty cache at worst); responses are then
  // committed with synchronous=NORMAL (durable once the WAL is checkpointed,
  // and never corrupt).
  const char* setup =
      "PRAGMA synchronous=OFF;"
      "PRAGMA journal_mode=WAL;"
      "CREATE TABLE IF NOT EXISTS llm_responses("
      "  key TEXT PRIMARY KEY,"
      "  model TEXT NOT NULL,"
      "  response TEXT NOT NULL,"
      "  created_at INTEGER NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS llm_batch_jobs("
      "  set_key TEXT PRIMARY KEY,"
      "  file_id TEXT NOT NULL,"
      "  batch_id TEXT NOT NULL,"
      "  created_at INTEGER NOT NULL) WITHOUT ROWID;"
      "PRAGMA synchronous=NORMAL;";
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
  c->writer_ = std::thread([raw = c.get()] { raw->WriterLoop(); });
  return c;
}

void ResponseCache::Put(std::string key, std::string model, std::string response) {
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    was_empty = queue_.empty();
    queue_.push_back({std::move(key), std::move(model), std::move(response)});
  }
  // Only an entry that finds the queue empty wakes the writer; what arrives
  // while it commits is taken by its next transaction (no wake-up per
  // response, no added delay: a crash loses only what is being committed).
  if (was_empty) queue_cv_.notify_one();
}

Status ResponseCache::Flush() {
  std::unique_lock<std::mutex> lock(queue_mu_);
  flushed_cv_.wait(lock, [this] { return queue_.empty() && writing_ == 0; });
  Status st = write_error_;
  write_error_ = Status::Ok();
  return st;
}

void ResponseCache::WriterLoop() {
  while (true) {
    std::deque<Entry> batch;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty() && stop_) return;
      batch.swap(queue_);
      writing_ = batch.size();
    }
    Status st = WriteAll(batch);
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      writing_ = 0;
      if (!st.ok() && write_error_.ok()) write_error_ = st;
    }
    flushed_cv_.notify_all();
  }
}

Status ResponseCache::WriteAll(std::deque<Entry>& entries) {
  std::lock_guard<std::mutex> lock(mu_);
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Error("cannot begin a transaction");
  }
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const Entry& e : entries) {
    sqlite3_reset(put_);
    sqlite3_bind_text(put_, 1, e.key.data(), static_cast<int>(e.key.size()), SQLITE_STATIC);
    sqlite3_bind_text(put_, 2, e.model.data(), static_cast<int>(e.model.size()), SQLITE_STATIC);
    sqlite3_bind_text(put_, 3, e.response.data(), static_cast<int>(e.response.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int64(put_, 4, now);
    int rc = sqlite3_step(put_);
    sqlite3_reset(put_);
    if (rc != SQLITE_DONE) {
      Status st = Error("insert failed");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return st;
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    Status st = Error("commit failed");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return st;
  }
  return Status::Ok();
}

ResponseCache::~ResponseCache() {
  if (writer_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      stop_ = true;
    }
    queue_cv_.notify_all();
    writer_.join();
  }
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

}  // namespace winnow::openai

namespace {

// A statement prepared for one call (job bookkeeping is rare).
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() {
    if (s != nullptr) sqlite3_finalize(s);
  }
};

void Bind(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string Column(sqlite3_stmt* s, int i) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return std::string(text != nullptr ? text : "", static_cast<size_t>(sqlite3_column_bytes(s, i)));
}

}  // namespace

namespace winnow::openai {

Result<std::optional<ResponseCache::BatchJob>> ResponseCache::GetJob(std::string_view set_key) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_, "SELECT file_id, batch_id FROM llm_batch_jobs WHERE set_key = ?1", -1,
                         &st.s, nullptr) != SQLITE_OK) {
    return Error("cannot look up a batch job");
  }
  Bind(st.s, 1, set_key);
  int rc = sqlite3_step(st.s);
  if (rc == SQLITE_DONE) return std::optional<BatchJob>();
  if (rc != SQLITE_ROW) return Error("cannot look up a batch job");
  BatchJob job{std::string(set_key), Column(st.s, 0), Column(st.s, 1)};
  return std::optional<BatchJob>(std::move(job));
}

Status ResponseCache::PutJob(const BatchJob& job) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO llm_batch_jobs(set_key, file_id, batch_id, "
                         "created_at) VALUES (?1, ?2, ?3, ?4)",
                         -1, &st.s, nullptr) != SQLITE_OK) {
    return Error("cannot store a batch job");
  }
  Bind(st.s, 1, job.set_key);
  Bind(st.s, 2, job.file_id);
  Bind(st.s, 3, job.batch_id);
  sqlite3_bind_int64(st.s, 4, static_cast<int64_t>(std::time(nullptr)));
  if (sqlite3_step(st.s) != SQLITE_DONE) return Error("cannot store a batch job");
  return Status::Ok();
}

Status ResponseCache::DeleteJob(std::string_view set_key) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_, "DELETE FROM llm_batch_jobs WHERE set_key = ?1", -1, &st.s,
                         nullptr) != SQLITE_OK) {
    return Error("cannot forget a batch job");
  }
  Bind(st.s, 1, set_key);
  if (sqlite3_step(st.s) != SQLITE_DONE) return Error("cannot forget a batch job");
  return Status::Ok();
}

}  // namespace winnow::openai
