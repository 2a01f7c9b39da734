// openai_cache.h — responses kept in SQLite so a re-run never pays twice.
//
// One table, llm_responses(key, model, response, created_at), in WAL mode.
// Put() hands a response to a writer thread, which commits whatever has
// arrived in one transaction (so the HTTP loop never waits for the disk, and
// a crash loses at most the responses of the transaction being committed);
// Flush() waits until everything handed over is committed. A second table,
// llm_batch_jobs(set_key, file_id, batch_id, created_at), holds the Batch API
// jobs of the offline mode; its writes are committed before they return.
// Several providers and
// processes may share the file (SQLite locking; a busy writer is waited for
// up to 30 s). Keys never include secrets. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "winnow/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace winnow::openai {

class ResponseCache {
 public:
  // Opens or creates the database (and its directory).
  static Result<std::unique_ptr<ResponseCache>> Open(const std::filesystem::path& path);
  ~ResponseCache();
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  // The stored response body for `key`, or nullopt.
  Result<std::optional<std::string>> Get(std::string_view key);
  // Queues a response body for the writer thread (stored or replaced).
  void Put(std::string key, std::string model, std::string response);
  // Waits until every queued response is committed; returns the first write
  // error since the last Flush (writing continues after an error).
  Status Flush();

  const std::filesystem::path& path() const { return path_; }

  // A Batch API job, stored under the hash of its request set.
  struct BatchJob {
    std::string set_key;
    std::string file_id;   // the uploaded input file ("" before the upload)
    std::string batch_id;  // "" before the batch was created
  };
  Result<std::optional<BatchJob>> GetJob(std::string_view set_key);
  Status PutJob(const BatchJob& job);
  Status DeleteJob(std::string_view set_key);

 private:
  struct Entry {
    std::string key, model, response;
  };
  ResponseCache() = default;
  Status Error(std::string_view what) const;
  void WriterLoop();
  Status WriteAll(std::deque<Entry>& entries);

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* get_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
  std::mutex mu_;  // the connection and statements

  std::mutex queue_mu_;
  std::condition_variable queue_cv_, flushed_cv_;
  std::deque<Entry> queue_;  // guarded by queue_mu_
  size_t writing_ = 0;       // entries taken by the writer, not yet committed
  bool stop_ = false;
  Status write_error_;
  std::thread writer_;
};

}  // namespace winnow::openai
