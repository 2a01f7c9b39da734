// parquet_meta.h — Parquet's footer and page headers as C++ structs, their
// Thrift compact encoding in both directions, and the schema tree.
//
// The structs follow parquet.thrift (apache/parquet-format) field by field for
// everything a reader or writer of plain (unencrypted) files needs; fields this
// code does not model are skipped when parsing. Optional Thrift fields are
// std::optional. Parse* functions validate what the wire format alone can
// check (required fields present, enum values known, counts non-negative) and
// return Corruption with a sentence otherwise; Serialize* functions append the
// encoding and cannot fail.
//
// Schema turns the flattened SchemaElement list into a tree with definition and
// repetition levels per node and the list of leaf columns, refusing malformed
// trees (bad child counts, groups without children, leaves without a type,
// nesting deeper than Schema::kMaxDepth).
//
// Everything here is plain data: copyable, no I/O, thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/status.h"

namespace winnow::parquet {

class CompactReader;
class CompactWriter;

enum class Type : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum class ConvertedType : int32_t {
  kUtf8 = 0,
  kMap = 1,
  kMapKeyValue = 2,
  kList = 3,
  kEnum = 4,
  kDecimal = 5,
  kDate = 6,
  kTimeMillis = 7,
  kTimeMicros = 8,
  kTimestampMillis = 9,
  kTimestampMicros = 10,
  kUint8 = 11,
  kUint16 = 12,
  kUint32 = 13,
  kUint64 = 14,
  kInt8 = 15,
  kInt16 = 16,
  kInt32 = 17,
  kInt64 = 18,
  kJson = 19,
  kBson = 20,
  kInterval = 21,
};

enum class Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

enum class Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};

enum class Codec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4 = 5,  // deprecated: Hadoop-framed LZ4 (some writers wrote raw blocks)
  kZstd = 6,
  kLz4Raw = 7,
};

enum class PageType : int32_t {
  kDataPage = 0,
  kIndexPage = 1,
  kDictionaryPage = 2,
  kDataPageV2 = 3,
};

enum class TimeUnit : int8_t { kMillis, kMicros, kNanos };

// LogicalType is a Thrift union; `kind` says which member is set.
struct LogicalType {
  enum class Kind : int8_t {
    kNone = 0,  // not present
    kString = 1,
    kMap = 2,
    kList = 3,
    kEnum = 4,
    kDecimal = 5,
    kDate = 6,
    kTime = 7,
    kTimestamp = 8,
    kInteger = 10,
    kUnknown = 11,  // the "NullType": always null
    kJson = 12,
    kBson = 13,
    kUuid = 14,
    kFloat16 = 15,
    kVariant = 16,
    kGeometry = 17,
    kGeography = 18,
    kUnsupported = 99,  // a union member this code does not know (newer writer)
  };
  Kind kind = Kind::kNone;
  int32_t scale = 0, precision = 0;             // kDecimal
  bool is_adjusted_to_utc = false;              // kTime, kTimestamp
  TimeUnit unit = TimeUnit::kMillis;            // kTime, kTimestamp
  int8_t bit_width = 0;                         // kInteger
  bool is_signed = true;                        // kInteger
  std::optional<std::string> crs;               // kGeometry, kGeography
  std::optional<int32_t> algorithm;             // kGeography
  std::optional<int8_t> specification_version;  // kVariant
  int16_t unsupported_id = 0;                   // kUnsupported: the union field id
};

struct Statistics {
  std::optional<std::string> max, min;  // deprecated signed-order min/max
  std::optional<int64_t> null_count, distinct_count;
  std::optional<std::string> max_value, min_value;
  std::optional<bool> is_max_value_exact, is_min_value_exact;
};

struct SchemaElement {
  std::optional<Type> type;
  std::optional<int32_t> type_length;
  std::optional<Repetition> repetition_type;
  std::string name;
  std::optional<int32_t> num_children;
  std::optional<ConvertedType> converted_type;
  std::optional<int32_t> scale, precision, field_id;
  LogicalType logical_type;  // kind == kNone when absent
};

struct KeyValue {
  std::string key;
  std::optional<std::string> value;
};

struct SortingColumn {
  int32_t column_idx = 0;
  bool descending = false;
  bool nulls_first = false;
};

struct PageEncodingStats {
  PageType page_type = PageType::kDataPage;
  Encoding encoding = Encoding::kPlain;
  int32_t count = 0;
};

struct ColumnMetaData {
  Type type = Type::kBoolean;
  std::vector<Encoding> encodings;
  std::vector<std::string> path_in_schema;
  Codec codec = Codec::kUncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  std::vector<KeyValue> key_value_metadata;
  int64_t data_page_offset = 0;
  std::optional<int64_t> index_page_offset;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;
  std::vector<PageEncodingStats> encoding_stats;
  std::optional<int64_t> bloom_filter_offset;
  std::optional<int32_t> bloom_filter_length;
};

struct ColumnChunk {
  std::optional<std::string> file_path;
  int64_t file_offset = 0;
  std::optional<ColumnMetaData> meta_data;
  std::optional<int64_t> offset_index_offset;
  std::optional<int32_t> offset_index_length;
  std::optional<int64_t> column_index_offset;
  std::optional<int32_t> column_index_length;
  bool has_crypto_metadata = false;     // field 8 (ColumnCryptoMetaData) present
  bool has_encrypted_metadata = false;  // field 9 present
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  std::vector<SortingColumn> sorting_columns;
  std::optional<int64_t> file_offset;
  std::optional<int64_t> total_compressed_size;
  std::optional<int16_t> ordinal;
};

struct FileMetaData {
  int32_t version = 1;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<KeyValue> key_value_metadata;
  std::optional<std::string> created_by;
  bool has_column_orders = false;         // column_orders: list of TYPE_ORDER (written when set)
  bool has_encryption_algorithm = false;  // field 8 present (plaintext footer, encrypted columns)
};

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  Encoding definition_level_encoding = Encoding::kRle;
  Encoding repetition_level_encoding = Encoding::kRle;
  std::optional<Statistics> statistics;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  std::optional<bool> is_sorted;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t num_rows = 0;
  Encoding encoding = Encoding::kPlain;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;
  std::optional<Statistics> statistics;
};

struct PageHeader {
  PageType type = PageType::kDataPage;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  std::optional<int32_t> crc;
  std::optional<DataPageHeader> data_page_header;
  std::optional<DictionaryPageHeader> dictionary_page_header;
  std::optional<DataPageHeaderV2> data_page_header_v2;
};

// Names for messages ("INT32", "SNAPPY", "RLE_DICTIONARY", ...).
std::string_view TypeName(Type t);
std::string_view CodecName(Codec c);
std::string_view EncodingName(Encoding e);
std::string_view ConvertedTypeName(ConvertedType c);
std::string_view PageTypeName(PageType p);

// Memory a parsed footer may take: kFooterMemoryFloor + kFooterMemoryFactor x
// its encoded size (real footers need 3-10x; beyond that they are refused).
constexpr uint64_t kFooterMemoryFloor = uint64_t{64} << 20;
constexpr uint64_t kFooterMemoryFactor = 16;

// Parses a footer (the Thrift bytes between the data and the length/magic).
Result<FileMetaData> ParseFileMetaData(std::string_view bytes);
// Parses a page header from the start of `bytes`; *header_size receives its length.
Result<PageHeader> ParsePageHeader(std::string_view bytes, size_t* header_size);

void SerializeFileMetaData(const FileMetaData& meta, std::string* out);
void SerializePageHeader(const PageHeader& header, std::string* out);

// Lower-level pieces, for callers composing their own structs.
void ReadLogicalType(CompactReader& r, LogicalType* out);
void WriteLogicalType(CompactWriter& w, const LogicalType& lt);
void ReadStatistics(CompactReader& r, Statistics* out);
void WriteStatistics(CompactWriter& w, const Statistics& s);

// ---------------------------------------------------------------------------
// The schema tree.

struct SchemaNode {
  std::string name;
  std::string path;  // dotted path from the root's child ("a.list.element")
  int parent = -1;   // index into Schema::nodes(); -1 for the root
  std::vector<int> children;
  Repetition repetition = Repetition::kRequired;
  bool is_leaf = false;
  Type type = Type::kBoolean;  // leaves only
  int32_t type_length = 0;     // FIXED_LEN_BYTE_ARRAY width
  std::optional<ConvertedType> converted_type;
  LogicalType logical_type;
  int32_t scale = 0, precision = 0;  // from the element (legacy DECIMAL)
  int max_def = 0;      // definition level of this node (optional/repeated ancestors incl. itself)
  int max_rep = 0;      // repetition level of this node
  int leaf_index = -1;  // column index for leaves
};

class Schema {
 public:
  static constexpr int kMaxDepth = 100;

  // Builds the tree from a footer's flattened schema.
  static Result<Schema> Build(const std::vector<SchemaElement>& elements);

  const std::vector<SchemaNode>& nodes() const { return nodes_; }
  const SchemaNode& node(int i) const { return nodes_[static_cast<size_t>(i)]; }
  const SchemaNode& root() const { return nodes_[0]; }
  // Node indexes of the leaves, in column order.
  const std::vector<int>& leaves() const { return leaves_; }
  size_t num_columns() const { return leaves_.size(); }
  const SchemaNode& leaf(size_t column) const {
    return nodes_[static_cast<size_t>(leaves_[column])];
  }
  // Leaf columns under node `i` form the contiguous range [first, end).
  void LeafRange(int i, size_t* first, size_t* end) const;

 private:
  std::vector<SchemaNode> nodes_;
  std::vector<int> leaves_;
};

}  // namespace winnow::parquet
