// csv_parser.h — an incremental RFC 4180 record splitter.
//
// CsvSplitter finds one record at a time in a byte buffer that the caller
// fills chunk by chunk. A record ends at LF, CRLF or a lone CR outside quotes;
// quoted fields may hold delimiters, line breaks and doubled quotes ("" -> ").
// When the buffer ends inside a record and more input may follow, Next()
// returns kNeedMore and consumes nothing: the caller appends the next chunk
// and calls Next() again at the same position (the record is re-scanned).
//
// Leniency follows Python's csv module (what datatrove users get): a quote
// inside an unquoted field is a literal character, and text after a closing
// quote is appended to the field. Such records are flagged (`bad_quote`) so a
// strict caller can reject them. The splitter never allocates per field: field
// bytes are copied once into a reused scratch string.
//
// Not thread-safe; one splitter per stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace winnow::csv {

struct CsvDialect {
  char delimiter = ',';
  bool quoting = true;  // false: the quote character is an ordinary byte
  char quote = '"';
  size_t max_record_bytes = size_t{64} << 20;
};

// One split record. Field i's bytes are scratch[bounds[i].first, bounds[i].second).
struct CsvRecord {
  std::string scratch;
  std::vector<std::pair<uint32_t, uint32_t>> bounds;
  std::vector<uint8_t> quoted;        // per field: was it quoted
  bool bad_quote = false;             // a stray quote or text after a closing quote
  uint64_t line = 0;                  // 1-based physical line where the record starts
  size_t raw_begin = 0, raw_end = 0;  // the record's bytes in the buffer (incl. terminator)

  size_t size() const { return bounds.size(); }
  std::string_view field(size_t i) const {
    return std::string_view(scratch).substr(bounds[i].first, bounds[i].second - bounds[i].first);
  }
};

enum class CsvStep {
  kRecord,        // `record` holds the next record; the position moved past it
  kBlank,         // an empty line was skipped (the position moved past it)
  kNeedMore,      // append more input (or call again with eof = true)
  kEnd,           // no more records (eof and nothing left)
  kUnterminated,  // eof inside a quoted field; see error_line()
  kTooLarge,      // the record exceeds max_record_bytes; see error_line()
};

class CsvSplitter {
 public:
  explicit CsvSplitter(CsvDialect dialect) : d_(dialect) {}

  // Splits the record at buf[pos...]. `eof` says no input follows `buf`.
  // With `materialize` false only the record's end is found (fields are not
  // copied): used to skip other ranks' parts of a file quickly.
  CsvStep Next(std::string_view buf, size_t& pos, bool eof, bool materialize, CsvRecord& record);

  // The physical line (1-based) the next record starts on.
  uint64_t line() const { return line_; }
  void set_line(uint64_t line) { line_ = line; }
  // For kUnterminated / kTooLarge: the line where the offending quote opened
  // or the record started.
  uint64_t error_line() const { return error_line_; }

 private:
  CsvDialect d_;
  uint64_t line_ = 1;
  uint64_t error_line_ = 0;
};

// Appends `s` (valid UTF-8) as an inferred JSON scalar: null for "", true/false
// (any case), integers without leading zeros that fit int64, decimals (including
// exponents; too-large integers become doubles); anything else as a JSON string.
// "007" and "1e" stay strings; "nan"/"inf" stay strings.
void AppendInferred(std::string& out, std::string_view s);

// Counts line breaks (LF, CRLF, lone CR) in `s`. A CR as the very last byte
// counts as a line break.
uint64_t CountLineBreaks(std::string_view s);

}  // namespace winnow::csv
