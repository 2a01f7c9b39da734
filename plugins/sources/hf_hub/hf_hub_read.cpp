// hf_hub_read.cpp — see hf_hub_read.h.
#include "hf_hub_read.h"

#include <simdjson.h>

#include <cstring>

#include "csv_parser.h"
#include "winnow/io.h"
#include "winnow/text.h"
#include "winnow/value.h"

#ifdef WINNOW_HF_HUB_PARQUET
#include "parquet_file.h"
#endif

namespace winnow::hf {
namespace {

constexpr size_t kChunkBytes = 4 << 20;

RowId MakeId(const RowFileSpec& spec, uint64_t row) {
  return RowId{spec.source_id, (spec.file_index << 40) | row};
}

// ---------------------------------------------------------------- JSON Lines / JSON arrays

class JsonReader final : public RowFileReader {
 public:
  JsonReader(RowFileSpec spec, std::unique_ptr<InputStream> in)
      : spec_(std::move(spec)), in_(std::move(in)) {}

  Result<bool> Next(Batch& batch, size_t max_rows) override {
    size_t added = 0;
    while (added < max_rows) {
      if (array_pos_ < array_items_.size()) {
        for (; array_pos_ < array_items_.size() && added < max_rows; ++array_pos_, ++added) {
          uint64_t n = array_pos_ + 1;
          batch.rows.emplace_back(MakeId(spec_, n), chunk_, array_items_[array_pos_], n);
        }
        continue;
      }
      if (chunk_ && pos_ < end_) {
        const std::string& b = chunk_->bytes;
        while (pos_ < end_ && added < max_rows) {
          const char* start = b.data() + pos_;
          const char* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - pos_));
          size_t len = static_cast<size_t>(nl - start);
          pos_ += len + 1;
          ++line_;
          std::string_view line(start, len);
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
          if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
          batch.rows.emplace_back(MakeId(spec_, line_), chunk_, line, line_);
          ++added;
        }
        continue;
      }
      if (eof_) return false;
      WINNOW_RETURN_IF_ERROR(Fill());
    }
    return true;
  }

  uint64_t bytes_read() const override { return in_ ? in_->bytes_consumed() : done_bytes_; }

 private:
  Status Fill() {
    auto arena = std::make_shared<Arena>();
    arena->origin = spec_.origin;
    arena->bytes.reserve(kChunkBytes + carry_.size() + Arena::kPadding);
    arena->bytes.assign(carry_);
    carry_.clear();
    auto got = in_->Read(arena->bytes, kChunkBytes);
    if (!got.ok()) return got.status().WithContext("cannot read " + spec_.origin);
    std::string& b = arena->bytes;
    if (first_chunk_) {
      first_chunk_ = false;
      size_t first = b.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
      if (first != std::string::npos && b[first] == '[') return ReadArray(std::move(arena));
    }
    if (*got == 0) {
      eof_ = true;
      done_bytes_ = in_->bytes_consumed();
      if (b.empty()) return Status::Ok();
      if (b.back() != '\n') b.push_back('\n');
    } else {
      size_t last_nl = b.rfind('\n');
      if (last_nl == std::string::npos) {  // one long line so far
        carry_.swap(b);
        return Status::Ok();
      }
      carry_.assign(b, last_nl + 1, std::string::npos);
      b.resize(last_nl + 1);
    }
    end_ = b.size();
    b.append(Arena::kPadding, ' ');
    chunk_ = std::move(arena);
    pos_ = 0;
    return Status::Ok();
  }

  Status ReadArray(std::shared_ptr<Arena> arena) {
    while (true) {
      auto got = in_->Read(arena->bytes, kChunkBytes);
      if (!got.ok()) return got.status().WithContext("cannot read " + spec_.origin);
      if (*got == 0) break;
    }
    eof_ = true;
    done_bytes_ = in_->bytes_consumed();
    size_t len = arena->bytes.size();
    arena->bytes.append(Arena::kPadding, ' ');
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    simdjson::ondemand::array arr;
    auto fail = [&](simdjson::error_code e) {
      return Status::Corruption(spec_.origin +
                                " is not a JSON array of objects: " + simdjson::error_message(e));
    };
    if (auto e = parser.iterate(arena->bytes.data(), len, arena->bytes.size()).get(doc)) {
      return fail(e);
    }
    if (auto e = doc.get_array().get(arr)) return fail(e);
    for (auto element : arr) {
      simdjson::ondemand::value v;
      if (auto e = element.get(v)) return fail(e);
      simdjson::ondemand::object o;
      if (auto e = v.get_object().get(o)) return fail(e);
      std::string_view raw;
      if (auto e = o.raw_json().get(raw)) return fail(e);
      array_items_.push_back(raw);
    }
    chunk_ = std::move(arena);
    pos_ = end_ = 0;
    return Status::Ok();
  }

  RowFileSpec spec_;
  std::unique_ptr<InputStream> in_;
  std::shared_ptr<Arena> chunk_;
  size_t pos_ = 0, end_ = 0;
  std::string carry_;
  uint64_t line_ = 0;
  bool eof_ = false, first_chunk_ = true;
  uint64_t done_bytes_ = 0;
  std::vector<std::string_view> array_items_;
  size_t array_pos_ = 0;
};

// ---------------------------------------------------------------- text

class TextReader final : public RowFileReader {
 public:
  TextReader(RowFileSpec spec, std::unique_ptr<InputStream> in)
      : spec_(std::move(spec)), in_(std::move(in)) {}

  Result<bool> Next(Batch& batch, size_t max_rows) override {
    auto arena = std::make_shared<Arena>();
    arena->origin = spec_.origin;
    std::vector<std::pair<size_t, size_t>> spans;
    std::vector<uint64_t> lines;
    bool more = true;
    while (spans.size() < max_rows) {
      size_t nl = buf_.find('\n', pos_);
      if (nl == std::string::npos) {
        if (eof_) {
          if (pos_ < buf_.size())
            nl = buf_.size();
          else {
            more = false;
            break;
          }
        } else {
          buf_.erase(0, pos_);
          pos_ = 0;
          auto got = in_->Read(buf_, kChunkBytes);
          if (!got.ok()) return got.status().WithContext("cannot read " + spec_.origin);
          if (*got == 0) eof_ = true;
          continue;
        }
      }
      std::string_view line(buf_.data() + pos_, nl - pos_);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      pos_ = std::min(nl + 1, buf_.size());
      ++line_;
      size_t begin = arena->bytes.size();
      arena->bytes += "{\"text\":";
      AppendJsonString(arena->bytes, IsValidUtf8(line) ? std::string(line) : SanitizeUtf8(line));
      arena->bytes += '}';
      spans.emplace_back(begin, arena->bytes.size());
      lines.push_back(line_);
    }
    arena->bytes.append(Arena::kPadding, ' ');
    std::shared_ptr<const Arena> shared = std::move(arena);
    for (size_t i = 0; i < spans.size(); ++i) {
      std::string_view raw(shared->bytes.data() + spans[i].first, spans[i].second - spans[i].first);
      batch.rows.emplace_back(MakeId(spec_, lines[i]), shared, raw, lines[i]);
    }
    return more;
  }

  uint64_t bytes_read() const override { return in_->bytes_consumed(); }

 private:
  RowFileSpec spec_;
  std::unique_ptr<InputStream> in_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  uint64_t line_ = 0;
};

// ---------------------------------------------------------------- CSV

class CsvReader final : public RowFileReader {
 public:
  CsvReader(RowFileSpec spec, std::unique_ptr<InputStream> in, char delimiter)
      : spec_(std::move(spec)), in_(std::move(in)), splitter_(Dialect(delimiter)) {}

  Result<bool> Next(Batch& batch, size_t max_rows) override {
    auto arena = std::make_shared<Arena>();
    arena->origin = spec_.origin;
    std::vector<std::pair<size_t, size_t>> spans;
    std::vector<uint64_t> lines;
    bool more = true;
    while (spans.size() < max_rows) {
      csv::CsvStep step = splitter_.Next(buf_, pos_, eof_, true, rec_);
      if (step == csv::CsvStep::kNeedMore) {
        buf_.erase(0, pos_);
        pos_ = 0;
        auto got = in_->Read(buf_, kChunkBytes);
        if (!got.ok()) return got.status().WithContext("cannot read " + spec_.origin);
        if (*got == 0) eof_ = true;
        continue;
      }
      if (step == csv::CsvStep::kBlank) continue;
      if (step == csv::CsvStep::kEnd) {
        more = false;
        break;
      }
      if (step == csv::CsvStep::kUnterminated || step == csv::CsvStep::kTooLarge) {
        return Status::Corruption(spec_.origin + ":" + std::to_string(splitter_.error_line()) +
                                  (step == csv::CsvStep::kUnterminated
                                       ? ": a quoted field is never closed"
                                       : ": a record is larger than 64 MiB"));
      }
      if (header_.empty()) {
        for (size_t i = 0; i < rec_.size(); ++i) {
          std::string name(rec_.field(i));
          if (i == 0 && name.substr(0, 3) == "\xEF\xBB\xBF") name = name.substr(3);
          header_.push_back(name.empty() ? "column_" + std::to_string(i) : name);
        }
        continue;
      }
      if (rec_.size() != header_.size()) {
        Reject r;
        r.kind = RejectKind::kError;
        r.reason = "csv_field_count";
        r.detail = "the row has " + std::to_string(rec_.size()) + " fields, the header " +
                   std::to_string(header_.size());
        r.location = spec_.origin + ":" + std::to_string(rec_.line);
        r.id = MakeId(spec_, rec_.line);
        r.record_json = std::string(std::string_view(buf_).substr(
            rec_.raw_begin, std::min<size_t>(rec_.raw_end - rec_.raw_begin, 1024)));
        r.record_is_json = false;
        batch.AddReject(std::move(r));
        continue;
      }
      size_t begin = arena->bytes.size();
      std::string& out = arena->bytes;
      out += '{';
      for (size_t i = 0; i < header_.size(); ++i) {
        if (i > 0) out += ',';
        AppendJsonString(out, header_[i]);
        out += ':';
        std::string_view v = rec_.field(i);
        if (!IsValidUtf8(v)) {
          AppendJsonString(out, SanitizeUtf8(v));
        } else if (rec_.quoted[i]) {
          AppendJsonString(out, v);
        } else {
          csv::AppendInferred(out, v);
        }
      }
      out += '}';
      spans.emplace_back(begin, out.size());
      lines.push_back(rec_.line);
    }
    arena->bytes.append(Arena::kPadding, ' ');
    std::shared_ptr<const Arena> shared = std::move(arena);
    for (size_t i = 0; i < spans.size(); ++i) {
      std::string_view raw(shared->bytes.data() + spans[i].first, spans[i].second - spans[i].first);
      batch.rows.emplace_back(MakeId(spec_, lines[i]), shared, raw, lines[i]);
    }
    return more;
  }

  uint64_t bytes_read() const override { return in_->bytes_consumed(); }

 private:
  static csv::CsvDialect Dialect(char delimiter) {
    csv::CsvDialect d;
    d.delimiter = delimiter;
    return d;
  }
  RowFileSpec spec_;
  std::unique_ptr<InputStream> in_;
  csv::CsvSplitter splitter_;
  csv::CsvRecord rec_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  std::vector<std::string> header_;
};

#ifdef WINNOW_HF_HUB_PARQUET
// ---------------------------------------------------------------- Parquet

class ParquetRows final : public RowFileReader {
 public:
  ParquetRows(RowFileSpec spec, std::unique_ptr<parquet::RowReader> reader)
      : spec_(std::move(spec)), reader_(std::move(reader)) {}

  Result<bool> Next(Batch& batch, size_t max_rows) override {
    auto arena = std::make_shared<Arena>();
    arena->origin = spec_.origin;
    std::vector<size_t> ends;
    std::vector<parquet::RowIssue> issues;
    while (ends.size() < max_rows) {
      if (reader_->rows_left() == 0) {
        if (next_group_ >= reader_->num_row_groups()) break;
        WINNOW_RETURN_IF_ERROR(reader_->StartRowGroup(next_group_++));
        continue;
      }
      size_t before = ends.size(), issues_before = issues.size();
      WINNOW_ASSIGN_OR_RETURN(
          size_t got, reader_->ReadRows(max_rows - ends.size(), &arena->bytes, &ends, &issues));
      for (size_t k = issues_before; k < issues.size(); ++k) issues[k].row += before;
      if (got == 0) break;
    }
    bool more = !(reader_->rows_left() == 0 && next_group_ >= reader_->num_row_groups());
    arena->bytes.append(Arena::kPadding, ' ');
    std::shared_ptr<const Arena> shared = std::move(arena);
    size_t first = batch.rows.size(), begin = 0;
    for (size_t end : ends) {
      ++row_;
      batch.rows.emplace_back(MakeId(spec_, row_), shared,
                              std::string_view(shared->bytes.data() + begin, end - begin), row_);
      begin = end;
    }
    for (const auto& issue : issues) batch.Fail(first + issue.row, issue.reason, issue.detail);
    return more;
  }

  uint64_t bytes_read() const override { return reader_->bytes_read(); }

 private:
  RowFileSpec spec_;
  std::unique_ptr<parquet::RowReader> reader_;
  size_t next_group_ = 0;
  uint64_t row_ = 0;
};
#endif

}  // namespace

bool ParquetSupported() {
#ifdef WINNOW_HF_HUB_PARQUET
  return true;
#else
  return false;
#endif
}

Result<std::unique_ptr<RowFileReader>> OpenRowFile(const RowFileSpec& spec) {
  if (spec.format == "parquet") {
#ifdef WINNOW_HF_HUB_PARQUET
    parquet::RowReaderOptions options;
    auto r = parquet::RowReader::Open(spec.path.string(), options);
    if (!r.ok()) return r.status().WithContext(spec.origin);
    return std::unique_ptr<RowFileReader>(new ParquetRows(spec, std::move(r).value()));
#else
    return Status::Unimplemented("this build of source/hf_hub cannot read Parquet files (" +
                                 spec.origin + ")");
#endif
  }
  auto in = InputStream::Open(spec.path);
  if (!in.ok()) return in.status().WithContext("cannot open " + spec.origin);
  if (spec.format == "json") {
    return std::unique_ptr<RowFileReader>(new JsonReader(spec, std::move(in).value()));
  }
  if (spec.format == "text") {
    return std::unique_ptr<RowFileReader>(new TextReader(spec, std::move(in).value()));
  }
  if (spec.format == "csv") {
    std::string name = spec.origin;
    bool tsv = name.find(".tsv") != std::string::npos;
    return std::unique_ptr<RowFileReader>(
        new CsvReader(spec, std::move(in).value(), tsv ? '\t' : ','));
  }
  return Status::Unimplemented("unknown data file format '" + spec.format + "' for " + spec.origin);
}

}  // namespace winnow::hf
