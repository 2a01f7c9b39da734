#include "parquet_writer.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "parquet_codec.h"
#include "parquet_encoding.h"

namespace winnow::pqw {

namespace {

// A column chunk's dictionary: PLAIN entries plus an open-addressing table
// keyed by the entries' Hash64 (equal hashes are confirmed byte for byte).
class Dict {
 public:
  uint32_t count() const { return static_cast<uint32_t>(offsets_.size() - 1); }
  size_t plain_bytes() const { return plain_.size(); }
  const std::string& plain() const { return plain_; }
  std::string_view Entry(uint32_t i) const {
    return std::string_view(plain_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  // Index of `key`, or -1.
  int64_t Find(uint64_t hash, std::string_view key) const {
    if (slots_.empty()) return -1;
    for (size_t s = hash & mask_;; s = (s + 1) & mask_) {
      const Slot& slot = slots_[s];
      if (slot.index == 0) return -1;
      if (slot.hash == hash && Entry(slot.index - 1) == key) return slot.index - 1;
    }
  }
  uint32_t Insert(uint64_t hash, std::string_view key) {
    if ((count() + 1) * 2 > slots_.size()) Grow();
    plain_.append(key);
    offsets_.push_back(static_cast<uint32_t>(plain_.size()));
    uint32_t index = count();  // 1-based in the table
    Place(hash, index);
    return index - 1;
  }
  void Clear() {
    plain_.clear();
    offsets_.assign(1, 0);
    slots_.clear();
    mask_ = 0;
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t index = 0;  // 1-based; 0 = empty
  };
  void Place(uint64_t hash, uint32_t index) {
    size_t s = hash & mask_;
    while (slots_[s].index != 0) s = (s + 1) & mask_;
    slots_[s] = Slot{hash, index};
  }
  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    size_t n = std::max<size_t>(64, old.size() * 2);
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    for (const Slot& s : old) {
      if (s.index != 0) Place(s.hash, s.index);
    }
  }
  std::string plain_;
  std::vector<uint32_t> offsets_{0};
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace

struct FileWriter::Chunk {
  std::string pages;  // serialised data pages (header + body)
  Dict dict;
  bool dict_open = true;  // still adding dictionary pages
  int dict_pages = 0, plain_pages = 0;
  int64_t num_values = 0;
  int64_t uncompressed = 0;  // data pages, headers included
  bool stats = false, has_minmax = false;
  int64_t null_count = 0;
  std::string min, max;

  void Reset(bool dictionary) {
    // Capacity is kept for the next row group (first-touch of fresh memory is
    // slow); it never exceeds one row group's compressed pages.
    pages.clear();
    dict.Clear();
    dict_open = dictionary;
    dict_pages = plain_pages = 0;
    num_values = 0;
    uncompressed = 0;
    stats = has_minmax = false;
    null_count = 0;
    min.clear();
    max.clear();
  }
};

FileWriter::FileWriter(const WriterSchema& schema, WriterOptions options)
    : schema_(schema), options_(std::move(options)) {
  for (size_t i = 0; i < schema_.leaves().size(); ++i) {
    chunks_.push_back(std::make_unique<Chunk>());
    chunks_.back()->Reset(options_.dictionary && schema_.leaves()[i].kind != Kind::kBool);
  }
}

FileWriter::~FileWriter() {
  Abort();
}

Status FileWriter::Open(const std::filesystem::path& path) {
  path_ = path;
  auto f = AtomicFile::Create(path);
  if (!f.ok()) return f.status();
  file_ = std::move(f).value();
  offset_ = 0;
  return WriteBytes("PAR1");
}

Status FileWriter::WriteBytes(std::string_view bytes) {
  WINNOW_RETURN_IF_ERROR(file_->Write(bytes));
  offset_ += bytes.size();
  return Status::Ok();
}

namespace {

Status AppendPage(parquet::PageHeader header, size_t uncompressed_size, std::string_view body,
                  std::string* out, int64_t* uncompressed_total) {
  if (uncompressed_size > static_cast<size_t>(std::numeric_limits<int32_t>::max()) ||
      body.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Status::InvalidArgument(
        "a Parquet page would exceed 2 GiB; write smaller batches (batch_size)");
  }
  header.uncompressed_page_size = static_cast<int32_t>(uncompressed_size);
  header.compressed_page_size = static_cast<int32_t>(body.size());
  size_t before = out->size();
  parquet::SerializePageHeader(header, out);
  *uncompressed_total += static_cast<int64_t>(out->size() - before + uncompressed_size);
  out->append(body);
  return Status::Ok();
}

parquet::PageHeader DataPageHeader(uint32_t num_levels, parquet::Encoding encoding) {
  parquet::PageHeader h;
  h.type = parquet::PageType::kDataPage;
  parquet::DataPageHeader d;
  d.num_values = static_cast<int32_t>(num_levels);
  d.encoding = encoding;
  d.definition_level_encoding = parquet::Encoding::kRle;
  d.repetition_level_encoding = parquet::Encoding::kRle;
  h.data_page_header = d;
  return h;
}

}  // namespace

Status FileWriter::Add(const BatchView& batch) {
  if (batch.columns.size() != chunks_.size()) {
    return Status::Internal("Parquet writer: batch does not match the schema");
  }
  if (batch.num_rows == 0) return Status::Ok();
  std::vector<uint32_t> map, idx;
  std::string body, z;
  for (size_t ci = 0; ci < chunks_.size(); ++ci) {
    Chunk& ch = *chunks_[ci];
    const PageView& p = batch.columns[ci];
    const Leaf& leaf = schema_.leaves()[ci];
    bool as_dict = false;
    if (ch.dict_open && p.has_dict) {
      // Merge the page's dictionary; new entries only if the chunk's stays in budget.
      map.assign(p.dict_count, 0);
      size_t added = 0;
      for (uint32_t j = 0; j < p.dict_count; ++j) {
        int64_t g = ch.dict.Find(p.DictHash(j), p.DictEntry(j));
        if (g < 0) {
          map[j] = UINT32_MAX;
          added += p.DictEntry(j).size();
        } else {
          map[j] = static_cast<uint32_t>(g);
        }
      }
      if (ch.dict.plain_bytes() + added <= options_.dictionary_max_bytes) {
        for (uint32_t j = 0; j < p.dict_count; ++j) {
          if (map[j] == UINT32_MAX) map[j] = ch.dict.Insert(p.DictHash(j), p.DictEntry(j));
        }
        as_dict = true;
      } else {
        ch.dict_open = false;
      }
    } else if (ch.dict_open && p.num_values > 0) {
      ch.dict_open = false;  // a page without a local dictionary (not expected)
    }
    if (as_dict) {
      idx.resize(p.num_values);
      for (uint32_t i = 0; i < p.num_values; ++i) idx[i] = map[p.Index(i)];
      int bw = std::max(1, parquet::BitWidth(ch.dict.count() > 0 ? ch.dict.count() - 1 : 0));
      body.assign(p.levels);
      body.push_back(static_cast<char>(bw));
      parquet::EncodeRleBitPacked(idx.data(), idx.size(), bw, &body);
      z.clear();
      WINNOW_RETURN_IF_ERROR(parquet::Compress(options_.codec, body, &z, options_.level));
      WINNOW_RETURN_IF_ERROR(
          AppendPage(DataPageHeader(p.num_levels, parquet::Encoding::kRleDictionary), body.size(),
                     z, &ch.pages, &ch.uncompressed));
      ++ch.dict_pages;
    } else {
      size_t usize = p.levels.size() + p.values_size;
      std::string_view compressed;
      if (p.has_compressed) {
        compressed = p.compressed;
      } else if (options_.codec == parquet::Codec::kUncompressed) {
        compressed = p.page;
      } else {
        z.clear();
        WINNOW_RETURN_IF_ERROR(parquet::Compress(options_.codec, p.page, &z, options_.level));
        compressed = z;
      }
      WINNOW_RETURN_IF_ERROR(AppendPage(DataPageHeader(p.num_levels, parquet::Encoding::kPlain),
                                        usize, compressed, &ch.pages, &ch.uncompressed));
      ++ch.plain_pages;
    }
    ch.num_values += p.num_levels;
    buffered_ += p.levels.size() + p.values_size;
    if (p.has_stats) {
      ch.stats = true;
      ch.null_count += p.null_count;
      if (p.has_minmax) {
        if (!ch.has_minmax) {
          ch.min.assign(p.min);
          ch.max.assign(p.max);
          ch.has_minmax = true;
        } else {
          if (StatLess(leaf.kind, p.min, ch.min)) ch.min.assign(p.min);
          if (StatLess(leaf.kind, ch.max, p.max)) ch.max.assign(p.max);
        }
      }
    }
  }
  rows_ += batch.num_rows;
  group_rows_ += batch.num_rows;
  if (buffered_ >= options_.row_group_bytes) WINNOW_RETURN_IF_ERROR(FlushRowGroup());
  return Status::Ok();
}

Status FileWriter::FlushRowGroup() {
  if (group_rows_ == 0) return Status::Ok();
  parquet::RowGroup rg;
  rg.num_rows = static_cast<int64_t>(group_rows_);
  rg.file_offset = static_cast<int64_t>(offset_);
  int64_t compressed_total = 0;
  std::string dict_page, z;
  for (size_t ci = 0; ci < chunks_.size(); ++ci) {
    Chunk& ch = *chunks_[ci];
    const Leaf& leaf = schema_.leaves()[ci];
    parquet::ColumnMetaData m;
    m.type = leaf.physical;
    m.path_in_schema = leaf.path_in_schema;
    m.codec = options_.codec;
    m.num_values = ch.num_values;
    int64_t uncompressed = ch.uncompressed;
    const int64_t chunk_start = static_cast<int64_t>(offset_);
    dict_page.clear();
    if (ch.dict_pages > 0) {
      parquet::PageHeader h;
      h.type = parquet::PageType::kDictionaryPage;
      parquet::DictionaryPageHeader d;
      d.num_values = static_cast<int32_t>(ch.dict.count());
      d.encoding = parquet::Encoding::kPlain;
      h.dictionary_page_header = d;
      z.clear();
      WINNOW_RETURN_IF_ERROR(
          parquet::Compress(options_.codec, ch.dict.plain(), &z, options_.level));
      WINNOW_RETURN_IF_ERROR(AppendPage(h, ch.dict.plain().size(), z, &dict_page, &uncompressed));
      m.dictionary_page_offset = chunk_start;
      m.encoding_stats.push_back(
          {parquet::PageType::kDictionaryPage, parquet::Encoding::kPlain, 1});
    }
    m.data_page_offset = chunk_start + static_cast<int64_t>(dict_page.size());
    WINNOW_RETURN_IF_ERROR(WriteBytes(dict_page));
    WINNOW_RETURN_IF_ERROR(WriteBytes(ch.pages));
    if (ch.dict_pages > 0 || ch.plain_pages > 0) m.encodings.push_back(parquet::Encoding::kPlain);
    m.encodings.push_back(parquet::Encoding::kRle);
    if (ch.dict_pages > 0) m.encodings.push_back(parquet::Encoding::kRleDictionary);
    if (ch.dict_pages > 0) {
      m.encoding_stats.push_back(
          {parquet::PageType::kDataPage, parquet::Encoding::kRleDictionary, ch.dict_pages});
    }
    if (ch.plain_pages > 0) {
      m.encoding_stats.push_back(
          {parquet::PageType::kDataPage, parquet::Encoding::kPlain, ch.plain_pages});
    }
    m.total_uncompressed_size = uncompressed;
    m.total_compressed_size = static_cast<int64_t>(dict_page.size() + ch.pages.size());
    compressed_total += m.total_compressed_size;
    if (ch.stats) {
      parquet::Statistics s;
      s.null_count = ch.null_count;
      bool short_enough = !IsByteArray(leaf.kind) || (ch.min.size() <= 64 && ch.max.size() <= 64);
      if (ch.has_minmax && short_enough) {
        s.min_value = ch.min;
        s.max_value = ch.max;
      }
      m.statistics = std::move(s);
    }
    rg.total_byte_size += uncompressed;
    parquet::ColumnChunk cc;
    cc.file_offset = chunk_start;
    cc.meta_data = std::move(m);
    rg.columns.push_back(std::move(cc));
    ch.Reset(options_.dictionary && leaf.kind != Kind::kBool);
  }
  rg.total_compressed_size = compressed_total;
  rg.ordinal = static_cast<int16_t>(std::min<size_t>(meta_row_groups_.size(), INT16_MAX));
  meta_row_groups_.push_back(std::move(rg));
  group_rows_ = 0;
  buffered_ = 0;
  return Status::Ok();
}

Status FileWriter::Finish() {
  if (!file_) return Status::Internal("Parquet writer: Finish without Open");
  WINNOW_RETURN_IF_ERROR(FlushRowGroup());
  parquet::FileMetaData meta;
  meta.version = 1;
  meta.schema = schema_.ToParquet();
  meta.num_rows = static_cast<int64_t>(rows_);
  meta.row_groups = meta_row_groups_;
  meta.created_by = options_.created_by;
  meta.has_column_orders = true;
  std::string footer;
  parquet::SerializeFileMetaData(meta, &footer);
  uint32_t len = static_cast<uint32_t>(footer.size());
  footer.append(reinterpret_cast<const char*>(&len), 4);
  footer.append("PAR1");
  WINNOW_RETURN_IF_ERROR(WriteBytes(footer));
  Status st = file_->Commit();
  file_.reset();
  return st;
}

void FileWriter::Abort() {
  if (file_) file_->Abort();
  file_.reset();
}

}  // namespace winnow::pqw
