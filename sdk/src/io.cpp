#include "winnow/io.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <zlib.h>
#include <zstd.h>

namespace winnow {

namespace fs = std::filesystem;

namespace {

std::string Errno(const fs::path& path, std::string_view what) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}

constexpr size_t kReadChunk = 4 << 20;

class FileReader {
 public:
  ~FileReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Open(const fs::path& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      return errno == ENOENT ? Status::NotFound(Errno(path, "cannot open"))
                             : Status::IOError(Errno(path, "cannot open"));
    }
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Status::IOError(Errno(path, "cannot stat"));
    if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path.string() + " is a directory");
    size_ = static_cast<uint64_t>(st.st_size);
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    return Status::Ok();
  }
  // Appends up to n bytes to out.
  Result<size_t> ReadInto(std::string& out, size_t n) {
    size_t old = out.size();
    out.resize(old + n);
    auto got = ReadTo(out.data() + old, n);
    out.resize(old + (got.ok() ? *got : 0));
    return got;
  }
  // Reads up to n bytes into dst (short only at the end of the file).
  Result<size_t> ReadTo(char* dst, size_t n) {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::read(fd_, dst + got, n - got);
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::IOError(Errno(path_, "cannot read"));
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    consumed_ += got;
    return got;
  }
  Status SeekTo(uint64_t offset) {
    if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
      return Status::IOError(Errno(path_, "cannot seek in"));
    }
    consumed_ = offset;
    return Status::Ok();
  }
  uint64_t size() const { return size_; }
  uint64_t consumed() const { return consumed_; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  int fd_ = -1;
  uint64_t size_ = 0, consumed_ = 0;
};

class PlainStream final : public InputStream {
 public:
  explicit PlainStream(std::unique_ptr<FileReader> f) : file_(std::move(f)) {}
  Result<size_t> ReadTo(char* dst, size_t max_bytes) override {
    return file_->ReadTo(dst, max_bytes);
  }
  Status SeekTo(uint64_t offset) override { return file_->SeekTo(offset); }
  uint64_t bytes_consumed() const override { return file_->consumed(); }
  uint64_t file_size() const override { return file_->size(); }
  Compression compression() const override { return Compression::kNone; }

 private:
  std::unique_ptr<FileReader> file_;
};

class GzipStream final : public InputStream {
 public:
  explicit GzipStream(std::unique_ptr<FileReader> f) : file_(std::move(f)) {
    std::memset(&z_, 0, sizeof(z_));
    inflateInit2(&z_, 15 + 32);  // gzip or zlib header, auto-detected
  }
  ~GzipStream() override { inflateEnd(&z_); }
  Result<size_t> ReadTo(char* dst, size_t max_bytes) override {
    if (!pending_error_.ok() && finished_) return pending_error_;
    size_t produced = 0;
    while (produced < max_bytes && !finished_) {
      if (in_pos_ == in_.size()) {
        in_.clear();
        in_pos_ = 0;
        auto got = file_->ReadInto(in_, kReadChunk);
        if (!got.ok()) return got.status();
        if (*got == 0) {
          if (!at_member_end_) {
            // Hand out what was decoded; report the truncation on the next call.
            pending_error_ = Status::Corruption(
                file_->path().string() + " is truncated: the gzip stream ends before its trailer");
            finished_ = true;
            break;
          }
          finished_ = true;
          break;
        }
      }
      if (at_member_end_) {
        // Concatenated gzip members: start the next one.
        inflateReset(&z_);
        at_member_end_ = false;
      }
      z_.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
      z_.avail_in = static_cast<uInt>(in_.size() - in_pos_);
      z_.next_out = reinterpret_cast<Bytef*>(dst + produced);
      z_.avail_out = static_cast<uInt>(max_bytes - produced);
      int rc = inflate(&z_, Z_NO_FLUSH);
      size_t used = (in_.size() - in_pos_) - z_.avail_in;
      in_pos_ += used;
      produced = max_bytes - z_.avail_out;
      if (rc == Z_STREAM_END) {
        at_member_end_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Status::Corruption(file_->path().string() + " is not valid gzip data: " +
                                  (z_.msg ? z_.msg : "inflate failed"));
      }
    }
    if (produced == 0 && !pending_error_.ok()) return pending_error_;
    return produced;
  }
  uint64_t bytes_consumed() const override { return file_->consumed(); }
  uint64_t file_size() const override { return file_->size(); }
  Compression compression() const override { return Compression::kGzip; }

 private:
  Status pending_error_;
  std::unique_ptr<FileReader> file_;
  z_stream z_;
  std::string in_;
  size_t in_pos_ = 0;
  bool at_member_end_ = false, finished_ = false;
};

class ZstdStream final : public InputStream {
 public:
  explicit ZstdStream(std::unique_ptr<FileReader> f)
      : file_(std::move(f)), dctx_(ZSTD_createDCtx()) {}
  ~ZstdStream() override { ZSTD_freeDCtx(dctx_); }
  Result<size_t> ReadTo(char* dst, size_t max_bytes) override {
    if (!pending_error_.ok() && finished_) {
      Status st = pending_error_;
      return st;
    }
    ZSTD_outBuffer ob{dst, max_bytes, 0};
    while (ob.pos < ob.size && !finished_) {
      if (in_pos_ == in_.size()) {
        in_.clear();
        in_pos_ = 0;
        auto got = file_->ReadInto(in_, kReadChunk);
        if (!got.ok()) return got.status();
        if (*got == 0) {
          if (frame_open_) {
            pending_error_ = Status::Corruption(file_->path().string() +
                                                " is truncated: the zstd frame is incomplete");
            finished_ = true;
            break;
          }
          finished_ = true;
          break;
        }
      }
      ZSTD_inBuffer ib{in_.data(), in_.size(), in_pos_};
      size_t rc = ZSTD_decompressStream(dctx_, &ob, &ib);
      in_pos_ = ib.pos;
      if (ZSTD_isError(rc)) {
        return Status::Corruption(file_->path().string() +
                                  " is not valid zstd data: " + ZSTD_getErrorName(rc));
      }
      frame_open_ = rc != 0;
    }
    if (ob.pos == 0 && !pending_error_.ok()) return pending_error_;
    return ob.pos;
  }
  uint64_t bytes_consumed() const override { return file_->consumed(); }
  uint64_t file_size() const override { return file_->size(); }
  Compression compression() const override { return Compression::kZstd; }

 private:
  Status pending_error_;
  std::unique_ptr<FileReader> file_;
  ZSTD_DCtx* dctx_;
  std::string in_;
  size_t in_pos_ = 0;
  bool frame_open_ = false, finished_ = false;
};

}  // namespace

Status InputStream::SeekTo(uint64_t offset) {
  (void)offset;
  return Status::Unimplemented("cannot seek in a compressed stream");
}

Result<size_t> InputStream::Read(std::string& out, size_t max_bytes) {
  if (compression() == Compression::kNone) {
    // Do not grow (and zero-fill) the buffer past what the file still holds.
    uint64_t left = file_size() > bytes_consumed() ? file_size() - bytes_consumed() : 0;
    max_bytes = static_cast<size_t>(std::min<uint64_t>(max_bytes, left + 1));
  }
  size_t old = out.size();
  out.resize(old + max_bytes);
  auto got = ReadTo(out.data() + old, max_bytes);
  out.resize(old + (got.ok() ? *got : 0));
  return got;
}

Compression CompressionFromPath(const fs::path& path) {
  std::string ext = path.extension().string();
  if (ext == ".gz" || ext == ".gzip") return Compression::kGzip;
  if (ext == ".zst" || ext == ".zstd") return Compression::kZstd;
  return Compression::kNone;
}

Result<std::unique_ptr<InputStream>> InputStream::Open(const fs::path& path) {
  auto file = std::make_unique<FileReader>();
  WINNOW_RETURN_IF_ERROR(file->Open(path));
  // Sniff the magic bytes with pread so the stream still starts at offset 0.
  unsigned char magic[4] = {0, 0, 0, 0};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? ::pread(fd, magic, 4, 0) : -1;
  if (fd >= 0) ::close(fd);
  Compression by_ext = CompressionFromPath(path);
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    return std::unique_ptr<InputStream>(new GzipStream(std::move(file)));
  }
  if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
    return std::unique_ptr<InputStream>(new ZstdStream(std::move(file)));
  }
  if (by_ext != Compression::kNone) {
    if (file->size() == 0) {
      return Status::Corruption(path.string() + " is empty, but its extension says it is " +
                                (by_ext == Compression::kGzip ? "gzip" : "zstd") + "-compressed");
    }
    return Status::Corruption(path.string() + " does not start with the " +
                              (by_ext == Compression::kGzip ? "gzip" : "zstd") +
                              " magic bytes its extension promises");
  }
  return std::unique_ptr<InputStream>(new PlainStream(std::move(file)));
}

Result<std::string> ReadFile(const fs::path& path, uint64_t max_bytes) {
  auto in = InputStream::Open(path);
  if (!in.ok()) return in.status();
  std::string out;
  while (true) {
    auto got = (*in)->Read(out, kReadChunk);
    if (!got.ok()) return got.status();
    if (*got == 0) break;
    if (out.size() > max_bytes) {
      return Status::InvalidArgument(path.string() + " is larger than the limit of " +
                                     std::to_string(max_bytes) + " bytes");
    }
  }
  return out;
}

class AtomicFile::Encoder {
 public:
  virtual ~Encoder() = default;
  // Compresses `in` (finish: flush the end of stream) appending to out.
  virtual Status Encode(std::string_view in, bool finish, std::string& out) = 0;
};

namespace {

class GzipEncoder final : public AtomicFile::Encoder {
 public:
  explicit GzipEncoder(int level) {
    std::memset(&z_, 0, sizeof(z_));
    // zlib levels are 1-9; anything above is clamped rather than failing later.
    deflateInit2(&z_, level <= 0 ? 6 : std::min(level, 9), Z_DEFLATED, 15 + 16, 8,
                 Z_DEFAULT_STRATEGY);
  }
  ~GzipEncoder() override { deflateEnd(&z_); }
  Status Encode(std::string_view in, bool finish, std::string& out) override {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    int flush = finish ? Z_FINISH : Z_NO_FLUSH;
    while (true) {
      size_t old = out.size();
      size_t room = 1 << 16;
      out.resize(old + room);
      z_.next_out = reinterpret_cast<Bytef*>(out.data() + old);
      z_.avail_out = static_cast<uInt>(room);
      int rc = deflate(&z_, flush);
      out.resize(old + room - z_.avail_out);
      if (rc == Z_STREAM_ERROR) return Status::Internal("gzip compression failed");
      if (finish ? rc == Z_STREAM_END : (z_.avail_in == 0 && z_.avail_out != 0)) break;
    }
    return Status::Ok();
  }

 private:
  z_stream z_;
};

class ZstdEncoder final : public AtomicFile::Encoder {
 public:
  explicit ZstdEncoder(int level) : cctx_(ZSTD_createCCtx()) {
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, level == 0 ? 3 : level);
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);
  }
  ~ZstdEncoder() override { ZSTD_freeCCtx(cctx_); }
  Status Encode(std::string_view in, bool finish, std::string& out) override {
    ZSTD_inBuffer ib{in.data(), in.size(), 0};
    ZSTD_EndDirective mode = finish ? ZSTD_e_end : ZSTD_e_continue;
    while (true) {
      size_t old = out.size();
      size_t room = ZSTD_CStreamOutSize();
      out.resize(old + room);
      ZSTD_outBuffer ob{out.data() + old, room, 0};
      size_t rc = ZSTD_compressStream2(cctx_, &ob, &ib, mode);
      out.resize(old + ob.pos);
      if (ZSTD_isError(rc)) {
        return Status::Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(rc));
      }
      if (finish ? rc == 0 : ib.pos == ib.size) break;
    }
    return Status::Ok();
  }

 private:
  ZSTD_CCtx* cctx_;
};

}  // namespace

namespace {
// Removes "<name>.tmp-<pid>" siblings of `path` left by processes that died
// (killed runs cannot clean up); a temporary of a live process is kept.
void RemoveStaleTemporaries(const fs::path& path) {
  const std::string prefix = path.filename().string() + ".tmp-";
  std::error_code ec;
  fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid == ::getpid() || pid <= 0) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
    std::error_code rm;
    fs::remove(it->path(), rm);
  }
}
}  // namespace

Result<std::unique_ptr<AtomicFile>> AtomicFile::Create(const fs::path& path, int level) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (!ec) RemoveStaleTemporaries(path);
  if (ec) {
    return Status::IOError("cannot create directory " + path.parent_path().string() + ": " +
                           ec.message());
  }
  std::unique_ptr<AtomicFile> f(new AtomicFile());
  f->path_ = path;
  f->temp_path_ = path;
  f->temp_path_ += ".tmp-" + std::to_string(::getpid());
  f->fd_ = ::open(f->temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f->fd_ < 0) return Status::IOError(Errno(f->temp_path_, "cannot create"));
  switch (CompressionFromPath(path)) {
    case Compression::kGzip:
      f->encoder_ = std::make_unique<GzipEncoder>(level);
      break;
    case Compression::kZstd:
      f->encoder_ = std::make_unique<ZstdEncoder>(level);
      break;
    case Compression::kNone:
      break;
  }
  return f;
}

AtomicFile::~AtomicFile() {
  Abort();
}

Status AtomicFile::WriteRaw(const char* data, size_t size) {
  while (size > 0) {
    ssize_t w = ::write(fd_, data, size);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(Errno(temp_path_, "cannot write"));
    }
    data += w;
    size -= static_cast<size_t>(w);
    file_bytes_ += static_cast<uint64_t>(w);
  }
  StartWriteback();
  return Status::Ok();
}

// Asks the kernel to start writing back what is written so far, every 32 MB,
// so the fsync in Commit() does not wait for the whole file at once. Advisory:
// errors are ignored (they surface at fsync).
void AtomicFile::StartWriteback() {
  constexpr uint64_t kWritebackBytes = 32 << 20;
  if (file_bytes_ - synced_bytes_ < kWritebackBytes) return;
  ::sync_file_range(fd_, static_cast<off_t>(synced_bytes_),
                    static_cast<off_t>(file_bytes_ - synced_bytes_), SYNC_FILE_RANGE_WRITE);
  synced_bytes_ = file_bytes_;
}

Status AtomicFile::WriteV(const std::string_view* pieces, size_t count) {
  if (done_) return Status::Internal("write after commit/abort of " + path_.string());
  if (encoder_) {
    for (size_t i = 0; i < count; ++i) WINNOW_RETURN_IF_ERROR(Write(pieces[i]));
    return Status::Ok();
  }
  constexpr size_t kMaxIov = 1024;
  struct iovec iov[kMaxIov];
  size_t i = 0;
  while (i < count) {
    size_t n = 0;
    size_t bytes = 0;
    for (; i + n < count && n < kMaxIov; ++n) {
      iov[n].iov_base = const_cast<char*>(pieces[i + n].data());
      iov[n].iov_len = pieces[i + n].size();
      bytes += pieces[i + n].size();
    }
    bytes_written_ += bytes;
    size_t first = 0;  // resume a partial writev
    while (first < n) {
      ssize_t w = ::writev(fd_, iov + first, static_cast<int>(n - first));
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::IOError(Errno(temp_path_, "cannot write"));
      }
      file_bytes_ += static_cast<uint64_t>(w);
      size_t left = static_cast<size_t>(w);
      while (first < n && left >= iov[first].iov_len) left -= iov[first++].iov_len;
      if (first < n) {
        iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
        iov[first].iov_len -= left;
      }
    }
    i += n;
  }
  StartWriteback();
  return Status::Ok();
}

Status AtomicFile::Write(std::string_view bytes) {
  if (done_) return Status::Internal("write after commit/abort of " + path_.string());
  bytes_written_ += bytes.size();
  if (!encoder_) return WriteRaw(bytes.data(), bytes.size());
  std::string compressed;
  WINNOW_RETURN_IF_ERROR(encoder_->Encode(bytes, false, compressed));
  return WriteRaw(compressed.data(), compressed.size());
}

Status AtomicFile::Commit() {
  if (done_) return Status::Internal("double commit of " + path_.string());
  if (encoder_) {
    std::string tail;
    WINNOW_RETURN_IF_ERROR(encoder_->Encode({}, true, tail));
    WINNOW_RETURN_IF_ERROR(WriteRaw(tail.data(), tail.size()));
  }
  if (::fsync(fd_) != 0) return Status::IOError(Errno(temp_path_, "cannot fsync"));
  if (::close(fd_) != 0) {
    fd_ = -1;
    return Status::IOError(Errno(temp_path_, "cannot close"));
  }
  fd_ = -1;
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return Status::IOError(Errno(path_, "cannot rename into"));
  }
  done_ = true;
  return Status::Ok();
}

void AtomicFile::Abort() {
  if (done_) return;
  done_ = true;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_path_.c_str());
}

Status WriteFileAtomic(const fs::path& path, std::string_view bytes) {
  auto f = AtomicFile::Create(path);
  if (!f.ok()) return f.status();
  WINNOW_RETURN_IF_ERROR((*f)->Write(bytes));
  return (*f)->Commit();
}

}  // namespace winnow
