// hf_hub_read.h — turning one downloaded data file into records.
//
// json   JSON Lines (one object per line; a .json file whose first byte is
//        '[' is one array of objects instead); plain, .gz or .zst. Records keep
//        the file's bytes (lazy parsing, byte-for-byte pass-through).
// csv    RFC 4180 with a header row (.tsv: tab-separated); values typed like
//        the csv source (integers, decimals, booleans, "" -> null, else strings).
// text   one {"text": line} per line (datasets' text builder).
// parquet  through plugins/sources/parquet's RowReader when this build has it.
//
// Row ids: ordinal = (file_index << 40) | row number (1-based), so they do not
// depend on sharding. Location: "<origin>:<row>". Problems inside a row
// (malformed JSON, a CSV row with the wrong number of fields) become rejects;
// an unreadable file is a non-OK Status naming it.
//
// Not thread-safe; one reader per file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "winnow/batch.h"
#include "winnow/status.h"

namespace winnow::hf {

struct RowFileSpec {
  std::filesystem::path path;  // local file (a snapshot symlink is fine)
  std::string origin;          // for locations: "hf://datasets/org/x@abc123/data/train.jsonl"
  std::string format;          // json | csv | text | parquet
  uint64_t file_index = 0;
  uint32_t source_id = 0;
};

class RowFileReader {
 public:
  virtual ~RowFileReader() = default;
  // Appends up to `max_rows` rows (and rejects) to `batch`. False at the end.
  virtual Result<bool> Next(Batch& batch, size_t max_rows) = 0;
  // Bytes of the file consumed so far (compressed bytes for .gz/.zst).
  virtual uint64_t bytes_read() const = 0;
};

Result<std::unique_ptr<RowFileReader>> OpenRowFile(const RowFileSpec& spec);

// True when this build can read parquet files.
bool ParquetSupported();

}  // namespace winnow::hf
