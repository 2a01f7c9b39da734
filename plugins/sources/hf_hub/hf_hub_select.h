// hf_hub_select.h — which files of a dataset repository make which split,
// following the `datasets` library's conventions (datasets/data_files.py):
//
//  1. `data_files` given in the step config: those patterns (relative to
//     `data_dir`) form the requested split.
//  2. The dataset card (README.md) has YAML front matter with `configs:`:
//     the requested config (`config_name`), else the one marked
//     `default: true`, else the only one; its `data_files` (a pattern, a
//     list of patterns, or a list of {split, path}) and `data_dir`.
//  3. Otherwise the default patterns, first match wins:
//       data/{split}-[0-9]{5}-of-[0-9]{5}*.*      (what push_to_hub writes)
//       split keyword as a directory name        train/ training/ validation/ valid/ dev/
//                                                 val/ test/ testing/ eval/ evaluation/
//                                                 (also with -._ 0-9 around them, at any depth)
//       split keyword in the file name           **/train[-._ 0-9]*, **/*[-._ 0-9]test[-._ 0-9]*
//       everything                               -> train
//  Hidden files/directories and `__*` directories are skipped unless the
//  pattern names them; README.md, dataset_info(s).json, config.json,
//  dataset_dict.json and dummy_data.zip are never data. The format is the
//  most common one among the matched files (json/jsonl, csv/tsv, parquet,
//  txt; .gz/.zst compressed forms count), and files of other formats are
//  dropped, as datasets does.
//  4. The `refs/convert/parquet` branch: {config}/{split}/NNNN.parquet,
//     {config}/partial-{split}/NNNN.parquet and the older
//     {config}/{name}-{split}[-NNNNN-of-NNNNN].parquet layouts.
//
// Glob syntax is Python's fnmatch per path component (*, ?, [seq], [!seq])
// plus `**` as a whole component for any number of directories (zero included).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "winnow/status.h"

namespace winnow::hf {

struct SplitFiles {
  std::string split;
  std::vector<std::string> files;  // repo paths, in reading order
};

struct DataSelection {
  std::string config;  // config name ("default" when the repo has none)
  std::vector<SplitFiles> splits;
  std::string format;  // json | csv | parquet | text
  std::string origin;  // how the files were chosen, for logs
};

// One `configs:` entry of a dataset card.
struct CardConfig {
  std::string name = "default";
  bool is_default = false;
  std::string data_dir;
  std::vector<std::pair<std::string, std::vector<std::string>>> data_files;  // split -> patterns
};

bool HubGlob(std::string_view pattern, std::string_view path);

// The module that reads `path` ("json", "csv", "parquet", "text") judged by
// every dot-separated suffix of the file name (so .jsonl.gz is json), or "".
std::string FormatOfPath(std::string_view path);

// The `configs:` of a README's YAML front matter (empty when there is none).
// Corruption for front matter that is not valid YAML or a malformed entry.
Result<std::vector<CardConfig>> ParseCardConfigs(std::string_view readme);

// The repo paths among `files` matched by any of `patterns` (relative to
// `base_dir`), with datasets' ignore rules, in pattern order then path order,
// without duplicates. Only files with a known format are returned.
std::vector<std::string> ResolvePatterns(const std::vector<std::string>& patterns,
                                         const std::vector<std::string>& files,
                                         std::string_view base_dir);

// Default split patterns (rule 3) for `files` under `base_dir`; empty when no
// file has a known format.
Result<std::vector<std::pair<std::string, std::vector<std::string>>>> InferSplitPatterns(
    const std::vector<std::string>& files, std::string_view base_dir);

struct SelectRequest {
  std::string config;                   // "" = the default one
  std::string data_dir;                 // "" = repo root (or the card's data_dir)
  std::vector<std::string> data_files;  // explicit patterns (rule 1)
  std::string split_for_data_files = "train";
};

// Rules 1-3 over a listing. `readme` is the card's text, or nullptr.
// NotFound when no data file is found (the caller may try the parquet branch).
Result<DataSelection> SelectDataFiles(const std::vector<std::string>& files,
                                      const std::string* readme, const SelectRequest& request);

// Rule 4 over a listing of the refs/convert/parquet branch.
Result<DataSelection> SelectParquetConversion(const std::vector<std::string>& files,
                                              const std::string& config);

// Orders split names as datasets does: train, validation, test, then the rest sorted.
void SortSplits(std::vector<SplitFiles>* splits);

}  // namespace winnow::hf
