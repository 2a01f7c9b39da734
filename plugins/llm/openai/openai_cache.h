// openai_cache.h — responses kept in SQLite so a re-run never pays twice.
//
// One table, llm_responses(key, model, response, created_at), in WAL mode;
// each Put is its own transaction, committed before it returns, so a crash
// loses at most the responses still in flight. Several providers and
// processes may share the file (SQLite locking; a busy writer is waited for
// up to 30 s). Keys never include secrets. Thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

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
  // Stores (or replaces) a response body.
  Status Put(std::string_view key, std::string_view model, std::string_view response);

  const std::filesystem::path& path() const { return path_; }

 private:
  ResponseCache() = default;
  Status Error(std::string_view what) const;
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* get_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
  std::mutex mu_;
};

}  // namespace winnow::openai
