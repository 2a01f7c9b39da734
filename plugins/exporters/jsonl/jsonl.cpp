// exporter/jsonl — writes records as JSON Lines, optionally sharded and compressed.
//
// Contract:
//  - `path` is relative to the run's output directory unless absolute. The
//    extension picks compression: .gz (gzip), .zst (zstd), anything else plain.
//  - With `shard_rows` or `shard_bytes` > 0, output is split into
//    <stem>-00000<ext>, <stem>-00001<ext>, ...; each shard is renamed into
//    place when it is complete, and shards left over from an earlier, longer
//    run with the same name are removed at commit.
//  - Under MPI (world > 1) every rank writes its own file(s) with "-rank00001"
//    inserted before the extension, and rank 0 writes <stem>.manifest.json
//    listing every rank's files in rank order.
//  - Atomic: files appear under their final names only when complete; Abort
//    removes the unfinished one. Records are written byte for byte as they are
//    (untouched fields are copied from the input).
//  - Speed: for plain (uncompressed) output, rows nobody edited are not
//    copied at all: Write hands their bytes to writev(2) straight from the
//    source's arenas (adjacent lines coalesced); Encode serialises only the
//    edited rows. Compressed output is serialised in Encode (in parallel).
#include <algorithm>
#include <cstring>
#include <regex>

#include "winnow/comm.h"
#include "winnow/exporter.h"
#include "winnow/files.h"
#include "winnow/io.h"

namespace winnow {
namespace {

struct JsonlOutConfig {
  std::string path;
  int64_t shard_rows = 0;
  int64_t shard_bytes = 0;
  int64_t compression_level = 0;
};

const ConfigSchema& JsonlOutSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<JsonlOutConfig>()
          .String("path", &JsonlOutConfig::path,
                  "Output file, relative to the run's output directory unless absolute. "
                  "Ending in .gz or .zst compresses.")
          .Required()
          .Int("shard_rows", &JsonlOutConfig::shard_rows,
               "Start a new shard after this many rows (0 = one file).")
          .Min(0)
          .Int("shard_bytes", &JsonlOutConfig::shard_bytes,
               "Start a new shard once a shard holds this many uncompressed bytes (0 = no "
               "limit). Shards end at line boundaries.")
          .Min(0)
          .Int("compression_level", &JsonlOutConfig::compression_level,
               "gzip 1-9 or zstd 1-19; 0 = the library's default.")
          .Range(0, 19)
          .Build();
  return schema;
}

class JsonlExporter final : public Exporter {
 public:
  explicit JsonlExporter(JsonlOutConfig config) : config_(std::move(config)) {}

  Status Init() override {
    if (config_.path.empty()) return ConfigError("path", "must not be empty");
    if (config_.compression_level > 9 && CompressionFromPath(config_.path) == Compression::kGzip) {
      return ConfigError("compression_level", "gzip levels are 1-9 (0 = default); " +
                                                  std::to_string(config_.compression_level) +
                                                  " is a zstd level");
    }
    return Status::Ok();
  }

  Status Open(Context& ctx) override {
    OutputName name = ExporterOutputName(config_.path, ctx.output_dir(), ctx.rank(), ctx.world());
    stem_ = name.stem;
    manifest_ = name.manifest;
    ext_ = name.ext;
    sharded_ = config_.shard_rows > 0 || config_.shard_bytes > 0;
    compressed_ = CompressionFromPath(stem_ + ext_) != Compression::kNone;
    return Status::Ok();
  }

  Status Encode(Batch& batch, std::string& out, Context& ctx) override {
    if (compressed_) return Exporter::Encode(batch, out, ctx);
    for (const Record& r : batch.rows) {
      if (Passthrough(r)) continue;
      WINNOW_RETURN_IF_ERROR(r.AppendJson(out));
      out.push_back('\n');
    }
    return Status::Ok();
  }

  Status Write(const Batch& batch, std::string_view encoded, Context& ctx) override {
    if (!compressed_) return WritePlain(batch, encoded, ctx);
    // Split at line boundaries when a shard fills up mid-batch.
    size_t pos = 0;
    while (pos < encoded.size()) {
      if (!file_) WINNOW_RETURN_IF_ERROR(OpenShard());
      size_t take = encoded.size() - pos;
      if (sharded_) take = ShardRoom(encoded.substr(pos));
      std::string_view piece = encoded.substr(pos, take);
      WINNOW_RETURN_IF_ERROR(file_->Write(piece));
      int64_t lines = piece.size() == encoded.size() ? static_cast<int64_t>(batch.rows.size())
                                                     : CountLines(piece);
      shard_rows_ += lines;
      rows_ += lines;
      pos += take;
      if (sharded_ && ShardFull()) WINNOW_RETURN_IF_ERROR(CloseShard());
    }
    ctx.Count("bytes_written", static_cast<int64_t>(encoded.size()));
    return Status::Ok();
  }

  // A row written from its source bytes (an arena keeps kPadding readable
  // bytes after every record, so the byte after raw() may be inspected).
  static bool Passthrough(const Record& r) { return !r.edited() && !r.raw().empty(); }

  // Plain output: one piece per row (its source line, or its line in
  // `encoded` when edited), coalesced when adjacent in memory, then writev.
  Status WritePlain(const Batch& batch, std::string_view encoded, Context& ctx) {
    pieces_.clear();
    size_t enc_pos = 0;
    uint64_t bytes = 0;
    auto add = [&](std::string_view piece) {
      bytes += piece.size();
      shard_bytes_ += piece.size();
      if (!pieces_.empty() && pieces_.back().data() + pieces_.back().size() == piece.data()) {
        pieces_.back() =
            std::string_view(pieces_.back().data(), pieces_.back().size() + piece.size());
      } else {
        pieces_.push_back(piece);
      }
    };
    auto flush = [&]() -> Status {
      Status st = file_->WriteV(pieces_.data(), pieces_.size());
      pieces_.clear();
      return st;
    };
    for (const Record& row : batch.rows) {
      if (!file_) WINNOW_RETURN_IF_ERROR(OpenShard());
      if (Passthrough(row)) {
        std::string_view raw = row.raw();
        if (raw.data()[raw.size()] == '\n') {
          add(std::string_view(raw.data(), raw.size() + 1));
        } else {
          add(raw);
          add("\n");
        }
      } else {
        size_t nl = encoded.find('\n', enc_pos);
        if (nl == std::string_view::npos)
          return Status::Internal("exporter/jsonl: encoded rows out of step");
        add(encoded.substr(enc_pos, nl + 1 - enc_pos));
        enc_pos = nl + 1;
      }
      ++shard_rows_;
      ++rows_;
      if (sharded_ && ((config_.shard_rows > 0 && shard_rows_ >= config_.shard_rows) ||
                       (config_.shard_bytes > 0 &&
                        shard_bytes_ >= static_cast<uint64_t>(config_.shard_bytes)))) {
        WINNOW_RETURN_IF_ERROR(flush());
        WINNOW_RETURN_IF_ERROR(CloseShard());
      }
    }
    if (!pieces_.empty()) WINNOW_RETURN_IF_ERROR(flush());
    ctx.Count("bytes_written", static_cast<int64_t>(bytes));
    return Status::Ok();
  }

  static int64_t CountLines(std::string_view s) {
    int64_t n = 0;
    for (const char* p = s.data();
         (p = static_cast<const char*>(std::memchr(p, '\n', s.data() + s.size() - p))) != nullptr;
         ++p) {
      ++n;
    }
    return n;
  }

  Status Commit(Context& ctx) override {
    if (!file_ && shards_ == 0) WINNOW_RETURN_IF_ERROR(OpenShard());  // empty output file
    if (file_) WINNOW_RETURN_IF_ERROR(CloseShard());
    if (sharded_) RemoveStaleShards();
    ctx.Count("rows_written", rows_);
    if (ctx.world() > 1) {
      WINNOW_RETURN_IF_ERROR(WriteRankManifest(ctx.comm(), ctx.rank(), manifest_, written_, rows_));
    }
    return Status::Ok();
  }

  void Abort(Context&) override {
    if (file_) file_->Abort();
    file_.reset();
  }

  std::vector<std::string> Outputs() const override { return written_; }

 private:
  std::string ShardPath(int index) const {
    if (!sharded_) return stem_ + ext_;
    char num[16];
    std::snprintf(num, sizeof(num), "-%05d", index);
    return stem_ + num + ext_;
  }

  Status OpenShard() {
    auto f = AtomicFile::Create(ShardPath(shards_), static_cast<int>(config_.compression_level));
    if (!f.ok()) return f.status();
    file_ = std::move(f).value();
    shard_rows_ = 0;
    shard_bytes_ = 0;
    return Status::Ok();
  }

  Status CloseShard() {
    WINNOW_RETURN_IF_ERROR(file_->Commit());
    written_.push_back(file_->path().string());
    file_.reset();
    ++shards_;
    return Status::Ok();
  }

  bool ShardFull() const {
    return (config_.shard_rows > 0 && shard_rows_ >= config_.shard_rows) ||
           (config_.shard_bytes > 0 &&
            file_->bytes_written() >= static_cast<uint64_t>(config_.shard_bytes));
  }

  // Bytes of `rest` that fit in the current shard, ending at a newline.
  size_t ShardRoom(std::string_view rest) const {
    size_t limit = rest.size();
    if (config_.shard_rows > 0) {
      int64_t room = config_.shard_rows - shard_rows_;
      size_t pos = 0;
      for (int64_t k = 0; k < room && pos < rest.size(); ++k) {
        const void* nl = std::memchr(rest.data() + pos, '\n', rest.size() - pos);
        pos =
            nl ? static_cast<size_t>(static_cast<const char*>(nl) - rest.data()) + 1 : rest.size();
      }
      limit = std::min(limit, pos);
    }
    if (config_.shard_bytes > 0) {
      uint64_t used = file_->bytes_written();
      uint64_t room = used >= static_cast<uint64_t>(config_.shard_bytes)
                          ? 0
                          : static_cast<uint64_t>(config_.shard_bytes) - used;
      if (room < limit) {
        // End at the first newline at or after the byte limit (a shard may pass the
        // limit by at most one line), never in the middle of a line.
        size_t at = static_cast<size_t>(room);
        size_t nl = rest.find('\n', at == 0 ? 0 : at - 1);
        limit = nl == std::string_view::npos ? rest.size() : nl + 1;
      }
    }
    return limit == 0 ? rest.size() : limit;
  }

  void RemoveStaleShards() {
    for (int i = shards_;; ++i) {
      std::error_code ec;
      if (!std::filesystem::remove(ShardPath(i), ec)) break;
    }
  }

  JsonlOutConfig config_;
  std::string stem_, ext_, manifest_;
  bool sharded_ = false, compressed_ = false;
  std::unique_ptr<AtomicFile> file_;
  std::vector<std::string_view> pieces_;  // reused by WritePlain
  uint64_t shard_bytes_ = 0;
  int shards_ = 0;
  int64_t shard_rows_ = 0, rows_ = 0;
  std::vector<std::string> written_;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kExporter, "jsonl", "1.0.0",
              "Writes JSON Lines (plain, .gz or .zst), optionally in shards, atomically.",
              winnow::JsonlOutConfig, winnow::JsonlExporter, winnow::JsonlOutSchema)
