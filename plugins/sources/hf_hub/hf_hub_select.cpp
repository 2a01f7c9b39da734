// hf_hub_select.cpp — see hf_hub_select.h.
#include "hf_hub_select.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <map>
#include <regex>
#include <set>

namespace winnow::hf {
namespace {

std::vector<std::string_view> SplitPath(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = s.find('/', start);
    std::string_view part =
        s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

// fnmatch of one component: *, ?, [seq], [!seq] (ranges a-z).
bool MatchComponent(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0, star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      while (pi < p.size() && p[pi] == '*') ++pi;
      star_p = pi;
      star_s = si;
      continue;
    }
    bool matched = false;
    size_t next_pi = pi;
    if (pi < p.size()) {
      if (p[pi] == '?') {
        matched = true;
        next_pi = pi + 1;
      } else if (p[pi] == '[') {
        size_t j = pi + 1;
        bool negate = false;
        if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
          negate = true;
          ++j;
        }
        size_t set_start = j;
        if (j < p.size() && p[j] == ']') ++j;  // a leading ']' is literal
        while (j < p.size() && p[j] != ']') ++j;
        if (j >= p.size()) {  // no closing bracket: a literal '['
          matched = s[si] == '[';
          next_pi = pi + 1;
        } else {
          bool in = false;
          char c = s[si];
          for (size_t k = set_start; k < j; ++k) {
            if (k + 2 < j && p[k + 1] == '-') {
              if (c >= p[k] && c <= p[k + 2]) in = true;
              k += 2;
            } else if (p[k] == c) {
              in = true;
            }
          }
          matched = in != negate;
          next_pi = j + 1;
        }
      } else {
        matched = p[pi] == s[si];
        next_pi = pi + 1;
      }
    }
    if (matched) {
      pi = next_pi;
      ++si;
    } else if (star_p != std::string_view::npos) {
      pi = star_p;
      si = ++star_s;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool MatchParts(const std::vector<std::string_view>& p, size_t i,
                const std::vector<std::string_view>& s, size_t j) {
  if (i == p.size()) return j == s.size();
  if (p[i] == "**") {
    for (size_t k = j; k <= s.size(); ++k) {
      if (MatchParts(p, i + 1, s, k)) return true;
    }
    return false;
  }
  if (j == s.size()) return false;
  return MatchComponent(p[i], s[j]) && MatchParts(p, i + 1, s, j + 1);
}

const std::array<const char*, 6> kFilesToIgnore = {"README.md",         "config.json",
                                                   "dataset_info.json", "dataset_infos.json",
                                                   "dummy_data.zip",    "dataset_dict.json"};

std::string_view Basename(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

size_t CountHidden(const std::vector<std::string_view>& parts) {
  size_t n = 0;
  for (auto part : parts) {
    if (!part.empty() && part[0] == '.' && part.find_first_not_of('.') != std::string_view::npos) {
      ++n;
    }
  }
  return n;
}

size_t CountSpecialDirs(const std::vector<std::string_view>& parts) {
  size_t n = 0;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i].substr(0, 2) == "__") ++n;
  }
  return n;
}

std::string JoinBase(std::string_view base, std::string_view pattern) {
  std::string b(base);
  while (!b.empty() && b.back() == '/') b.pop_back();
  std::string p(pattern);
  while (p.substr(0, 2) == "./") p = p.substr(2);
  if (b.empty()) return p;
  return b + "/" + p;
}

const std::vector<std::pair<std::string, std::vector<std::string>>>& SplitKeywords() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> k = {
      {"train", {"train", "training"}},
      {"validation", {"validation", "valid", "dev", "val"}},
      {"test", {"test", "testing", "eval", "evaluation"}},
  };
  return k;
}

using SplitPatterns = std::vector<std::pair<std::string, std::vector<std::string>>>;

std::vector<SplitPatterns> DefaultPatternSets() {
  const std::string sep = "-._ 0-9";
  std::vector<std::string> dir_bases = {"**/{k}/**", "**/{k}[{s}]*/**", "**/*[{s}]{k}/**",
                                        "**/*[{s}]{k}[{s}]*/**"};
  std::vector<std::string> name_bases = {"**/{k}[{s}]*", "**/*[{s}]{k}[{s}]*"};
  auto build = [&](const std::vector<std::string>& bases) {
    SplitPatterns out;
    for (const auto& [split, keywords] : SplitKeywords()) {
      std::vector<std::string> pats;
      for (const auto& kw : keywords) {
        for (std::string b : bases) {
          for (size_t at; (at = b.find("{k}")) != std::string::npos;) b.replace(at, 3, kw);
          for (size_t at; (at = b.find("{s}")) != std::string::npos;) b.replace(at, 3, sep);
          pats.push_back(b);
        }
      }
      out.emplace_back(split, std::move(pats));
    }
    return out;
  };
  return {build(dir_bases), build(name_bases), SplitPatterns{{"train", {"**"}}}};
}

int SplitRank(const std::string& s) {
  if (s == "train") return 0;
  if (s == "validation") return 1;
  if (s == "test") return 2;
  return 3;
}

std::vector<std::string> YamlStrings(const YAML::Node& n, const std::string& where) {
  std::vector<std::string> out;
  if (n.IsScalar()) {
    out.push_back(n.as<std::string>());
  } else if (n.IsSequence()) {
    for (const auto& e : n) {
      if (!e.IsScalar()) throw std::runtime_error(where + " must hold strings");
      out.push_back(e.as<std::string>());
    }
  } else {
    throw std::runtime_error(where + " must be a string or a list of strings");
  }
  return out;
}

}  // namespace

bool HubGlob(std::string_view pattern, std::string_view path) {
  return MatchParts(SplitPath(pattern), 0, SplitPath(path), 0);
}

std::string FormatOfPath(std::string_view path) {
  std::string_view name = Basename(path);
  size_t dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0) {
    // Hidden files: look at the suffixes after the leading dot.
    if (dot == 0) dot = name.find('.', 1);
    if (dot == std::string_view::npos) return {};
  }
  std::string_view rest = name.substr(dot + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t next = rest.find('.', start);
    std::string_view suffix =
        rest.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start);
    std::string s(suffix);
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s == "jsonl" || s == "json" || s == "ndjson") return "json";
    if (s == "csv" || s == "tsv") return "csv";
    if (s == "parquet") return "parquet";
    if (s == "txt") return "text";
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  return {};
}

Result<std::vector<CardConfig>> ParseCardConfigs(std::string_view readme) {
  std::vector<CardConfig> out;
  std::string_view t = readme;
  if (t.substr(0, 3) == "\xEF\xBB\xBF") t.remove_prefix(3);
  if (t.substr(0, 3) != "---") return out;
  size_t first_nl = t.find('\n');
  if (first_nl == std::string_view::npos) return out;
  // The closing line is "---" alone.
  size_t pos = first_nl + 1, end = std::string_view::npos;
  while (pos < t.size()) {
    size_t nl = t.find('\n', pos);
    std::string_view line =
        t.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line == "---") {
      end = pos;
      break;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  if (end == std::string_view::npos) return out;
  std::string yaml(t.substr(first_nl + 1, end - first_nl - 1));
  try {
    YAML::Node root = YAML::Load(yaml);
    if (!root.IsMap() || !root["configs"]) return out;
    YAML::Node configs = root["configs"];
    if (!configs.IsSequence()) throw std::runtime_error("`configs` must be a list");
    for (size_t i = 0; i < configs.size(); ++i) {
      const YAML::Node& c = configs[i];
      std::string where = "configs[" + std::to_string(i) + "]";
      // Cards written before datasets 2.14 list config names only (`configs: [a, b]`):
      // they say nothing about files, so they are skipped.
      if (c.IsScalar()) continue;
      if (!c.IsMap()) throw std::runtime_error(where + " must be a mapping");
      CardConfig cc;
      if (c["config_name"]) cc.name = c["config_name"].as<std::string>();
      if (c["default"]) cc.is_default = c["default"].as<bool>();
      if (c["data_dir"]) cc.data_dir = c["data_dir"].as<std::string>();
      if (YAML::Node df = c["data_files"]) {
        if (df.IsScalar()) {
          cc.data_files.emplace_back("train", YamlStrings(df, where + ".data_files"));
        } else if (df.IsSequence()) {
          bool dicts = df.size() > 0 && df[0].IsMap();
          if (!dicts) {
            cc.data_files.emplace_back("train", YamlStrings(df, where + ".data_files"));
          } else {
            std::set<std::string> seen;
            for (size_t k = 0; k < df.size(); ++k) {
              const YAML::Node& e = df[k];
              std::string w = where + ".data_files[" + std::to_string(k) + "]";
              if (!e.IsMap() || !e["split"] || !e["path"]) {
                throw std::runtime_error(w + " must be {split: NAME, path: PATTERN(S)}");
              }
              std::string split = e["split"].as<std::string>();
              if (!seen.insert(split).second) {
                throw std::runtime_error("split '" + split + "' appears twice in " + where);
              }
              cc.data_files.emplace_back(split, YamlStrings(e["path"], w + ".path"));
            }
          }
        } else if (df.IsMap()) {
          for (const auto& kv : df) {
            cc.data_files.emplace_back(kv.first.as<std::string>(),
                                       YamlStrings(kv.second, where + ".data_files"));
          }
        }
      }
      out.push_back(std::move(cc));
    }
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("the dataset card's YAML front matter is invalid: ") +
                              e.what());
  }
  return out;
}

std::vector<std::string> ResolvePatterns(const std::vector<std::string>& patterns,
                                         const std::vector<std::string>& files,
                                         std::string_view base_dir) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& raw : patterns) {
    std::string pattern = JoinBase(base_dir, raw);
    auto pparts = SplitPath(pattern);
    std::string_view pbase = pparts.empty() ? std::string_view() : pparts.back();
    for (const auto& f : files) {
      auto fparts = SplitPath(f);
      if (!MatchParts(pparts, 0, fparts, 0)) continue;
      std::string_view base = Basename(f);
      bool ignored = false;
      for (const char* ig : kFilesToIgnore) {
        if (base == ig && pbase != ig) ignored = true;
      }
      if (ignored) continue;
      if (CountHidden(fparts) != CountHidden(pparts)) continue;
      if (CountSpecialDirs(fparts) != CountSpecialDirs(pparts)) continue;
      if (FormatOfPath(f).empty()) continue;
      if (seen.insert(f).second) out.push_back(f);
    }
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::vector<std::string>>>> InferSplitPatterns(
    const std::vector<std::string>& files, std::string_view base_dir) {
  SplitPatterns result;
  // 1. data/{split}-NNNNN-of-NNNNN*.* (push_to_hub's layout).
  const std::string shard = "data/*-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*";
  auto sharded = ResolvePatterns({shard}, files, base_dir);
  if (!sharded.empty()) {
    static const std::regex re(R"(^(.+)-[0-9]{5}-of-[0-9]{5}.*\..*$)");
    static const std::regex split_re(R"(^\w+(\.\w+)*$)");
    std::set<std::string> splits;
    for (const auto& f : sharded) {
      std::string base(Basename(f));
      std::smatch m;
      if (std::regex_match(base, m, re)) splits.insert(m[1].str());
    }
    std::vector<std::string> ordered(splits.begin(), splits.end());
    for (const auto& s : ordered) {
      if (!std::regex_match(s, split_re)) {
        return Status::Corruption("split name '" + s + "' (from data/" + s +
                                  "-NNNNN-of-NNNNN files) is not a valid split name");
      }
    }
    std::stable_sort(
        ordered.begin(), ordered.end(),
        [](const std::string& a, const std::string& b) { return SplitRank(a) < SplitRank(b); });
    for (const auto& s : ordered) {
      result.emplace_back(
          s, std::vector<std::string>{
                 "data/" + s + "-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*"});
    }
    return result;
  }
  // 2.-4. keyword directories, keyword file names, everything.
  for (const auto& set : DefaultPatternSets()) {
    SplitPatterns found;
    for (const auto& [split, pats] : set) {
      for (const auto& p : pats) {
        if (!ResolvePatterns({p}, files, base_dir).empty()) {
          found.emplace_back(split, pats);
          break;
        }
      }
    }
    if (!found.empty()) return found;
  }
  return result;
}

namespace {

// Keeps only the most common format's files (datasets' module inference).
Status FinishSelection(DataSelection* sel) {
  std::map<std::string, size_t> counts;
  std::vector<std::string> order;
  for (const auto& s : sel->splits) {
    for (const auto& f : s.files) {
      std::string fmt = FormatOfPath(f);
      if (fmt.empty()) continue;
      if (counts[fmt]++ == 0) order.push_back(fmt);
    }
  }
  if (order.empty()) return Status::NotFound("no data file of a supported format was found");
  std::string best = order[0];
  for (const auto& f : order) {
    if (counts[f] > counts[best]) best = f;
  }
  sel->format = best;
  for (auto& s : sel->splits) {
    std::erase_if(s.files, [&](const std::string& f) { return FormatOfPath(f) != best; });
  }
  std::erase_if(sel->splits, [](const SplitFiles& s) { return s.files.empty(); });
  return Status::Ok();
}

}  // namespace

void SortSplits(std::vector<SplitFiles>* splits) {
  std::stable_sort(splits->begin(), splits->end(), [](const SplitFiles& a, const SplitFiles& b) {
    int ra = SplitRank(a.split), rb = SplitRank(b.split);
    if (ra != rb) return ra < rb;
    return ra == 3 && a.split < b.split;
  });
}

Result<DataSelection> SelectDataFiles(const std::vector<std::string>& files,
                                      const std::string* readme, const SelectRequest& req) {
  DataSelection sel;
  sel.config = req.config.empty() ? "default" : req.config;
  if (!req.data_files.empty()) {
    sel.origin = "the data_files patterns of the step";
    SplitFiles s;
    s.split = req.split_for_data_files;
    s.files = ResolvePatterns(req.data_files, files, req.data_dir);
    if (s.files.empty()) {
      return Status::NotFound("no file of the repository matches data_files");
    }
    sel.splits.push_back(std::move(s));
    WINNOW_RETURN_IF_ERROR(FinishSelection(&sel));
    return sel;
  }
  std::vector<CardConfig> configs;
  if (readme) {
    WINNOW_ASSIGN_OR_RETURN(configs, ParseCardConfigs(*readme));
  }
  if (!configs.empty()) {
    const CardConfig* chosen = nullptr;
    std::string names;
    for (const auto& c : configs) names += (names.empty() ? "" : ", ") + c.name;
    if (!req.config.empty()) {
      for (const auto& c : configs) {
        if (c.name == req.config) chosen = &c;
      }
      if (!chosen) {
        return Status::InvalidArgument("config '" + req.config +
                                       "' is not in the dataset card; available configs: " + names);
      }
    } else {
      for (const auto& c : configs) {
        if (c.is_default && !chosen) chosen = &c;
      }
      if (!chosen && configs.size() == 1) chosen = &configs[0];
      if (!chosen) {
        for (const auto& c : configs) {
          if (c.name == "default") chosen = &c;
        }
      }
      if (!chosen) {
        return Status::InvalidArgument(
            "the dataset has several configs and none is the default; "
            "set `config` to one of: " +
            names);
      }
    }
    sel.config = chosen->name;
    sel.origin = "config '" + chosen->name + "' of the dataset card";
    std::string base = !req.data_dir.empty() ? req.data_dir : chosen->data_dir;
    SplitPatterns patterns = chosen->data_files;
    if (patterns.empty()) {
      WINNOW_ASSIGN_OR_RETURN(patterns, InferSplitPatterns(files, base));
    }
    for (const auto& [split, pats] : patterns) {
      SplitFiles s;
      s.split = split;
      s.files = ResolvePatterns(pats, files, base);
      sel.splits.push_back(std::move(s));
    }
    WINNOW_RETURN_IF_ERROR(FinishSelection(&sel));
    return sel;
  }
  if (!req.config.empty() && req.config != "default") {
    return Status::InvalidArgument("config '" + req.config +
                                   "' was requested but the dataset card declares no configs");
  }
  sel.origin = "the datasets library's default file patterns";
  WINNOW_ASSIGN_OR_RETURN(SplitPatterns patterns, InferSplitPatterns(files, req.data_dir));
  for (const auto& [split, pats] : patterns) {
    SplitFiles s;
    s.split = split;
    s.files = ResolvePatterns(pats, files, req.data_dir);
    sel.splits.push_back(std::move(s));
  }
  WINNOW_RETURN_IF_ERROR(FinishSelection(&sel));
  return sel;
}

Result<DataSelection> SelectParquetConversion(const std::vector<std::string>& files,
                                              const std::string& config) {
  std::map<std::string, std::map<std::string, std::vector<std::string>>> by_config;
  static const std::regex old_re(R"(^.+-([A-Za-z0-9_.]+?)(-[0-9]{5}-of-[0-9]{5})?\.parquet$)");
  for (const auto& f : files) {
    if (FormatOfPath(f) != "parquet") continue;
    auto parts = SplitPath(f);
    std::string split;
    if (parts.size() == 3) {
      split = std::string(parts[1]);
      if (split.substr(0, 8) == "partial-") split = split.substr(8);
    } else if (parts.size() == 2) {
      std::smatch m;
      std::string base(parts[1]);
      if (!std::regex_match(base, m, old_re)) continue;
      split = m[1].str();
    } else {
      continue;
    }
    by_config[std::string(parts[0])][split].push_back(f);
  }
  if (by_config.empty()) {
    return Status::NotFound("the refs/convert/parquet branch holds no parquet files");
  }
  std::string name = config;
  if (name.empty()) name = by_config.count("default") ? "default" : by_config.begin()->first;
  auto it = by_config.find(name);
  if (it == by_config.end()) {
    std::string names;
    for (const auto& [n, _] : by_config) names += (names.empty() ? "" : ", ") + n;
    return Status::NotFound("config '" + name +
                            "' is not in the refs/convert/parquet branch; available: " + names);
  }
  DataSelection sel;
  sel.config = name;
  sel.format = "parquet";
  sel.origin = "the Hub's parquet conversion (refs/convert/parquet)";
  for (auto& [split, fs] : it->second) {
    std::sort(fs.begin(), fs.end());
    sel.splits.push_back({split, fs});
  }
  SortSplits(&sel.splits);
  return sel;
}

}  // namespace winnow::hf
