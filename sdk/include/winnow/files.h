// winnow/files.h — turning `paths:` (files, globs, directories) into a file list.
//
// Every file-reading plugin uses these so that `paths:` means the same thing
// everywhere: plain files, directories (recursive, filtered by extension) and
// globs with *, ?, [..] and ** (any number of directories). The result is
// sorted and de-duplicated, so row order does not depend on the file system.
#pragma once

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

}  // namespace winnow
