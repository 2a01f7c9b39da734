// winnow/io.h — reading and writing files, compressed or not, safely.
//
// InputStream reads a file in large chunks (default 4 MB, into a reused
// buffer), decompressing gzip (.gz) or zstd (.zst) transparently; the format is
// chosen by magic bytes, not by extension. Errors name the path: a truncated
// compressed file is an error, never a silent short read.
//
// AtomicFile writes to "<path>.tmp-<pid>" and renames to `path` on Commit();
// Abort() (or destruction without Commit) removes the temporary, so a reader
// never sees a partial file under the final name. Create() also removes
// "<path>.tmp-<pid>" files of processes that no longer exist (a killed run's). Compression follows the
// path's extension (.gz, .zst). Neither class is thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "winnow/status.h"

namespace winnow {

enum class Compression { kNone, kGzip, kZstd };

// From the extension (.gz/.gzip, .zst/.zstd); kNone otherwise.
Compression CompressionFromPath(const std::filesystem::path& path);

class InputStream {
 public:
  virtual ~InputStream() = default;
  // Opens `path`; detects gzip/zstd by magic bytes.
  static Result<std::unique_ptr<InputStream>> Open(const std::filesystem::path& path);

  // Reads up to `max_bytes` decompressed bytes, appending to `out`. Returns
  // the number appended; 0 means end of input. Corruption for broken or
  // truncated compressed data.
  Result<size_t> Read(std::string& out, size_t max_bytes);

  // The same into caller memory of at least `max_bytes` (no zero-filling of a
  // growing string: for callers that recycle their buffers).
  virtual Result<size_t> ReadTo(char* dst, size_t max_bytes) = 0;

  // Continues reading at byte `offset` of an uncompressed file (for readers of
  // byte ranges); NotSupported for compressed streams.
  virtual Status SeekTo(uint64_t offset);

  // Compressed bytes consumed so far and the file size (for progress).
  virtual uint64_t bytes_consumed() const = 0;
  virtual uint64_t file_size() const = 0;
  virtual Compression compression() const = 0;
};

// Reads a whole (possibly compressed) file. Refuses files above `max_bytes`.
Result<std::string> ReadFile(const std::filesystem::path& path, uint64_t max_bytes = UINT64_C(1)
                                                                                     << 34);

class AtomicFile {
 public:
  // Creates parent directories; opens the temporary. `level` is the
  // compression level (0 = library default).
  static Result<std::unique_ptr<AtomicFile>> Create(const std::filesystem::path& path,
                                                    int level = 0);
  // Removes the temporary unless committed.
  ~AtomicFile();

  Status Write(std::string_view bytes);
  // Writes the pieces in order (one writev per up to 1024 pieces when not
  // compressing): lets an exporter write records straight from their arenas.
  Status WriteV(const std::string_view* pieces, size_t count);
  // Flushes, fsyncs and renames into place.
  Status Commit();
  void Abort();

  const std::filesystem::path& path() const { return path_; }
  uint64_t bytes_written() const { return bytes_written_; }  // before compression

  class Encoder;  // compression backend (internal)

 private:
  AtomicFile() = default;
  Status WriteRaw(const char* data, size_t size);
  void StartWriteback();
  std::filesystem::path path_, temp_path_;
  int fd_ = -1;
  bool done_ = false;
  uint64_t bytes_written_ = 0;
  uint64_t file_bytes_ = 0, synced_bytes_ = 0;  // on disk (after compression)
  std::unique_ptr<Encoder> encoder_;
};

// Writes `bytes` to `path` atomically (temp + rename).
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view bytes);

}  // namespace winnow
