#include "winnow/files.h"

#include <cstdio>

#include <glob.h>

#include <algorithm>
#include <set>

#include "winnow/comm.h"
#include "winnow/io.h"
#include "winnow/value.h"

namespace winnow {

namespace fs = std::filesystem;

namespace {

bool HasExtension(const fs::path& p, const std::vector<std::string>& extensions) {
  std::string name = p.filename().string();
  for (const auto& ext : extensions) {
    if (name.size() >= ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0) {
      return true;
    }
  }
  return false;
}

void AddDirectory(const fs::path& dir, const std::vector<std::string>& extensions,
                  std::set<fs::path>* out) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(
           dir, fs::directory_options::follow_directory_symlink, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && HasExtension(it->path(), extensions)) out->insert(it->path());
  }
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view path) {
  if (pattern.empty()) return path.empty();
  if (pattern.substr(0, 2) == "**") {
    std::string_view rest = pattern.substr(2);
    if (!rest.empty() && rest[0] == '/') rest.remove_prefix(1);
    for (size_t i = 0; i <= path.size(); ++i) {
      if ((i == 0 || path[i - 1] == '/') && GlobMatch(rest, path.substr(i))) return true;
    }
    return false;
  }
  if (path.empty()) return pattern == "*";
  char c = pattern[0];
  if (c == '*') {
    for (size_t i = 0; i <= path.size(); ++i) {
      if (GlobMatch(pattern.substr(1), path.substr(i))) return true;
      if (i < path.size() && path[i] == '/') break;
    }
    return false;
  }
  if (c == '?') return path[0] != '/' && GlobMatch(pattern.substr(1), path.substr(1));
  return c == path[0] && GlobMatch(pattern.substr(1), path.substr(1));
}

Result<std::vector<fs::path>> ExpandPaths(const std::vector<std::string>& patterns,
                                          const std::vector<std::string>& extensions) {
  std::set<fs::path> files;
  for (const auto& pattern : patterns) {
    bool is_glob = pattern.find_first_of("*?[") != std::string::npos;
    if (!is_glob) {
      std::error_code ec;
      if (fs::is_directory(pattern, ec)) {
        size_t before = files.size();
        AddDirectory(pattern, extensions, &files);
        if (files.size() == before) {
          std::string exts;
          for (const auto& e : extensions) exts += " " + e;
          return Status::NotFound("directory " + pattern + " holds no files ending in" + exts);
        }
      } else if (fs::exists(pattern, ec)) {
        files.insert(pattern);
      } else {
        return Status::NotFound("input " + pattern + " does not exist");
      }
      continue;
    }
    size_t before = files.size();
    if (pattern.find("**") != std::string::npos) {
      // Walk from the longest literal prefix directory.
      size_t star = pattern.find_first_of("*?[");
      size_t slash = pattern.rfind('/', star);
      fs::path root =
          slash == std::string::npos ? fs::path(".") : fs::path(pattern.substr(0, slash));
      std::string rel_pattern = slash == std::string::npos ? pattern : pattern.substr(slash + 1);
      std::error_code ec;
      for (auto it = fs::recursive_directory_iterator(root, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        std::string rel = fs::relative(it->path(), root, ec).generic_string();
        if (GlobMatch(rel_pattern, rel)) files.insert(it->path());
      }
    } else {
      glob_t g{};
      if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) {
          std::error_code ec;
          fs::path p = g.gl_pathv[i];
          if (fs::is_directory(p, ec))
            AddDirectory(p, extensions, &files);
          else
            files.insert(p);
        }
      }
      globfree(&g);
    }
    if (files.size() == before) return Status::NotFound("no file matches " + pattern);
  }
  return std::vector<fs::path>(files.begin(), files.end());
}

OutputName ExporterOutputName(const fs::path& path, const fs::path& output_dir, int rank,
                              int world) {
  fs::path p = path.is_relative() ? output_dir / path : path;
  std::string name = p.filename().string();
  size_t dot = name.find('.');
  if (dot == 0) dot = std::string::npos;  // ".hidden": no extension
  OutputName out;
  out.stem = (p.parent_path() / name.substr(0, dot)).string();
  out.ext = dot == std::string::npos ? "" : name.substr(dot);
  out.manifest = out.stem + ".manifest.json";
  if (world > 1) {
    char suffix[32];
    std::snprintf(suffix, sizeof(suffix), "-rank%05d", rank);
    out.stem += suffix;
  }
  return out;
}

Status WriteRankManifest(Communicator& comm, int rank, const std::string& manifest_path,
                         const std::vector<std::string>& files, int64_t rows) {
  Value mine = Value::MakeObject();
  Array names;
  for (const auto& f : files) names.emplace_back(f);
  mine.set("files", Value(std::move(names)));
  mine.set("rows", rows);
  std::vector<std::string> all;
  WINNOW_RETURN_IF_ERROR(comm.AllGather(mine.ToJson(), &all));
  if (rank != 0) return Status::Ok();
  Array every;
  int64_t total_rows = 0;
  for (const auto& text : all) {
    auto v = Value::Parse(text);
    if (!v.ok()) return v.status();
    for (const auto& f : v->find("files")->as_array()) every.push_back(f);
    total_rows += v->find("rows")->as_int();
  }
  Value manifest = Value::MakeObject();
  manifest.set("files", Value(std::move(every)));
  manifest.set("rows", total_rows);
  manifest.set("ranks", static_cast<int64_t>(all.size()));
  return WriteFileAtomic(manifest_path, manifest.ToJson() + "\n");
}

}  // namespace winnow
