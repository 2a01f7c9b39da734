// hf_hub_common.h — what source/hf_hub and exporter/hf_hub share: where the
// Hub is (HF_ENDPOINT), who we are (HF_TOKEN or the token file), where the
// cache is (HF_HOME / HF_HUB_CACHE), offline mode, the Hub's error codes, and
// small codecs (SHA-256, base64, percent-encoding of repo paths).
//
// Environment variables follow huggingface_hub's constants.py:
//   HF_ENDPOINT                     default https://huggingface.co
//   HF_HOME                         default $XDG_CACHE_HOME/huggingface or ~/.cache/huggingface
//   HF_HUB_CACHE                    default $HF_HOME/hub (HUGGINGFACE_HUB_CACHE is read too)
//   HF_TOKEN_PATH                   default $HF_HOME/token
//   HF_HUB_OFFLINE                  1/ON/YES/TRUE = never touch the network
// The token itself comes through Context::GetSecret(token_env) first (default
// HF_TOKEN), then from the token file; it never appears in a message.
//
// Everything here is thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/context.h"
#include "winnow/http.h"
#include "winnow/status.h"

namespace winnow::hf {

inline constexpr std::string_view kDefaultEndpoint = "https://huggingface.co";

// `configured` (a config key) wins, then HF_ENDPOINT, then the public Hub.
// Trailing slashes are removed.
std::string ResolveEndpoint(std::string_view configured);

// $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
std::filesystem::path HfHome();

// `configured`, else $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub.
std::filesystem::path HubCacheDir(std::string_view configured);

// True when HF_HUB_OFFLINE is set to 1, ON, YES or TRUE (any case).
bool OfflineFromEnv();

// The token: secret `token_env` (empty = skip), else the token file
// ($HF_TOKEN_PATH or $HF_HOME/token). "" when there is none. `source`
// receives a description for messages ("HF_TOKEN", "the token file ...").
std::string ResolveToken(Context& ctx, std::string_view token_env, std::string* source);

// "datasets--org--name" (huggingface_hub's repo_folder_name for datasets).
std::string RepoFolderName(std::string_view repo_id);

// Checks a repo id ("name" or "org/name", letters, digits, '-', '_', '.';
// no "--" or ".." and no leading/trailing '-' or '.'). Empty = valid,
// else a sentence saying what is wrong.
std::string CheckRepoId(std::string_view repo_id);

// A relative repo path that stays inside a directory: no empty, "." or ".."
// components, not absolute, no backslash or NUL. Empty = safe, else why not.
std::string CheckRepoPath(std::string_view path);

// A revision usable as refs/<revision> in the cache: like CheckRepoPath.
std::string CheckRevision(std::string_view revision);

// True for 40 lowercase hex digits.
bool IsCommitHash(std::string_view s);

// Percent-encodes a repo path for a URL, keeping '/' (Python's quote(path)).
std::string QuotePath(std::string_view path);

// Removes a weak-validator prefix and quotes: W/"abc" -> abc.
std::string NormalizeEtag(std::string_view etag);

// scheme://host[:port] of a URL ("" when it has none).
std::string UrlOrigin(std::string_view url);

// The URL of rel="next" in a Link header, or "".
std::string NextLink(std::string_view link_header);

// Turns a non-2xx Hub answer into a Status with a sentence that uses the
// Hub's X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound,
// GatedRepo) and says what to do. `what` names the object ("dataset org/x",
// "file data/a.jsonl of org/x at main"). `token_source` is "" when no token
// was sent, else where it came from.
Status HubError(const HttpResponse& response, const HttpRequest& request, std::string_view what,
                std::string_view token_source, std::string_view endpoint);

// The Hub's retry rule: network failures, 408, 429 and 5xx (honouring
// x-should-retry); never 409 (a conflict is an answer, not congestion).
bool HubRetryable(const Result<HttpResponse>& outcome);

// Incremental SHA-256 (FIPS 180-4). Uses the SHA extensions when the CPU has them.
class Sha256 {
 public:
  Sha256();
  void Update(std::string_view data);
  // 64 lowercase hex digits; the object must not be updated afterwards.
  std::string FinalHex();

 private:
  void Blocks(const uint8_t* data, size_t n_blocks);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string Sha256Hex(std::string_view data);
// SHA-256 of a file's bytes, read in large chunks.
Result<std::string> Sha256File(const std::filesystem::path& path);

// Git's blob id: sha1("blob <size>\0" + data), 40 hex digits.
std::string GitBlobSha1(std::string_view data);

// Standard base64 with padding.
std::string Base64Encode(std::string_view data);
// Decodes standard base64 (padding optional); false on bad input.
bool Base64Decode(std::string_view in, std::string* out);

}  // namespace winnow::hf
