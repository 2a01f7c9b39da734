#include "parquet_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "winnow/value.h"

namespace winnow::parquet {

namespace {

Status ErrnoStatus(const std::string& what) {
  int err = errno;
  if (err == ENOENT) return Status::NotFound(what + ": no such file");
  if (err == EACCES) return Status::PermissionDenied(what + ": permission denied");
  return Status::IOError(what + ": " + std::strerror(err));
}

Status PreadAll(int fd, uint64_t offset, size_t length, uint8_t* out, const std::string& path) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path + ": read failed");
    }
    if (n == 0) {
      return Status::IOError(path + ": the file ended while reading " + std::to_string(length) +
                             " bytes at offset " + std::to_string(offset) +
                             " (was it truncated while being read?)");
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

const char kEncrypted[] =
    "the file is encrypted with Parquet Modular Encryption; winnow cannot read encrypted Parquet "
    "files (decrypt it first)";

}  // namespace

ParquetFile::~ParquetFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status ParquetFile::Annotate(const Status& st) const {
  if (st.ok()) return st;
  return Status(st.code(), path_ + ": " + st.message());
}

Result<std::unique_ptr<ParquetFile>> ParquetFile::Open(const std::string& path) {
  std::unique_ptr<ParquetFile> f(new ParquetFile());
  f->path_ = path;
  f->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f->fd_ < 0) return ErrnoStatus(path);
  struct stat st;
  if (::fstat(f->fd_, &st) != 0) return ErrnoStatus(path);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + ": not a regular file");
  f->size_ = static_cast<uint64_t>(st.st_size);
  if (f->size_ < 12) {
    return Status::Corruption(path + ": " + std::to_string(f->size_) +
                              " bytes is too small to be a Parquet file (at least 12 are needed "
                              "for the magic bytes and footer length)");
  }
  uint8_t head[4], tail[8];
  WINNOW_RETURN_IF_ERROR(PreadAll(f->fd_, 0, 4, head, path));
  WINNOW_RETURN_IF_ERROR(PreadAll(f->fd_, f->size_ - 8, 8, tail, path));
  if (std::memcmp(tail + 4, "PARE", 4) == 0 || std::memcmp(head, "PARE", 4) == 0) {
    return Status::Unimplemented(path + ": " + kEncrypted);
  }
  if (std::memcmp(head, "PAR1", 4) != 0) {
    return Status::Corruption(path +
                              ": not a Parquet file (it does not start with the PAR1 magic)");
  }
  if (std::memcmp(tail + 4, "PAR1", 4) != 0) {
    return Status::Corruption(path +
                              ": the file does not end with the PAR1 magic; it is truncated or "
                              "not a complete Parquet file");
  }
  uint32_t footer_len;
  std::memcpy(&footer_len, tail, 4);
  if (footer_len > f->size_ - 12) {
    return Status::Corruption(path + ": the footer length " + std::to_string(footer_len) +
                              " exceeds the file size (" + std::to_string(f->size_) +
                              " bytes); the file is truncated or corrupt");
  }
  if (footer_len > kMaxFooterBytes) {
    return Status::Corruption(path + ": the footer length " + std::to_string(footer_len) +
                              " is above the limit of " + std::to_string(kMaxFooterBytes) +
                              " bytes");
  }
  if (footer_len == 0) return Status::Corruption(path + ": the footer is empty");
  f->data_end_ = f->size_ - 8 - footer_len;
  std::string footer(footer_len, '\0');
  WINNOW_RETURN_IF_ERROR(
      PreadAll(f->fd_, f->data_end_, footer_len, reinterpret_cast<uint8_t*>(footer.data()), path));
  auto meta = ParseFileMetaData(footer);
  if (!meta.ok()) return f->Annotate(meta.status());
  f->meta_ = std::move(meta).value();
  if (f->meta_.has_encryption_algorithm) {
    return Status::Unimplemented(path + ": " + kEncrypted);
  }
  auto schema = Schema::Build(f->meta_.schema);
  if (!schema.ok()) return f->Annotate(schema.status());
  f->schema_ = std::move(schema).value();
  const size_t ncols = f->schema_.num_columns();
  for (size_t g = 0; g < f->meta_.row_groups.size(); ++g) {
    const RowGroup& rg = f->meta_.row_groups[g];
    if (rg.columns.size() != ncols) {
      return Status::Corruption(
          path + ": row group " + std::to_string(g) + " has " + std::to_string(rg.columns.size()) +
          " column chunks but the schema has " + std::to_string(ncols) + " columns");
    }
    for (const ColumnChunk& c : rg.columns) {
      if (c.has_crypto_metadata || c.has_encrypted_metadata) {
        return Status::Unimplemented(path + ": " + kEncrypted);
      }
    }
  }
  return f;
}

Status ParquetFile::ChunkRange(size_t g, size_t col, uint64_t* offset, uint64_t* length) const {
  const ColumnChunk& c = meta_.row_groups[g].columns[col];
  const std::string where =
      "row group " + std::to_string(g) + ", column '" + schema_.leaf(col).path + "'";
  if (c.file_path && !c.file_path->empty()) {
    return Status::Unimplemented(path_ + ": " + where + " is stored in another file ('" +
                                 *c.file_path + "'), which is not supported");
  }
  if (!c.meta_data) {
    return Status::Corruption(path_ + ": " + where + " has no column metadata");
  }
  const ColumnMetaData& m = *c.meta_data;
  int64_t start = m.data_page_offset;
  if (m.dictionary_page_offset && *m.dictionary_page_offset >= 4 &&
      *m.dictionary_page_offset < start) {
    start = *m.dictionary_page_offset;
  }
  int64_t len = m.total_compressed_size;
  if (start < 4 || len <= 0 || static_cast<uint64_t>(start) >= data_end_ ||
      static_cast<uint64_t>(len) > data_end_ - static_cast<uint64_t>(start)) {
    return Status::Corruption(path_ + ": " + where + " claims bytes [" + std::to_string(start) +
                              ", " + std::to_string(start) + " + " + std::to_string(len) +
                              ") which lie outside the file's data area (bytes 4 to " +
                              std::to_string(data_end_) + ")");
  }
  *offset = static_cast<uint64_t>(start);
  *length = static_cast<uint64_t>(len);
  return Status::Ok();
}

Status ParquetFile::ReadAt(uint64_t offset, uint64_t length, ByteBuffer* out) const {
  out->Resize(static_cast<size_t>(length));
  return PreadAll(fd_, offset, static_cast<size_t>(length), out->data(), path_);
}

// ---------------------------------------------------------------------------

RowReader::~RowReader() = default;

Result<std::unique_ptr<RowReader>> RowReader::Open(const std::string& path,
                                                   const RowReaderOptions& options) {
  std::unique_ptr<RowReader> r(new RowReader());
  r->options_ = options;
  WINNOW_ASSIGN_OR_RETURN(r->file_, ParquetFile::Open(path));
  const Schema& schema = r->file_->schema();
  std::vector<int> fields;
  const auto& top = schema.root().children;
  if (options.columns.empty()) {
    fields = top;
  } else {
    for (const auto& name : options.columns) {
      int found = -1;
      for (int child : top) {
        if (schema.node(child).name == name) {
          found = child;
          break;
        }
      }
      if (found < 0) {
        std::string names;
        for (int child : top) names += (names.empty() ? "" : ", ") + schema.node(child).name;
        return Status::InvalidArgument(path + ": no column named '" + name +
                                       "' (the file has: " + names + ")");
      }
      fields.push_back(found);
    }
  }
  JsonOptions json = options.json;
  // GeoParquet: {"columns": {"geometry": {"encoding": "WKB", ...}}} in the "geo" key.
  for (const auto& kv : r->file_->metadata().key_value_metadata) {
    if (kv.key != "geo" || !kv.value) continue;
    auto geo = Value::Parse(*kv.value);
    if (!geo.ok()) break;  // not our business to refuse the file for it
    const Value* cols = geo->find("columns");
    if (!cols || !cols->is_object()) break;
    for (const auto& [name, spec] : cols->as_object()) {
      const Value* enc = spec.find("encoding");
      if (enc && enc->is_string() && (enc->as_string() == "WKB" || enc->as_string() == "wkb")) {
        json.wkb_columns.push_back(name);
      }
    }
  }
  auto a = RowAssembler::Build(schema, fields, json);
  if (!a.ok()) return r->file_->Annotate(a.status());
  r->assembler_ = std::move(a).value();
  return r;
}

Status RowReader::StartRowGroup(size_t g) {
  const auto& meta = file_->metadata();
  if (g >= meta.row_groups.size()) {
    return Status::InvalidArgument(file_->path() + ": no row group " + std::to_string(g));
  }
  for (const auto& rd : readers_) pages_done_ += rd->pages_read();
  readers_.clear();
  row_group_ = g;
  const RowGroup& rg = meta.row_groups[g];
  if (rg.num_rows == 0) {
    // Nothing to read (some writers leave such row groups with bogus offsets).
    assembler_->Reset({}, 0);
    return Status::Ok();
  }
  const auto& cols = assembler_->columns();
  chunks_.resize(cols.size());
  std::vector<ColumnChunkReader*> raw;
  for (size_t i = 0; i < cols.size(); ++i) {
    uint64_t offset = 0, length = 0;
    WINNOW_RETURN_IF_ERROR(file_->ChunkRange(g, cols[i], &offset, &length));
    WINNOW_RETURN_IF_ERROR(file_->ReadAt(offset, length, &chunks_[i]));
    bytes_read_ += length;
    auto reader = std::make_unique<ColumnChunkReader>(file_->schema().leaf(cols[i]),
                                                      *rg.columns[cols[i]].meta_data,
                                                      chunks_[i].view(), options_.verify_checksums);
    Status st = reader->Init();
    if (!st.ok()) {
      return file_->Annotate(st.WithContext("row group " + std::to_string(g)));
    }
    raw.push_back(reader.get());
    readers_.push_back(std::move(reader));
  }
  assembler_->Reset(std::move(raw), rg.num_rows);
  return Status::Ok();
}

Result<size_t> RowReader::ReadRows(size_t max_rows, std::string* out, std::vector<size_t>* row_ends,
                                   std::vector<RowIssue>* issues) {
  auto n = assembler_->ReadRows(max_rows, out, row_ends, issues);
  if (!n.ok()) {
    return file_->Annotate(n.status().WithContext("row group " + std::to_string(row_group_)));
  }
  return n;
}

uint64_t RowReader::pages_read() const {
  uint64_t n = pages_done_;
  for (const auto& rd : readers_) n += rd->pages_read();
  return n;
}

}  // namespace winnow::parquet
