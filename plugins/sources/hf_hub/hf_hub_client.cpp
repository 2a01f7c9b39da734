// hf_hub_client.cpp — see hf_hub_client.h.
#include "hf_hub_client.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "hf_hub_common.h"
#include "winnow/io.h"
#include "winnow/value.h"

namespace winnow::hf {
namespace fs = std::filesystem;

namespace {

bool SafeEtag(const std::string& etag) {
  if (etag.empty() || etag.size() > 128) return false;
  for (char c : etag) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

// Holds an exclusive flock on a lock file for its lifetime (the lock Python's
// filelock takes on blobs/<etag>.lock, so both tools can share a cache).
class FileLock {
 public:
  explicit FileLock(const fs::path& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0) {
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
    }
  }
  ~FileLock() {
    if (fd_ >= 0) {
      std::error_code ec;
      fs::remove(path_, ec);
      ::flock(fd_, LOCK_UN);
      ::close(fd_);
    }
  }
  bool ok() const { return fd_ >= 0; }

 private:
  fs::path path_;
  int fd_ = -1;
};

uint64_t FileSizeOr(const fs::path& p, uint64_t fallback) {
  std::error_code ec;
  auto n = fs::file_size(p, ec);
  return ec ? fallback : static_cast<uint64_t>(n);
}

bool ParseU64(const std::string& s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string SnapshotLinkTarget(const std::string& path, const std::string& etag) {
  std::string target = "../../";
  for (char c : path) {
    if (c == '/') target += "../";
  }
  return target + "blobs/" + etag;
}

Status ReplaceSymlink(const fs::path& target, const fs::path& link) {
  std::error_code ec;
  fs::create_directories(link.parent_path(), ec);
  fs::path tmp = link;
  tmp += ".tmp-link-" + std::to_string(::getpid());
  fs::remove(tmp, ec);
  if (::symlink(target.c_str(), tmp.c_str()) != 0) {
    return Status::IOError("cannot create the symlink " + link.string() + ": " +
                           std::strerror(errno));
  }
  if (::rename(tmp.c_str(), link.c_str()) != 0) {
    Status st = Status::IOError("cannot move the symlink into place at " + link.string() + ": " +
                                std::strerror(errno));
    fs::remove(tmp, ec);
    return st;
  }
  return Status::Ok();
}

HubClient::HubClient(HubClientOptions options) : opt_(std::move(options)) {}

fs::path HubClient::RepoDir(const std::string& repo_id) const {
  return opt_.cache_dir / RepoFolderName(repo_id);
}

HttpRequest HubClient::Request(std::string method, std::string url, bool with_auth) const {
  HttpRequest q;
  q.method = std::move(method);
  q.url = std::move(url);
  if (with_auth && !opt_.token.empty()) q.headers.Set("Authorization", "Bearer " + opt_.token);
  q.timeout_ms = opt_.timeout_ms;
  q.idle_timeout_ms = opt_.idle_timeout_ms;
  q.cancel = opt_.cancel;
  return q;
}

Result<HttpResponse> HubClient::Send(const HttpRequest& request) const {
  return SendWithRetry(request, opt_.retry, HubRetryable,
                       opt_.on_retry ? RetryObserver(opt_.on_retry) : RetryObserver());
}

Status HubClient::Error(const HttpResponse& r, const HttpRequest& q,
                        const std::string& what) const {
  return HubError(r, q, what, opt_.token.empty() ? "" : opt_.token_source, opt_.endpoint);
}

Status HubClient::WriteRef(const std::string& repo_id, const std::string& revision,
                           const std::string& commit) {
  if (revision == commit) return Status::Ok();
  fs::path ref = RepoDir(repo_id) / "refs" / revision;
  auto current = ReadFile(ref, 4096);
  if (current.ok() && *current == commit) return Status::Ok();
  std::error_code ec;
  fs::create_directories(ref.parent_path(), ec);
  return WriteFileAtomic(ref, commit);
}

Result<std::string> HubClient::ResolveCommit(const std::string& repo_id,
                                             const std::string& revision, bool allow_cache_fallback,
                                             bool* used_cache) {
  if (used_cache) *used_cache = false;
  auto from_cache = [&]() -> Result<std::string> {
    if (IsCommitHash(revision)) {
      std::error_code ec;
      if (fs::is_directory(RepoDir(repo_id) / "snapshots" / revision, ec)) return revision;
    } else {
      auto ref = ReadFile(RepoDir(repo_id) / "refs" / revision, 4096);
      if (ref.ok()) {
        std::string c = *ref;
        while (!c.empty() && std::isspace(static_cast<unsigned char>(c.back()))) c.pop_back();
        if (IsCommitHash(c)) return c;
      }
    }
    return Status::NotFound("no cached copy of dataset " + repo_id + " at revision '" + revision +
                            "' in " + opt_.cache_dir.string());
  };
  if (opt_.offline) {
    auto c = from_cache();
    if (!c.ok()) {
      return Status::NotFound(c.status().message() +
                              " (offline mode: HF_HUB_OFFLINE is set or offline: true)");
    }
    if (used_cache) *used_cache = true;
    return c;
  }
  std::string url = opt_.endpoint + "/api/datasets/" + repo_id + "/revision/" + UrlEncode(revision);
  HttpRequest q = Request("GET", url, true);
  auto r = Send(q);
  bool transient = !r.ok() ? r.status().code() == StatusCode::kUnavailable
                           : (r->status == 429 || r->status >= 500);
  if (transient && allow_cache_fallback) {
    auto c = from_cache();
    if (c.ok()) {
      if (used_cache) *used_cache = true;
      return c;
    }
  }
  if (!r.ok()) return r.status().WithContext("cannot reach the Hub for dataset " + repo_id);
  if (!r->ok()) return Error(*r, q, "dataset " + repo_id + " at revision '" + revision + "'");
  auto info = Value::Parse(r->body);
  const Value* sha = info.ok() ? info->find("sha") : nullptr;
  if (!sha || !sha->is_string() || !IsCommitHash(sha->as_string())) {
    return Status::Corruption("the Hub's answer for dataset " + repo_id + " at revision '" +
                              revision + "' has no valid \"sha\" (commit hash)");
  }
  std::string commit = sha->as_string();
  WINNOW_RETURN_IF_ERROR(WriteRef(repo_id, revision, commit));
  return commit;
}

Result<std::vector<RepoFile>> HubClient::ListTree(const std::string& repo_id,
                                                  const std::string& commit, const std::string& dir,
                                                  std::vector<std::string>* refused) {
  std::vector<RepoFile> files;
  std::string url = opt_.endpoint + "/api/datasets/" + repo_id + "/tree/" + UrlEncode(commit);
  if (!dir.empty()) url += "/" + QuotePath(dir);
  url += "?recursive=true&expand=false";
  std::string origin = UrlOrigin(opt_.endpoint);
  for (int page = 0; !url.empty(); ++page) {
    if (page > 100000) return Status::Corruption("the Hub's tree listing does not end");
    if (opt_.cancel && opt_.cancel()) return Status::Cancelled("interrupted while listing");
    HttpRequest q = Request("GET", url, true);
    auto r = Send(q);
    if (!r.ok()) return r.status().WithContext("cannot list dataset " + repo_id);
    if (r->status == 404 && !dir.empty() && r->headers.Get("X-Error-Code") == "EntryNotFound") {
      return files;  // the directory does not exist: no files
    }
    if (!r->ok()) return Error(*r, q, "the file listing of dataset " + repo_id);
    auto parsed = Value::Parse(r->body);
    if (!parsed.ok() || !parsed->is_array()) {
      return Status::Corruption("the Hub's tree listing of dataset " + repo_id +
                                " is not a JSON array");
    }
    for (const Value& e : parsed->as_array()) {
      const Value* type = e.find("type");
      const Value* path = e.find("path");
      if (!type || !type->is_string() || !path || !path->is_string()) continue;
      if (type->as_string() != "file") continue;
      RepoFile f;
      f.path = path->as_string();
      if (!CheckRepoPath(f.path).empty()) {
        if (refused) refused->push_back(f.path);
        continue;
      }
      if (const Value* s = e.find("size"); s && s->is_int())
        f.size = static_cast<uint64_t>(s->as_int());
      if (const Value* o = e.find("oid"); o && o->is_string()) f.oid = o->as_string();
      if (const Value* lfs = e.find("lfs"); lfs && lfs->is_object()) {
        if (const Value* o = lfs->find("oid"); o && o->is_string()) f.lfs_oid = o->as_string();
        if (const Value* s = lfs->find("size"); s && s->is_int()) {
          f.size = static_cast<uint64_t>(s->as_int());
        }
      }
      files.push_back(std::move(f));
    }
    std::string next = NextLink(r->headers.Get("Link"));
    if (!next.empty() && next.front() == '/') next = origin + next;
    url = next;
  }
  std::sort(files.begin(), files.end(),
            [](const RepoFile& a, const RepoFile& b) { return a.path < b.path; });
  return files;
}

Result<std::vector<RepoFile>> HubClient::ListSnapshot(const std::string& repo_id,
                                                      const std::string& commit) {
  fs::path root = RepoDir(repo_id) / "snapshots" / commit;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return Status::NotFound("no cached snapshot of dataset " + repo_id + " at commit " + commit +
                            " in " + opt_.cache_dir.string());
  }
  std::vector<RepoFile> files;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    if (!fs::is_regular_file(it->path(), e2)) continue;  // follows the symlink
    RepoFile f;
    f.path = it->path().lexically_relative(root).generic_string();
    if (!CheckRepoPath(f.path).empty() || f.path.find(".tmp-link-") != std::string::npos) continue;
    f.size = FileSizeOr(it->path(), 0);
    files.push_back(std::move(f));
  }
  std::sort(files.begin(), files.end(),
            [](const RepoFile& a, const RepoFile& b) { return a.path < b.path; });
  return files;
}

Result<fs::path> HubClient::Fetch(const std::string& repo_id, const std::string& commit,
                                  const RepoFile& file, DownloadStats* stats) {
  DownloadStats ignored;
  if (!stats) stats = &ignored;
  if (std::string why = CheckRepoPath(file.path); !why.empty()) {
    return Status::PermissionDenied("refusing repo path '" + file.path + "' of dataset " + repo_id +
                                    ": it " + why + " and could escape the cache");
  }
  fs::path repo_dir = RepoDir(repo_id);
  fs::path pointer = repo_dir / "snapshots" / commit / file.path;
  std::error_code ec;
  if (fs::is_regular_file(pointer, ec)) {
    ++stats->cache_hits;
    return pointer;
  }
  std::string what = "file " + file.path + " of dataset " + repo_id + " at " + commit;
  if (opt_.offline) {
    return Status::NotFound(what + " is not in the cache " + opt_.cache_dir.string() +
                            " (offline mode)");
  }
  fs::path blobs = repo_dir / "blobs";
  auto link_blob = [&](const std::string& etag) -> Result<fs::path> {
    WINNOW_RETURN_IF_ERROR(ReplaceSymlink(SnapshotLinkTarget(file.path, etag), pointer));
    return pointer;
  };
  if (SafeEtag(file.etag())) {
    fs::path blob = blobs / file.etag();
    if (fs::is_regular_file(blob, ec) && FileSizeOr(blob, ~uint64_t{0}) == file.size) {
      ++stats->cache_hits;
      return link_blob(file.etag());
    }
  }

  // Metadata: HEAD the resolve URL without following the CDN redirect.
  std::string resolve_url = opt_.endpoint + "/datasets/" + repo_id + "/resolve/" +
                            UrlEncode(commit) + "/" + QuotePath(file.path);
  std::string url = resolve_url, download_url;
  HttpResponse meta;
  for (int hop = 0;; ++hop) {
    if (hop >= 5) return Status::IOError(what + ": too many relative redirects");
    HttpRequest q = Request("HEAD", url, true);
    q.follow_redirects = false;
    q.headers.Set("Accept-Encoding", "identity");
    auto r = Send(q);
    if (!r.ok()) return r.status().WithContext("cannot get " + what);
    if (r->status >= 300 && r->status < 400) {
      std::string loc = r->headers.Get("Location");
      if (loc.empty()) return Status::Corruption(what + ": a redirect without Location");
      if (loc.front() == '/') {  // renamed repository: follow on the Hub itself
        url = UrlOrigin(opt_.endpoint) + loc;
        continue;
      }
      download_url = loc;
      meta = std::move(*r);
      break;
    }
    if (!r->ok()) return Error(*r, q, what);
    download_url = url;
    meta = std::move(*r);
    break;
  }
  std::string etag =
      NormalizeEtag(meta.headers.Has("X-Linked-Etag") ? meta.headers.Get("X-Linked-Etag")
                                                      : meta.headers.Get("ETag"));
  if (etag.empty()) etag = file.etag();
  if (!SafeEtag(etag)) {
    return Status::Corruption(what + ": the Hub sent no usable ETag ('" + etag + "')");
  }
  uint64_t size = file.size;
  {
    uint64_t v = 0;
    if (ParseU64(meta.headers.Get("X-Linked-Size"), &v)) {
      size = v;
    } else if (download_url == url && ParseU64(meta.headers.Get("Content-Length"), &v)) {
      size = v;
    }
  }

  fs::create_directories(blobs, ec);
  fs::path blob = blobs / etag;
  FileLock lock(blobs / (etag + ".lock"));
  if (fs::is_regular_file(blob, ec) && FileSizeOr(blob, ~uint64_t{0}) == size) {
    ++stats->cache_hits;
    return link_blob(etag);
  }
  fs::path incomplete = blobs / (etag + ".incomplete");
  uint64_t have = FileSizeOr(incomplete, 0);
  if (have >= size && size > 0) {
    fs::remove(incomplete, ec);
    have = 0;
  }
  // Python drops the Authorization header when the file is served from elsewhere (CDN).
  HttpRequest get = Request("GET", download_url, download_url == resolve_url);
  get.download_path = incomplete;
  get.resume_from = have;
  Result<HttpResponse> r = HttpResponse{.status = 200};
  if (size > 0) {
    r = Send(get);
  } else {  // an empty file: nothing to fetch (its etag is still checked below)
    WINNOW_RETURN_IF_ERROR(WriteFileAtomic(incomplete, ""));
  }
  if (!r.ok()) return r.status().WithContext("cannot download " + what);
  if (r->status == 416) {  // our partial file does not fit the server's: start over once
    fs::remove(incomplete, ec);
    get.resume_from = 0;
    have = 0;
    r = Send(get);
    if (!r.ok()) return r.status().WithContext("cannot download " + what);
  }
  if (!r->ok()) return Error(*r, get, what);
  if (!fs::exists(incomplete, ec)) {  // an empty file: no body byte created it
    WINNOW_RETURN_IF_ERROR(WriteFileAtomic(incomplete, ""));
  }
  uint64_t got = FileSizeOr(incomplete, 0);
  if (got != size) {
    if (got > size) fs::remove(incomplete, ec);
    return Status::Unavailable("the download of " + what + " ended at " + std::to_string(got) +
                               " of " + std::to_string(size) + " bytes; run again to resume");
  }
  if (have > 0) ++stats->resumed;
  stats->bytes_downloaded += got - have;
  if (opt_.verify) {
    std::string actual;
    if (etag.size() == 64) {
      WINNOW_ASSIGN_OR_RETURN(actual, Sha256File(incomplete));
    } else if (etag.size() == 40) {
      WINNOW_ASSIGN_OR_RETURN(std::string bytes, ReadFile(incomplete));
      actual = GitBlobSha1(bytes);
    } else {
      actual = etag;  // an etag of another kind: nothing to check against
    }
    if (actual != etag) {
      fs::remove(incomplete, ec);
      return Status::Corruption("the download of " + what + " does not match its checksum (" +
                                etag + " expected, " + actual + " received); it was removed");
    }
  }
  fs::permissions(incomplete,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                      fs::perms::others_read,
                  ec);
  if (::rename(incomplete.c_str(), blob.c_str()) != 0) {
    return Status::IOError("cannot move " + incomplete.string() + " to " + blob.string() + ": " +
                           std::strerror(errno));
  }
  ++stats->files_downloaded;
  return link_blob(etag);
}

}  // namespace winnow::hf
