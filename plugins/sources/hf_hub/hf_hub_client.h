// hf_hub_client.h — reading a dataset repository of the Hugging Face Hub into
// the cache layout huggingface_hub uses, so that a Python user's cache is
// reused and vice versa:
//
//   <cache>/datasets--org--name/
//     refs/<revision>                 the commit hash the revision pointed to
//     blobs/<etag>                    file bytes (etag = git blob sha1, or sha256 for LFS files)
//     blobs/<etag>.incomplete         a partial download (resumed with Range)
//     blobs/<etag>.lock               flock()ed while downloading (as Python's filelock)
//     snapshots/<commit>/<path>       RELATIVE symlink to ../../blobs/<etag> (one more ../
//                                     per directory in <path>)
//
// Wire protocol (the Hub's, as huggingface_hub speaks it):
//   GET  {endpoint}/api/datasets/{repo}/revision/{revision}     -> {"sha": ...}
//   GET  {endpoint}/api/datasets/{repo}/tree/{commit}/{dir}?recursive=true
//        paginated by `Link: <...>; rel="next"`
//   HEAD {endpoint}/datasets/{repo}/resolve/{commit}/{path}      (redirects not followed:
//        relative Location = renamed repo, followed with HEAD again; absolute Location =
//        CDN, downloaded with GET without the Authorization header)
//        X-Repo-Commit, X-Linked-Etag or ETag, X-Linked-Size or Content-Length
//   GET  the download URL, Range: bytes=N- when resuming
// Every request is retried on network failures, 408, 429 and 5xx with the
// server's Retry-After / RateLimit hints (winnow/http.h).
//
// Safety: a repo path from a listing that is absolute or has ".." (or empty)
// components is refused before anything touches the disk; etags and commit
// hashes from headers are checked before they become file names.
//
// Not thread-safe: one client per reading thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "winnow/http.h"
#include "winnow/status.h"

namespace winnow::hf {

struct RepoFile {
  std::string path;  // repo-relative, '/'-separated
  uint64_t size = 0;
  std::string oid;      // git blob sha1
  std::string lfs_oid;  // sha256 for LFS files, else ""
  bool lfs() const { return !lfs_oid.empty(); }
  // The etag the resolve endpoint reports (the blob name in the cache).
  const std::string& etag() const { return lfs() ? lfs_oid : oid; }
};

struct HubClientOptions {
  std::string endpoint;      // no trailing '/'
  std::string token;         // "" = anonymous
  std::string token_source;  // for messages ("HF_TOKEN"); never the token itself
  std::filesystem::path cache_dir;
  bool offline = false;
  bool verify = true;  // check sha256 (LFS) / git sha1 (regular files) after a download
  RetryPolicy retry{};
  int64_t timeout_ms = 0;  // per exchange; 0 = none (large downloads)
  int64_t idle_timeout_ms = 60'000;
  std::function<bool()> cancel;  // polled during transfers
  std::function<void(const RetryEvent&)> on_retry;
};

struct DownloadStats {
  uint64_t files_downloaded = 0;
  uint64_t bytes_downloaded = 0;  // body bytes received (resumed parts count once)
  uint64_t cache_hits = 0;        // files found in snapshots/ or blobs/
  uint64_t resumed = 0;           // downloads that continued a .incomplete file
};

class HubClient {
 public:
  explicit HubClient(HubClientOptions options);

  const HubClientOptions& options() const { return opt_; }
  std::filesystem::path RepoDir(const std::string& repo_id) const;

  // The commit a revision points to. Online: the revision API (and refs/<revision>
  // is updated); offline: refs/<revision> or the revision itself when it is a
  // commit hash. With `allow_cache_fallback`, a network failure falls back to
  // the cached ref (and sets *used_cache).
  Result<std::string> ResolveCommit(const std::string& repo_id, const std::string& revision,
                                    bool allow_cache_fallback, bool* used_cache = nullptr);

  // Every file under `dir` ("" = the whole repo) at `commit`, sorted by path.
  // Paths that could escape the cache are left out and listed in *refused.
  Result<std::vector<RepoFile>> ListTree(const std::string& repo_id, const std::string& commit,
                                         const std::string& dir, std::vector<std::string>* refused);

  // The files of a cached snapshot (offline listing), sorted by path. Sizes are
  // those of the blobs; oids are empty.
  Result<std::vector<RepoFile>> ListSnapshot(const std::string& repo_id, const std::string& commit);

  // Makes sure snapshots/<commit>/<path> exists (downloading when needed) and
  // returns it.
  Result<std::filesystem::path> Fetch(const std::string& repo_id, const std::string& commit,
                                      const RepoFile& file, DownloadStats* stats);

  // Writes refs/<revision> = commit (when revision is not the commit itself).
  Status WriteRef(const std::string& repo_id, const std::string& revision,
                  const std::string& commit);

 private:
  HttpRequest Request(std::string method, std::string url, bool with_auth) const;
  Result<HttpResponse> Send(const HttpRequest& request) const;
  Status Error(const HttpResponse& r, const HttpRequest& q, const std::string& what) const;

  HubClientOptions opt_;
};

// Creates `link` as a symlink to `target` (replacing what is there) through a
// temporary name and rename, so readers never see a missing link.
Status ReplaceSymlink(const std::filesystem::path& target, const std::filesystem::path& link);

// The relative target of snapshots/<commit>/<path> -> blobs/<etag>.
std::string SnapshotLinkTarget(const std::string& path, const std::string& etag);

}  // namespace winnow::hf
