// winnow/files.h — turning `paths:` (files, globs, directories) into a file list.
//
// Every file-reading plugin uses these so that `paths:` means the same thing
// everywhere: plain files, directories (recursive, filtered by extension) and
// globs with *, ?, [..] and ** (any number of directories). The result is
// sorted and de-duplicated, so row order does not depend on the file system.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/status.h"

namespace winnow {

// A pattern that matches nothing and a missing plain path are NotFound errors
// naming the pattern; a directory with no matching file is one too.
Result<std::vector<std::filesystem::path>> ExpandPaths(const std::vector<std::string>& patterns,
                                                       const std::vector<std::string>& extensions);

// Glob match of a '/'-separated relative path: * and ? stay within one path
// component, ** spans components ("**/*.md" matches "a.md" and "x/y/a.md").
bool GlobMatch(std::string_view pattern, std::string_view path);

// Where an exporter writes: `path` (relative to `output_dir` unless absolute)
// split at the first dot of its file name ("out/train.jsonl.gz" -> stem
// "out/train", ext ".jsonl.gz"), with "-rank00001" appended to the stem when
// world > 1 so that every MPI rank writes files of its own.
// `manifest` is where rank 0 lists every rank's files under MPI: the stem
// without the rank suffix plus ".manifest.json".
struct OutputName {
  std::string stem, ext, manifest;
  std::string path() const { return stem + ext; }
};
OutputName ExporterOutputName(const std::filesystem::path& path,
                              const std::filesystem::path& output_dir, int rank, int world);

class Communicator;

// Collective (every rank calls it): gathers each rank's output `files` and row
// count; rank 0 writes `manifest_path` atomically as
// {"files": [...every rank's, in rank order], "rows": N, "ranks": R}.
Status WriteRankManifest(Communicator& comm, int rank, const std::string& manifest_path,
                         const std::vector<std::string>& files, int64_t rows);

}  // namespace winnow
