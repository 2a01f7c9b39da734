// source/jsonl — JSON Lines (and JSON array) files as records.
//
// Contract:
//  - `paths` are files, directories (recursive; .jsonl .ndjson .json and their
//    .gz/.zst forms) and globs; the file list is sorted, so row order is stable.
//  - Each non-empty line is one record whose bytes are kept as they are (lazy
//    parsing; untouched fields are written back byte for byte). A `.json` file
//    holds one top-level array of objects instead.
//  - Row ids: ordinal = (file index << 40) | line number (1-based), which does
//    not depend on sharding or thread count. Location: "path:line".
//  - Per-record problems become rejects with file:line: malformed_json,
//    invalid_utf8, not_an_object, line_too_long. Empty lines are skipped
//    (counted as `empty_lines`).
//  - A file that cannot be read, or a compressed file that is empty or
//    truncated, stops the run with a message naming the file
//    (`on_corrupt_file: skip` turns that into one reject row and goes on).
//  - Sharding (world > 1): the files are cut into units — a whole file, or,
//    for an uncompressed JSON Lines file of at least `split_bytes`, one byte
//    range per rank (a range owns the lines that START inside it, so every
//    line is read exactly once) — and unit k is read by rank k % world. A rank
//    that reads a range not at the start of its file first counts the lines of
//    its own range and the ranks exchange the counts (AllGather), so line
//    numbers, row ids and reject locations equal a single-process run's.
//  - Reading: an uncompressed file of at least 1 MB is mapped read-only and
//    records point straight into the mapping (no read(2) copy); its last bytes
//    (records need 64 readable bytes after them) and lines longer than a chunk
//    are read by copying. Other files are read in 4 MB chunks into arenas
//    recycled through a pool. Do not truncate an input while it is being read
//    (a mapped file that shrinks ends the process with SIGBUS).
//  - Thread-safety: Read is called from one thread; Decode concurrently.
#include <simdjson.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "winnow/arena_pool.h"
#include "winnow/comm.h"
#include "winnow/files.h"
#include "winnow/io.h"
#include "winnow/source.h"
#include "winnow/text.h"

namespace winnow {
namespace {

struct JsonlConfig {
  std::vector<std::string> paths;
  int64_t max_line_bytes = 256LL << 20;
  int64_t limit = 0;
  int64_t split_bytes = 64LL << 20;
  std::string on_corrupt_file = "fail";
  std::vector<std::string> extensions = {".jsonl",      ".ndjson",    ".json",
                                         ".jsonl.gz",   ".jsonl.zst", ".ndjson.gz",
                                         ".ndjson.zst", ".json.gz",   ".json.zst"};
};

const ConfigSchema& JsonlSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<JsonlConfig>()
          .StringList("paths", &JsonlConfig::paths,
                      "Files, directories or globs (*, ?, **) to read. Relative paths are "
                      "relative to the working directory.")
          .Required()
          .Int("max_line_bytes", &JsonlConfig::max_line_bytes,
               "Lines longer than this many bytes are rejected (line_too_long) without being "
               "held in memory.")
          .Range(1024, 1LL << 34)
          .Int("limit", &JsonlConfig::limit, "Stop after this many rows (0 = read everything).")
          .Min(0)
          .Int("split_bytes", &JsonlConfig::split_bytes,
               "Under MPI, an uncompressed JSON Lines file of at least this many bytes is read "
               "by all ranks, each taking one byte range split at line boundaries (0 = read "
               "every file whole, by one rank).")
          .Min(0)
          .Enum("on_corrupt_file", &JsonlConfig::on_corrupt_file, {"fail", "skip"},
                "What to do with an unreadable or truncated (compressed) file: stop the run, or "
                "write one reject row for it and go on with the next file.")
          .StringList("extensions", &JsonlConfig::extensions,
                      "File name endings picked up when a path is a directory.")
          .Build();
  return schema;
}

constexpr size_t kChunkBytes = 4 << 20;

class JsonlSource final : public Source {
 public:
  explicit JsonlSource(JsonlConfig config) : config_(std::move(config)) {}

  Status Open(Context& ctx) override {
    auto files = ExpandPaths(config_.paths, config_.extensions);
    if (!files.ok()) return files.status();
    all_files_ = std::move(files).value();
    std::vector<Unit> units = PlanUnits(ctx.world());
    for (size_t k = 0; k < units.size(); ++k) {
      if (static_cast<int>(k % static_cast<size_t>(ctx.world())) != ctx.rank()) continue;
      my_units_.push_back(units[k]);
      total_bytes_ += units[k].end - units[k].begin;
    }
    pool_ = ArenaPool::Create(2 * kChunkBytes + Arena::kPadding);
    if (units.size() > all_files_.size()) WINNOW_RETURN_IF_ERROR(NumberRanges(units, ctx));
    ctx.Info("reading " + std::to_string(my_units_.size()) + " of " + std::to_string(units.size()) +
             " parts of " + std::to_string(all_files_.size()) + " files");
    return Status::Ok();
  }

  Result<bool> Read(Batch& batch, size_t max_rows, Context& ctx) override {
    batch.rows.reserve(max_rows);
    while (batch.rows.size() < max_rows) {
      if (config_.limit > 0 && emitted_ >= config_.limit) return false;
      if (array_pos_ < array_items_.size()) {
        TakeArrayItems(batch, max_rows);
        continue;
      }
      if (!stream_ && !pending_lines_) {
        if (next_unit_ >= my_units_.size()) return false;
        Status st = OpenUnit(my_units_[next_unit_++], batch);
        if (!st.ok()) return st;
        continue;
      }
      if (!TakeLines(batch, max_rows)) {
        Status st = FillChunk(batch, ctx);
        if (!st.ok()) return st;
      }
      if (ctx.cancelled()) return Status::Cancelled("interrupted");
    }
    return true;
  }

  Status Decode(Batch& batch, Context& ctx) override {
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      Status st = batch.rows[i].ValidateShallow();
      if (st.ok()) continue;
      const std::string& m = st.message();
      if (m.find("UTF-8") != std::string::npos || m.find("UTF8") != std::string::npos) {
        batch.Fail(i, "invalid_utf8", "the line is not valid UTF-8");
      } else if (m.find("not a JSON object") != std::string::npos) {
        batch.Fail(i, "not_an_object", m);
      } else {
        batch.Fail(i, "malformed_json", m);
      }
    }
    (void)ctx;
    return Status::Ok();
  }

  Status Close(Context& ctx) override {
    if (empty_lines_ > 0) ctx.Count("empty_lines", empty_lines_);
    ctx.Count("bytes_read", static_cast<int64_t>(bytes_done_));
    ctx.Count("file_parts_read", static_cast<int64_t>(my_units_.size()));
    return Status::Ok();
  }

 private:
  // A part of the input read by one rank: a whole file (split == false) or
  // the lines starting in [begin, end) of a plain JSON Lines file.
  struct Unit {
    size_t file = 0;
    uint64_t begin = 0, end = 0;
    bool split = false;
    uint64_t lines_before = 0;  // lines of the file before `begin` (set by NumberRanges)
  };

  static bool IsJsonArrayName(const std::string& name) {
    return name.size() >= 5 &&
           (name.ends_with(".json") || name.ends_with(".json.gz") || name.ends_with(".json.zst"));
  }

  // The same plan on every rank: it depends only on the file list and sizes.
  std::vector<Unit> PlanUnits(int world) const {
    std::vector<Unit> units;
    for (size_t i = 0; i < all_files_.size(); ++i) {
      std::error_code ec;
      uint64_t size = std::filesystem::file_size(all_files_[i], ec);
      if (ec) size = 0;
      bool splittable = world > 1 && config_.split_bytes > 0 &&
                        size >= static_cast<uint64_t>(config_.split_bytes) &&
                        size >= static_cast<uint64_t>(world) &&
                        !IsJsonArrayName(all_files_[i].filename().string());
      if (splittable) {
        auto in = InputStream::Open(all_files_[i]);
        splittable = in.ok() && (*in)->compression() == Compression::kNone;
      }
      if (!splittable) {
        units.push_back(Unit{i, 0, size, false, 0});
        continue;
      }
      uint64_t piece = (size + static_cast<uint64_t>(world) - 1) / static_cast<uint64_t>(world);
      for (uint64_t b = 0; b < size; b += piece) {
        units.push_back(Unit{i, b, std::min(size, b + piece), true, 0});
      }
    }
    return units;
  }

  // Every rank counts the line starts in its own ranges; after an AllGather
  // each rank knows how many lines precede each of its ranges.
  Status NumberRanges(const std::vector<Unit>& units, Context& ctx) {
    std::string mine;
    for (size_t k = 0; k < units.size(); ++k) {
      if (!units[k].split) continue;
      if (static_cast<int>(k % static_cast<size_t>(ctx.world())) != ctx.rank()) continue;
      auto n = CountLineStarts(all_files_[units[k].file], units[k].begin, units[k].end);
      if (!n.ok()) return n.status();
      mine += std::to_string(k) + " " + std::to_string(*n) + "\n";
    }
    std::vector<std::string> all;
    WINNOW_RETURN_IF_ERROR(ctx.comm().AllGather(mine, &all));
    std::vector<uint64_t> count(units.size(), 0);
    for (const std::string& text : all) {
      size_t pos = 0;
      while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) break;
        unsigned long long k = 0, n = 0;
        if (std::sscanf(text.c_str() + pos, "%llu %llu", &k, &n) != 2 || k >= units.size()) {
          return Status::Internal("source/jsonl: bad line count exchange");
        }
        count[k] = n;
        pos = nl + 1;
      }
    }
    for (Unit& u : my_units_) {
      if (!u.split) continue;
      for (size_t k = 0; k < units.size(); ++k) {
        if (units[k].file == u.file && units[k].begin < u.begin) u.lines_before += count[k];
      }
    }
    return Status::Ok();
  }

  // Lines starting in [begin, end): a line starts at 0 and after every '\n'.
  static Result<uint64_t> CountLineStarts(const std::filesystem::path& path, uint64_t begin,
                                          uint64_t end) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return Status::IOError("cannot open " + path.string() + ": " + std::strerror(errno));
    uint64_t n = begin == 0 ? 1 : 0;
    uint64_t pos = begin == 0 ? 0 : begin - 1;  // a '\n' at begin-1 starts a line at begin
    uint64_t stop = end - 1;                    // a '\n' at end-1 starts the next range's line
    std::string buf(kChunkBytes, '\0');
    while (pos < stop) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, stop - pos));
      ssize_t got = ::pread(fd, buf.data(), want, static_cast<off_t>(pos));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        ::close(fd);
        return Status::IOError("cannot read " + path.string() + ": " +
                               (got < 0 ? std::strerror(errno) : "file shrank while reading"));
      }
      const char* p = buf.data();
      const char* e = p + got;
      while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(e - p))))) {
        ++n;
        ++p;
      }
      pos += static_cast<uint64_t>(got);
    }
    ::close(fd);
    return n;
  }

  Status OpenUnit(const Unit& unit, Batch& batch) {
    WINNOW_RETURN_IF_ERROR(OpenFile(unit.file, batch));
    if (!unit.split || !stream_) return Status::Ok();
    range_end_ = unit.end;
    line_ = unit.lines_before;
    if (unit.begin > 0) {
      // Start at begin-1 and skip through the first '\n': the line that
      // straddles `begin` belongs to the previous range.
      Status st = stream_->SeekTo(unit.begin - 1);
      if (!st.ok()) return FileProblem(all_files_[unit.file], st, batch);
      stream_pos_ = unit.begin - 1;
      skip_partial_line_ = true;
    }
    return Status::Ok();
  }

  Status OpenFile(size_t file_index, Batch& batch) {
    const auto& path = all_files_[file_index];
    file_index_ = file_index;
    line_ = 0;
    carry_.clear();
    skipping_long_line_ = false;
    skip_partial_line_ = false;
    stream_pos_ = 0;
    range_end_ = UINT64_MAX;
    bool json_array = IsJsonArrayName(path.filename().string());
    auto stream = InputStream::Open(path);
    if (!stream.ok()) return FileProblem(path, stream.status(), batch);
    if (json_array) return ReadJsonArray(path, std::move(stream).value(), batch);
    stream_ = std::move(stream).value();
    MapFile(path);
    return Status::Ok();
  }

  Status FileProblem(const std::filesystem::path& path, const Status& st, Batch& batch) {
    stream_.reset();
    pending_lines_ = false;
    if (config_.on_corrupt_file == "fail" || st.code() == StatusCode::kNotFound) {
      return st.WithContext("source/jsonl cannot read " + path.string());
    }
    Reject r;
    r.kind = RejectKind::kError;
    r.reason = "corrupt_file";
    r.detail = st.message();
    r.location = path.string();
    r.id = RowId{0, static_cast<uint64_t>(file_index_) << 40};
    r.record_is_json = false;
    batch.AddReject(std::move(r));
    return Status::Ok();
  }

  // A read-only mapping of the current file (see MapChunk).
  struct Mapping {
    const char* data = nullptr;
    size_t size = 0;
    Mapping(const char* d, size_t n) : data(d), size(n) {}
    ~Mapping() { ::munmap(const_cast<char*>(data), size); }
  };
  static constexpr uint64_t kMinMapBytes = 1 << 20;

  void MapFile(const std::filesystem::path& path) {
    mapping_.reset();
    if (stream_->compression() != Compression::kNone || stream_->file_size() < kMinMapBytes) return;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;  // the copying path reports the problem
    size_t size = static_cast<size_t>(stream_->file_size());
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) return;
    ::madvise(p, size, MADV_SEQUENTIAL);
    mapping_ = std::make_shared<const Mapping>(static_cast<const char*>(p), size);
  }

  // Serves the next chunk (whole lines, up to kChunkBytes) from the mapping.
  // False once the rest must be read by copying: the last kPadding bytes of
  // the file, or a line longer than a chunk; the stream then continues at the
  // same offset.
  Result<bool> MapChunk(Context& ctx) {
    const Mapping& m = *mapping_;
    uint64_t safe_end = m.size > Arena::kPadding ? m.size - Arena::kPadding : 0;
    uint64_t start = stream_pos_;
    if (start < safe_end) {
      uint64_t window = std::min<uint64_t>(kChunkBytes, safe_end - start);
      const char* base = m.data + start;
      const void* nl = ::memrchr(base, '\n', static_cast<size_t>(window));
      if (nl) {
        size_t len = static_cast<size_t>(static_cast<const char*>(nl) - base) + 1;
        auto arena = std::make_shared<Arena>();
        arena->origin = all_files_[file_index_].string();
        arena->external_end = m.data + m.size;
        arena->keep_alive = mapping_;
        chunk_ = std::move(arena);
        chunk_data_ = base;
        chunk_pos_ = 0;
        chunk_end_ = len;
        chunk_base_ = start;
        stream_pos_ = start + len;
        pending_lines_ = true;
        bytes_done_ += len;
        ctx.ReportProgress(bytes_done_, total_bytes_);
        return true;
      }
    }
    mapping_.reset();
    WINNOW_RETURN_IF_ERROR(stream_->SeekTo(stream_pos_));
    return false;
  }

  // Reads the next chunk of the current file into a fresh arena.
  Status FillChunk(Batch& batch, Context& ctx) {
    if (!stream_) return Status::Ok();
    if (carry_.empty() && !skip_partial_line_ && stream_pos_ >= range_end_) {
      stream_.reset();  // every further line starts in another rank's range
      mapping_.reset();
      return Status::Ok();
    }
    if (mapping_) {
      auto mapped = MapChunk(ctx);
      if (!mapped.ok()) return FileProblem(all_files_[file_index_], mapped.status(), batch);
      if (*mapped) return Status::Ok();
    }
    // A recycled arena keeps its size, so growing it to the chunk size zero-fills
    // nothing; the stream reads straight into it after the carried-over line.
    auto arena = pool_->GetForOverwrite(all_files_[file_index_].string());
    std::string& b = arena->bytes;
    // The carried-over line shortens the read, so an arena never outgrows
    // kChunkBytes (+ padding) and is never reallocated (unless one line is
    // longer than half a chunk).
    size_t carried = carry_.size();
    size_t want = carried < kChunkBytes / 2 ? kChunkBytes - carried : kChunkBytes;
    if (b.size() < carried + want + Arena::kPadding) b.resize(carried + want + Arena::kPadding);
    std::memcpy(b.data(), carry_.data(), carried);
    carry_.clear();
    uint64_t before = stream_->bytes_consumed();
    auto got = stream_->ReadTo(b.data() + carried, want);
    if (!got.ok()) return FileProblem(all_files_[file_index_], got.status(), batch);
    b.resize(carried + *got);
    uint64_t base = stream_pos_ - carried;  // file offset of b[0]
    stream_pos_ += *got;
    bytes_done_ += stream_->bytes_consumed() - before;
    ctx.ReportProgress(bytes_done_, total_bytes_);
    bool eof = *got == 0;
    size_t data_end = b.size();
    if (eof) {
      stream_.reset();
      if (data_end > 0 && b.back() != '\n') b.push_back('\n');  // last line without newline
      data_end = b.size();
      if (data_end == 0) return Status::Ok();
    } else {
      size_t last_nl = b.rfind('\n');
      if (last_nl == std::string::npos) {
        if (skipping_long_line_) return Status::Ok();  // still inside a rejected line
        if (skip_partial_line_) return Status::Ok();   // inside the previous range's last line
        // No newline in the whole chunk: a very long line.
        if (b.size() > static_cast<size_t>(config_.max_line_bytes)) {
          RejectLongLine(b, batch);
          skipping_long_line_ = true;
          return Status::Ok();
        }
        carry_.assign(b);
        return Status::Ok();
      }
      carry_.assign(b, last_nl + 1, std::string::npos);
      b.resize(last_nl + 1);
      data_end = b.size();
    }
    b.append(Arena::kPadding, ' ');
    chunk_ = std::move(arena);
    chunk_data_ = chunk_->bytes.data();
    chunk_pos_ = 0;
    chunk_end_ = data_end;
    chunk_base_ = base;
    pending_lines_ = true;
    return Status::Ok();
  }

  void RejectLongLine(const std::string& head, Batch& batch) {
    Reject r;
    r.kind = RejectKind::kError;
    r.reason = "line_too_long";
    r.detail =
        "line is longer than max_line_bytes (" + std::to_string(config_.max_line_bytes) + " bytes)";
    r.location = all_files_[file_index_].string() + ":" + std::to_string(line_ + 1);
    r.id = RowId{0, (static_cast<uint64_t>(file_index_) << 40) | (line_ + 1)};
    r.record_json = Abbreviate(head, 1024);
    r.record_is_json = false;
    batch.AddReject(std::move(r));
  }

  // Turns lines of the current chunk into records. False when the chunk is used up.
  bool TakeLines(Batch& batch, size_t max_rows) {
    if (!pending_lines_) return false;
    const char* b = chunk_data_;
    while (chunk_pos_ < chunk_end_ && batch.rows.size() < max_rows) {
      if (config_.limit > 0 && emitted_ >= config_.limit) break;
      if (chunk_base_ + chunk_pos_ >= range_end_) {  // the next range's first line
        stream_.reset();
        carry_.clear();
        chunk_pos_ = chunk_end_;
        break;
      }
      const char* start = b + chunk_pos_;
      const char* nl = static_cast<const char*>(std::memchr(start, '\n', chunk_end_ - chunk_pos_));
      size_t len = static_cast<size_t>(nl - start);
      chunk_pos_ += len + 1;
      if (skip_partial_line_) {  // the tail of the previous range's last line
        skip_partial_line_ = false;
        continue;
      }
      if (skipping_long_line_) {  // the tail of a line already rejected
        skipping_long_line_ = false;
        ++line_;
        continue;
      }
      ++line_;
      std::string_view line(start, len);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      size_t first = line.find_first_not_of(" \t");
      if (first == std::string_view::npos) {
        ++empty_lines_;
        continue;
      }
      if (line.size() > static_cast<size_t>(config_.max_line_bytes)) {
        --line_;
        RejectLongLine(std::string(line.substr(0, 1024)), batch);
        ++line_;
        continue;
      }
      RowId id{0, (static_cast<uint64_t>(file_index_) << 40) | line_};
      batch.rows.emplace_back(id, chunk_, line, line_);
      ++emitted_;
    }
    if (chunk_pos_ >= chunk_end_ || (config_.limit > 0 && emitted_ >= config_.limit)) {
      pending_lines_ = false;
      chunk_.reset();
      return batch.rows.size() >= max_rows;
    }
    return true;
  }

  // A .json file: one top-level array of objects.
  Status ReadJsonArray(const std::filesystem::path& path, std::unique_ptr<InputStream> stream,
                       Batch& batch) {
    auto arena = std::make_shared<Arena>();
    arena->origin = path.string();
    while (true) {
      auto got = stream->Read(arena->bytes, kChunkBytes);
      if (!got.ok()) return FileProblem(path, got.status(), batch);
      if (*got == 0) break;
    }
    bytes_done_ += stream->bytes_consumed();
    size_t len = arena->bytes.size();
    arena->bytes.append(Arena::kPadding, ' ');
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    simdjson::ondemand::array arr;
    auto fail = [&](simdjson::error_code e) {
      return FileProblem(path,
                         Status::Corruption(path.string() + " is not a JSON array of objects: " +
                                            simdjson::error_message(e)),
                         batch);
    };
    size_t first = arena->bytes.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || first >= len) return Status::Ok();  // empty file
    if (arena->bytes[first] != '[') {
      // Many datasets name JSON Lines files .json: read it as lines.
      arena->bytes.resize(len);
      if (arena->bytes.back() != '\n') arena->bytes.push_back('\n');
      chunk_end_ = arena->bytes.size();
      arena->bytes.append(Arena::kPadding, ' ');
      chunk_ = std::move(arena);
      chunk_data_ = chunk_->bytes.data();
      chunk_pos_ = 0;
      pending_lines_ = true;
      return Status::Ok();
    }
    if (auto e = parser.iterate(arena->bytes.data(), len, arena->bytes.size()).get(doc))
      return fail(e);
    if (auto e = doc.get_array().get(arr)) return fail(e);
    std::vector<std::string_view> items;
    for (auto element : arr) {
      simdjson::ondemand::value v;
      if (auto e = element.get(v)) return fail(e);
      simdjson::ondemand::object o;
      if (auto e = v.get_object().get(o)) return fail(e);
      std::string_view raw;
      if (auto e = o.raw_json().get(raw)) return fail(e);
      items.push_back(raw);
    }
    // Element k gets "line" k+1 (its position in the array).
    array_arena_ = std::move(arena);
    array_items_ = std::move(items);
    array_pos_ = 0;
    return Status::Ok();
  }

  void TakeArrayItems(Batch& batch, size_t max_rows) {
    for (; array_pos_ < array_items_.size() && batch.rows.size() < max_rows; ++array_pos_) {
      if (config_.limit > 0 && emitted_ >= config_.limit) {
        array_pos_ = array_items_.size();
        break;
      }
      uint64_t n = array_pos_ + 1;
      batch.rows.emplace_back(RowId{0, (static_cast<uint64_t>(file_index_) << 40) | n},
                              array_arena_, array_items_[array_pos_], n);
      ++emitted_;
    }
    if (array_pos_ >= array_items_.size()) {
      array_items_.clear();
      array_pos_ = 0;
      array_arena_.reset();
    }
  }

  JsonlConfig config_;
  std::vector<std::filesystem::path> all_files_;
  std::vector<Unit> my_units_;
  size_t next_unit_ = 0;
  uint64_t stream_pos_ = 0;          // file offset of the next byte the stream returns
  uint64_t chunk_base_ = 0;          // file offset of chunk_->bytes[0]
  uint64_t range_end_ = UINT64_MAX;  // lines starting here or later belong to another rank
  bool skip_partial_line_ = false;
  size_t file_index_ = 0;
  uint64_t total_bytes_ = 0, bytes_done_ = 0;
  std::unique_ptr<InputStream> stream_;
  std::shared_ptr<ArenaPool> pool_;
  std::shared_ptr<Arena> chunk_;
  const char* chunk_data_ = nullptr;        // chunk_'s bytes, or its window of the mapping
  std::shared_ptr<const Mapping> mapping_;  // the current file, while served from memory
  size_t chunk_pos_ = 0, chunk_end_ = 0;
  bool pending_lines_ = false;
  bool skipping_long_line_ = false;
  std::string carry_;
  uint64_t line_ = 0;
  int64_t emitted_ = 0;
  int64_t empty_lines_ = 0;
  std::shared_ptr<Arena> array_arena_;
  std::vector<std::string_view> array_items_;
  size_t array_pos_ = 0;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kSource, "jsonl", "1.0.0",
              "Reads JSON Lines and JSON array files (plain, .gz, .zst) from files, directories "
              "and globs.",
              winnow::JsonlConfig, winnow::JsonlSource, winnow::JsonlSchema)
