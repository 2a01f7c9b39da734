// parquet_exporter.h — the exporter/parquet plugin class (parquet.cpp exports
// it; exporter/hf_hub embeds it to write Parquet data files): writes records as
// an Apache Parquet file with winnow's own writer.
//
// Contract:
//  - `path` is relative to the run's output directory unless absolute. Under MPI
//    (world > 1) every rank writes its own file with "-rank00001" inserted before
//    the extension and rank 0 writes <stem>.manifest.json listing every rank's
//    files, as exporter/jsonl does. With `shard_bytes` > 0 the output is split
//    into <stem>-00000.parquet, <stem>-00001.parquet, ... at row-group
//    boundaries; shards left over from an earlier, longer run are removed.
//  - Columns: from `schema:` (a list of {name, type}, or a mapping name: type)
//    or inferred from the first batch that has rows (see parquet_shred.h for the
//    rules). Members outside the schema are left out (given schema) or rejected
//    (inferred schema); `unknown_fields` overrides either. A row that does not
//    fit the schema is failed with a reason ("parquet:type_conflict", "parquet:out_of_range",
//    "parquet:unknown_field", "parquet:invalid_utf8", "parquet:duplicate_key",
//    "parquet:malformed", "parquet:no_columns") and never reaches the file.
//    Null and missing members are both written as null.
//  - Threads: Encode (pool threads, concurrently) parses, shreds, builds each
//    batch's local dictionaries and compresses; Write (one thread, in order)
//    merges dictionaries, assembles row groups and writes. With an inferred
//    schema, Encode of batch k waits until batch 0..k-1 have either fixed the
//    schema or turned out empty (the engine hands batches to the pool in seq
//    order, so an earlier batch is always already running); the schema, and so
//    the file's bytes, do not depend on the thread count.
//  - Memory: one row group's pages (flushed when the uncompressed size reaches
//    `row_group_bytes`) plus one dictionary per column (`dictionary_max_bytes`).
//  - Atomic: files appear under their final names only when complete (footer
//    written, renamed by winnow::AtomicFile); Abort and crashes leave no file
//    under the final name.
//  - Empty input: with a given schema, a valid file with zero rows; with an
//    inferred schema there is nothing to describe the columns, so no file is
//    written (a file of that name from an earlier run is removed) and a warning
//    is logged.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

#include "parquet_schema.h"
#include "parquet_shred.h"
#include "parquet_writer.h"
#include "winnow/comm.h"
#include "winnow/exporter.h"
#include "winnow/files.h"
#include "winnow/io.h"

namespace winnow::pqw {

struct ParquetOutConfig {
  std::string path;
  std::string compression = "snappy";
  int64_t compression_level = 0;
  int64_t row_group_bytes = int64_t{128} << 20;
  bool dictionary = true;
  int64_t dictionary_max_bytes = int64_t{1} << 20;
  Value schema;
  std::string unknown_fields = "auto";
  int64_t shard_bytes = 0;
};

inline const ConfigSchema& ParquetOutSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<ParquetOutConfig>()
          .String("path", &ParquetOutConfig::path,
                  "Output file, relative to the run's output directory unless absolute (for "
                  "example data/train.parquet).")
          .Required()
          .Enum("compression", &ParquetOutConfig::compression, {"none", "snappy", "zstd", "gzip"},
                "Codec of every page: none, snappy (fast, the common default), zstd (smaller) "
                "or gzip.")
          .Int("compression_level", &ParquetOutConfig::compression_level,
               "zstd 1-22 or gzip 1-9; 0 uses the codec's default (zstd 1, gzip 6). Ignored "
               "by snappy and none.")
          .Range(0, 22)
          .Int("row_group_bytes", &ParquetOutConfig::row_group_bytes,
               "A row group is written once the rows buffered for it reach this many "
               "uncompressed bytes; this bounds the writer's memory. Row groups end at batch "
               "boundaries.")
          .Min(1)
          .Bool("dictionary", &ParquetOutConfig::dictionary,
                "Dictionary-encode columns (except booleans) while each column chunk's "
                "dictionary stays within dictionary_max_bytes; later pages of the chunk are "
                "written PLAIN.")
          .Int("dictionary_max_bytes", &ParquetOutConfig::dictionary_max_bytes,
               "Largest dictionary per column chunk, in PLAIN-encoded bytes, before the column "
               "falls back to PLAIN.")
          .Min(0)
          .Any("schema", &ParquetOutConfig::schema,
               "Columns of the file, as a list of {name, type} entries or a mapping from name "
               "to type, where type is bool, int32, int64, float, double, string, json (any "
               "value, stored as its JSON text), list<T> or struct<name:T,...>. Members outside "
               "the schema are left out. When absent, the "
               "columns are inferred from the first batch that has rows, and rows with members "
               "outside them are rejected.")
          .Enum("unknown_fields", &ParquetOutConfig::unknown_fields, {"auto", "reject", "drop"},
                "What happens to members a row has but the schema lacks: reject fails the row "
                "(parquet:unknown_field), drop writes the row without them. auto rejects with an "
                "inferred schema and drops with a given one.")
          .Int("shard_bytes", &ParquetOutConfig::shard_bytes,
               "Start a new file (<stem>-00000.parquet, <stem>-00001.parquet, ...) after the "
               "row group that brings the current one to this many bytes (0 = one file).")
          .Min(0)
          .Build();
  return schema;
}

inline Status ParseSchemaEntry(const std::string& key, const std::string& name, const Value& type,
                               std::vector<pqw::Field>* fields) {
  if (name.empty()) return ConfigError(key, "a column needs a non-empty name");
  if (!type.is_string()) {
    return ConfigError(key, "the type of column '" + name +
                                "' must be a string such as \"int64\" or \"list<string>\"");
  }
  auto f = pqw::ParseType(type.as_string());
  if (!f.ok()) return ConfigError(key, f.status().message());
  f->name = name;
  fields->push_back(std::move(f).value());
  return Status::Ok();
}

class ParquetExporter final : public Exporter {
 public:
  explicit ParquetExporter(ParquetOutConfig config) : config_(std::move(config)) {}

  Status Init() override {
    if (config_.path.empty()) return ConfigError("path", "must not be empty");
    if (CompressionFromPath(config_.path) != Compression::kNone) {
      return ConfigError("path",
                         "must not end in .gz or .zst: Parquet compresses its pages itself "
                         "(see `compression`)");
    }
    const std::string& c = config_.compression;
    codec_ = c == "none"   ? parquet::Codec::kUncompressed
             : c == "zstd" ? parquet::Codec::kZstd
             : c == "gzip" ? parquet::Codec::kGzip
                           : parquet::Codec::kSnappy;
    if (!config_.schema.is_null()) {
      std::vector<pqw::Field> fields;
      if (config_.schema.is_array()) {
        const Array& a = config_.schema.as_array();
        for (size_t i = 0; i < a.size(); ++i) {
          std::string key = "schema." + std::to_string(i);
          const Value& e = a[i];
          if (!e.is_object()) return ConfigError(key, "must be an object {name, type}");
          for (const auto& [k, v] : e.as_object()) {
            if (k != "name" && k != "type") {
              return ConfigError(key + "." + k, "unknown key; a column has `name` and `type`");
            }
          }
          const Value* name = e.find("name");
          const Value* type = e.find("type");
          if (!name || !name->is_string()) return ConfigError(key + ".name", "must be a string");
          if (!type) return ConfigError(key + ".type", "is required");
          WINNOW_RETURN_IF_ERROR(
              ParseSchemaEntry(key + ".type", name->as_string(), *type, &fields));
        }
      } else if (config_.schema.is_object()) {
        for (const auto& [k, v] : config_.schema.as_object()) {
          WINNOW_RETURN_IF_ERROR(ParseSchemaEntry("schema." + k, k, v, &fields));
        }
      } else {
        return ConfigError("schema",
                           "must be a list of {name, type} entries or a mapping from column "
                           "name to type");
      }
      auto s = pqw::WriterSchema::Make(std::move(fields));
      if (!s.ok()) return ConfigError("schema", s.status().message());
      schema_ = std::make_shared<const pqw::WriterSchema>(std::move(s).value());
      given_ = true;
    }
    enc_.codec = codec_;
    enc_.level = static_cast<int>(config_.compression_level);
    enc_.dictionary = config_.dictionary;
    enc_.ignore_unknown =
        config_.unknown_fields == "drop" || (config_.unknown_fields == "auto" && given_);
    enc_.dictionary_max_bytes = static_cast<uint64_t>(config_.dictionary_max_bytes);
    return Status::Ok();
  }

  Status Open(Context& ctx) override {
    OutputName name = ExporterOutputName(config_.path, ctx.output_dir(), ctx.rank(), ctx.world());
    stem_ = name.stem;
    manifest_ = name.manifest;
    ext_ = name.ext;
    sharded_ = config_.shard_bytes > 0;
    return Status::Ok();
  }

  Status Encode(Batch& batch, std::string& out, Context& ctx) override {
    std::shared_ptr<const pqw::WriterSchema> schema;
    WINNOW_RETURN_IF_ERROR(SchemaFor(batch, ctx, &schema));
    if (!schema) return Status::Ok();  // nothing to write for this batch
    int64_t rejected = 0;
    return pqw::EncodeBatch(*schema, enc_, batch, &out, &rejected);
  }

  Status Write(const Batch& batch, std::string_view encoded, Context& ctx) override {
    (void)batch;
    if (encoded.empty()) return Status::Ok();
    if (!write_schema_) {
      std::lock_guard lock(mu_);
      write_schema_ = schema_;
    }
    pqw::BatchView view;
    WINNOW_RETURN_IF_ERROR(pqw::ParseEncoded(encoded, write_schema_->leaves().size(), &view));
    if (view.num_rows == 0) return Status::Ok();
    if (!writer_) WINNOW_RETURN_IF_ERROR(OpenShard());
    int before = writer_->row_groups();
    WINNOW_RETURN_IF_ERROR(writer_->Add(view));
    row_groups_ += writer_->row_groups() - before;
    if (sharded_ && writer_->file_bytes() >= static_cast<uint64_t>(config_.shard_bytes)) {
      WINNOW_RETURN_IF_ERROR(CloseShard(ctx));
    }
    return Status::Ok();
  }

  Status Commit(Context& ctx) override {
    if (!writer_ && shards_ == 0) {
      if (given_) {
        WINNOW_RETURN_IF_ERROR(OpenShard());  // a valid file with zero rows
      } else {
        std::error_code ec;
        std::filesystem::remove(ShardPath(0), ec);
        ctx.Warn(
            "No row reached the exporter, so no column could be inferred and no file "
            "was written; give `schema:` to get an empty file instead.");
      }
    }
    if (writer_) WINNOW_RETURN_IF_ERROR(CloseShard(ctx));
    if (sharded_ || (!given_ && shards_ == 0)) RemoveStaleShards();
    ctx.Count("rows_written", static_cast<int64_t>(rows_));
    ctx.Count("parquet.row_groups", row_groups_);
    ctx.Count("parquet.files", shards_);
    if (ctx.world() > 1) {
      WINNOW_RETURN_IF_ERROR(WriteRankManifest(ctx.comm(), ctx.rank(), manifest_, written_,
                                               static_cast<int64_t>(rows_)));
    }
    return Status::Ok();
  }

  void Abort(Context&) override {
    if (writer_) writer_->Abort();
    writer_.reset();
  }

  std::vector<std::string> Outputs() const override { return written_; }

 private:
  // The schema for `batch`: the given one, or the inferred one once fixed
  // (see the contract above). Null when the batch has nothing to write.
  Status SchemaFor(Batch& batch, Context& ctx, std::shared_ptr<const pqw::WriterSchema>* out) {
    std::unique_lock lock(mu_);
    while (true) {
      if (schema_) {
        *out = schema_;
        return Status::Ok();
      }
      bool has_rows = false;
      for (size_t i = 0; i < batch.rows.size() && !has_rows; ++i) has_rows = !batch.IsMarked(i);
      if (batch.seq == next_seq_) {
        // If inference throws (out of memory), later batches must not wait forever.
        struct Settle {
          ParquetExporter* self;
          bool armed = true;
          ~Settle() {
            if (!armed) return;
            ++self->next_seq_;
            while (self->settled_.erase(self->next_seq_) > 0) ++self->next_seq_;
            self->cv_.notify_all();
          }
        } settle{this};
        if (has_rows) {
          auto s = pqw::WriterSchema::Make(pqw::InferFields(batch));
          if (s.ok()) {
            schema_ = std::make_shared<const pqw::WriterSchema>(std::move(s).value());
            ctx.Info("Parquet schema inferred from batch " + std::to_string(batch.seq) + ": " +
                     schema_->ToString());
            settle.armed = false;
            cv_.notify_all();
            *out = schema_;
            return Status::Ok();
          }
          for (size_t i = 0; i < batch.rows.size(); ++i) {
            if (batch.IsMarked(i)) continue;
            batch.Fail(i, "parquet:no_columns",
                       "The first rows have no member with a value a column can be inferred "
                       "from; give `schema:` to write such rows.");
          }
        }
        return Status::Ok();  // `settle` moves next_seq_ past this batch
      }
      if (!has_rows) {
        settled_.insert(batch.seq);
        return Status::Ok();
      }
      cv_.wait_for(lock, std::chrono::milliseconds(100));
      if (ctx.cancelled()) return Status::Cancelled("the run is stopping");
    }
  }

  std::string ShardPath(int index) const {
    if (!sharded_) return stem_ + ext_;
    char num[16];
    std::snprintf(num, sizeof(num), "-%05d", index);
    return stem_ + num + ext_;
  }

  Status OpenShard() {
    std::shared_ptr<const pqw::WriterSchema> schema;
    {
      std::lock_guard lock(mu_);
      schema = schema_;
    }
    if (!schema) return Status::Internal("Parquet exporter: no schema when opening a file");
    write_schema_ = schema;
    pqw::WriterOptions o;
    o.codec = codec_;
    o.level = static_cast<int>(config_.compression_level);
    o.row_group_bytes = static_cast<uint64_t>(config_.row_group_bytes);
    o.dictionary = config_.dictionary;
    o.dictionary_max_bytes = static_cast<uint64_t>(config_.dictionary_max_bytes);
    o.created_by = "winnow exporter/parquet 1.0.0";
    writer_ = std::make_unique<pqw::FileWriter>(*write_schema_, std::move(o));
    return writer_->Open(ShardPath(shards_));
  }

  Status CloseShard(Context& ctx) {
    int before = writer_->row_groups();
    WINNOW_RETURN_IF_ERROR(writer_->Finish());
    row_groups_ += writer_->row_groups() - before;
    rows_ += writer_->rows();
    ctx.Count("bytes_written", static_cast<int64_t>(writer_->file_bytes()));
    written_.push_back(writer_->path().string());
    writer_.reset();
    ++shards_;
    return Status::Ok();
  }

  void RemoveStaleShards() {
    for (int i = shards_;; ++i) {
      std::error_code ec;
      if (!std::filesystem::remove(ShardPath(i), ec)) break;
    }
  }

  ParquetOutConfig config_;
  parquet::Codec codec_ = parquet::Codec::kSnappy;
  pqw::EncodeOptions enc_;
  bool given_ = false;

  // Schema inference (guarded by mu_).
  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const pqw::WriterSchema> schema_;
  uint64_t next_seq_ = 0;       // every batch before it settled without fixing the schema
  std::set<uint64_t> settled_;  // later batches that had nothing to infer from

  // Write side (one thread).
  std::shared_ptr<const pqw::WriterSchema> write_schema_;
  std::string stem_, ext_, manifest_;
  bool sharded_ = false;
  std::unique_ptr<pqw::FileWriter> writer_;
  int shards_ = 0;
  int64_t row_groups_ = 0;
  uint64_t rows_ = 0;
  std::vector<std::string> written_;
};

}  // namespace winnow::pqw
