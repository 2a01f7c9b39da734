#include "parquet_meta.h"

#include <utility>

#include "parquet_thrift.h"

namespace winnow::parquet {

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kBoolean:
      return "BOOLEAN";
    case Type::kInt32:
      return "INT32";
    case Type::kInt64:
      return "INT64";
    case Type::kInt96:
      return "INT96";
    case Type::kFloat:
      return "FLOAT";
    case Type::kDouble:
      return "DOUBLE";
    case Type::kByteArray:
      return "BYTE_ARRAY";
    case Type::kFixedLenByteArray:
      return "FIXED_LEN_BYTE_ARRAY";
  }
  return "UNKNOWN_TYPE";
}

std::string_view CodecName(Codec c) {
  switch (c) {
    case Codec::kUncompressed:
      return "UNCOMPRESSED";
    case Codec::kSnappy:
      return "SNAPPY";
    case Codec::kGzip:
      return "GZIP";
    case Codec::kLzo:
      return "LZO";
    case Codec::kBrotli:
      return "BROTLI";
    case Codec::kLz4:
      return "LZ4";
    case Codec::kZstd:
      return "ZSTD";
    case Codec::kLz4Raw:
      return "LZ4_RAW";
  }
  return "UNKNOWN_CODEC";
}

std::string_view EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kPlain:
      return "PLAIN";
    case Encoding::kPlainDictionary:
      return "PLAIN_DICTIONARY";
    case Encoding::kRle:
      return "RLE";
    case Encoding::kBitPacked:
      return "BIT_PACKED";
    case Encoding::kDeltaBinaryPacked:
      return "DELTA_BINARY_PACKED";
    case Encoding::kDeltaLengthByteArray:
      return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::kDeltaByteArray:
      return "DELTA_BYTE_ARRAY";
    case Encoding::kRleDictionary:
      return "RLE_DICTIONARY";
    case Encoding::kByteStreamSplit:
      return "BYTE_STREAM_SPLIT";
  }
  return "UNKNOWN_ENCODING";
}

std::string_view ConvertedTypeName(ConvertedType c) {
  static constexpr std::string_view kNames[] = {"UTF8",
                                                "MAP",
                                                "MAP_KEY_VALUE",
                                                "LIST",
                                                "ENUM",
                                                "DECIMAL",
                                                "DATE",
                                                "TIME_MILLIS",
                                                "TIME_MICROS",
                                                "TIMESTAMP_MILLIS",
                                                "TIMESTAMP_MICROS",
                                                "UINT_8",
                                                "UINT_16",
                                                "UINT_32",
                                                "UINT_64",
                                                "INT_8",
                                                "INT_16",
                                                "INT_32",
                                                "INT_64",
                                                "JSON",
                                                "BSON",
                                                "INTERVAL"};
  auto i = static_cast<size_t>(c);
  return i < std::size(kNames) ? kNames[i] : "UNKNOWN_CONVERTED_TYPE";
}

std::string_view PageTypeName(PageType p) {
  switch (p) {
    case PageType::kDataPage:
      return "DATA_PAGE";
    case PageType::kIndexPage:
      return "INDEX_PAGE";
    case PageType::kDictionaryPage:
      return "DICTIONARY_PAGE";
    case PageType::kDataPageV2:
      return "DATA_PAGE_V2";
  }
  return "UNKNOWN_PAGE_TYPE";
}

namespace {

// Field-presence bookkeeping for required fields.
struct Required {
  uint64_t seen = 0;
  void Mark(int16_t id) {
    if (id >= 0 && id < 64) seen |= uint64_t{1} << id;
  }
  bool Has(int16_t id) const { return (seen >> id) & 1; }
};

bool Check(CompactReader& r, const Required& req, std::initializer_list<int16_t> ids,
           const char* what) {
  if (!r.ok()) return false;
  for (int16_t id : ids) {
    if (!req.Has(id)) {
      r.Fail(std::string(what) + " lacks required field " + std::to_string(id));
      return false;
    }
  }
  return true;
}

// A field whose wire type is not the expected one is skipped (lenient, like
// other readers; some writers reuse field ids for other types). A required
// field skipped this way is then reported as missing.
bool Want(CompactReader& r, CType actual, CType expected) {
  bool both_bool = (actual == CType::kBoolTrue || actual == CType::kBoolFalse) &&
                   (expected == CType::kBoolTrue || expected == CType::kBoolFalse);
  if (actual == expected || both_bool) return true;
  r.Skip(actual);
  return false;
}

#define EXPECT_T(type_const, name) \
  if (!Want(r, t, type_const)) break

void ReadKeyValue(CompactReader& r, KeyValue* kv) {
  Required req;
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    req.Mark(id);
    switch (id) {
      case 1:
        EXPECT_T(CType::kBinary, "KeyValue.key");
        kv->key = r.ReadString();
        break;
      case 2:
        EXPECT_T(CType::kBinary, "KeyValue.value");
        kv->value = r.ReadString();
        break;
      default:
        r.Skip(t);
    }
  }
  r.EndStruct();
  Check(r, req, {1}, "KeyValue");
}

void ReadKeyValueList(CompactReader& r, std::vector<KeyValue>* out) {
  CType et;
  uint32_t n;
  if (!r.BeginList(&et, &n)) return;
  if (!r.Expect(et, CType::kStruct, "key_value_metadata element")) return;
  if (!r.Charge(uint64_t{n} * sizeof(KeyValue))) return;
  out->resize(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) ReadKeyValue(r, &(*out)[i]);
}

void WriteKeyValueList(CompactWriter& w, int16_t id, const std::vector<KeyValue>& kvs) {
  w.FieldList(id, CType::kStruct, static_cast<uint32_t>(kvs.size()));
  for (const auto& kv : kvs) {
    w.BeginStruct();
    w.FieldBinary(1, kv.key);
    if (kv.value) w.FieldBinary(2, *kv.value);
    w.EndStruct();
  }
}

// Reads a struct with no fields we care about (empty union members).
void SkipStruct(CompactReader& r) {
  r.Skip(CType::kStruct);
}

void ReadTimeUnit(CompactReader& r, TimeUnit* unit) {
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    if (id == 1) *unit = TimeUnit::kMillis;
    if (id == 2) *unit = TimeUnit::kMicros;
    if (id == 3) *unit = TimeUnit::kNanos;
    r.Skip(t);
  }
  r.EndStruct();
}

void WriteTimeUnit(CompactWriter& w, int16_t id, TimeUnit unit) {
  w.FieldStruct(id);
  w.BeginStruct();
  w.FieldStruct(unit == TimeUnit::kMillis ? 1 : unit == TimeUnit::kMicros ? 2 : 3);
  w.BeginStruct();
  w.EndStruct();
  w.EndStruct();
}

}  // namespace

void ReadLogicalType(CompactReader& r, LogicalType* lt) {
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    if (t != CType::kStruct) {
      r.Skip(t);
      continue;
    }
    switch (id) {
      case 1:
        lt->kind = LogicalType::Kind::kString;
        SkipStruct(r);
        break;
      case 2:
        lt->kind = LogicalType::Kind::kMap;
        SkipStruct(r);
        break;
      case 3:
        lt->kind = LogicalType::Kind::kList;
        SkipStruct(r);
        break;
      case 4:
        lt->kind = LogicalType::Kind::kEnum;
        SkipStruct(r);
        break;
      case 5: {
        lt->kind = LogicalType::Kind::kDecimal;
        r.BeginStruct();
        int16_t fid;
        CType ft;
        while (r.NextField(&fid, &ft)) {
          if (fid == 1 && ft == CType::kI32) {
            lt->scale = r.ReadI32();
          } else if (fid == 2 && ft == CType::kI32) {
            lt->precision = r.ReadI32();
          } else {
            r.Skip(ft);
          }
        }
        r.EndStruct();
        break;
      }
      case 6:
        lt->kind = LogicalType::Kind::kDate;
        SkipStruct(r);
        break;
      case 7:
      case 8: {
        lt->kind = id == 7 ? LogicalType::Kind::kTime : LogicalType::Kind::kTimestamp;
        r.BeginStruct();
        int16_t fid;
        CType ft;
        while (r.NextField(&fid, &ft)) {
          if (fid == 1 && (ft == CType::kBoolTrue || ft == CType::kBoolFalse)) {
            lt->is_adjusted_to_utc = r.ReadBool();
          } else if (fid == 2 && ft == CType::kStruct) {
            ReadTimeUnit(r, &lt->unit);
          } else {
            r.Skip(ft);
          }
        }
        r.EndStruct();
        break;
      }
      case 10: {
        lt->kind = LogicalType::Kind::kInteger;
        r.BeginStruct();
        int16_t fid;
        CType ft;
        while (r.NextField(&fid, &ft)) {
          if (fid == 1 && ft == CType::kByte) {
            lt->bit_width = r.ReadByte();
          } else if (fid == 2 && (ft == CType::kBoolTrue || ft == CType::kBoolFalse)) {
            lt->is_signed = r.ReadBool();
          } else {
            r.Skip(ft);
          }
        }
        r.EndStruct();
        break;
      }
      case 11:
        lt->kind = LogicalType::Kind::kUnknown;
        SkipStruct(r);
        break;
      case 12:
        lt->kind = LogicalType::Kind::kJson;
        SkipStruct(r);
        break;
      case 13:
        lt->kind = LogicalType::Kind::kBson;
        SkipStruct(r);
        break;
      case 14:
        lt->kind = LogicalType::Kind::kUuid;
        SkipStruct(r);
        break;
      case 15:
        lt->kind = LogicalType::Kind::kFloat16;
        SkipStruct(r);
        break;
      case 16: {
        lt->kind = LogicalType::Kind::kVariant;
        r.BeginStruct();
        int16_t fid;
        CType ft;
        while (r.NextField(&fid, &ft)) {
          if (fid == 1 && ft == CType::kByte) {
            lt->specification_version = r.ReadByte();
          } else {
            r.Skip(ft);
          }
        }
        r.EndStruct();
        break;
      }
      case 17:
      case 18: {
        lt->kind = id == 17 ? LogicalType::Kind::kGeometry : LogicalType::Kind::kGeography;
        r.BeginStruct();
        int16_t fid;
        CType ft;
        while (r.NextField(&fid, &ft)) {
          if (fid == 1 && ft == CType::kBinary) {
            lt->crs = r.ReadString();
          } else if (fid == 2 && ft == CType::kI32) {
            lt->algorithm = r.ReadI32();
          } else {
            r.Skip(ft);
          }
        }
        r.EndStruct();
        break;
      }
      default:
        lt->kind = LogicalType::Kind::kUnsupported;
        lt->unsupported_id = id;
        SkipStruct(r);
    }
  }
  r.EndStruct();
}

void WriteLogicalType(CompactWriter& w, const LogicalType& lt) {
  using K = LogicalType::Kind;
  w.BeginStruct();
  auto empty = [&](int16_t id) {
    w.FieldStruct(id);
    w.BeginStruct();
    w.EndStruct();
  };
  switch (lt.kind) {
    case K::kNone:
    case K::kUnsupported:
      break;
    case K::kString:
    case K::kMap:
    case K::kList:
    case K::kEnum:
    case K::kDate:
    case K::kUnknown:
    case K::kJson:
    case K::kBson:
    case K::kUuid:
    case K::kFloat16:
      empty(static_cast<int16_t>(lt.kind));
      break;
    case K::kDecimal:
      w.FieldStruct(5);
      w.BeginStruct();
      w.FieldI32(1, lt.scale);
      w.FieldI32(2, lt.precision);
      w.EndStruct();
      break;
    case K::kTime:
    case K::kTimestamp:
      w.FieldStruct(static_cast<int16_t>(lt.kind));
      w.BeginStruct();
      w.FieldBool(1, lt.is_adjusted_to_utc);
      WriteTimeUnit(w, 2, lt.unit);
      w.EndStruct();
      break;
    case K::kInteger:
      w.FieldStruct(10);
      w.BeginStruct();
      w.FieldByte(1, lt.bit_width);
      w.FieldBool(2, lt.is_signed);
      w.EndStruct();
      break;
    case K::kVariant:
      w.FieldStruct(16);
      w.BeginStruct();
      if (lt.specification_version) w.FieldByte(1, *lt.specification_version);
      w.EndStruct();
      break;
    case K::kGeometry:
    case K::kGeography:
      w.FieldStruct(static_cast<int16_t>(lt.kind));
      w.BeginStruct();
      if (lt.crs) w.FieldBinary(1, *lt.crs);
      if (lt.algorithm) w.FieldI32(2, *lt.algorithm);
      w.EndStruct();
      break;
  }
  w.EndStruct();
}

void ReadStatistics(CompactReader& r, Statistics* s) {
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1:
        EXPECT_T(CType::kBinary, "Statistics.max");
        s->max = r.ReadString();
        break;
      case 2:
        EXPECT_T(CType::kBinary, "Statistics.min");
        s->min = r.ReadString();
        break;
      case 3:
        EXPECT_T(CType::kI64, "Statistics.null_count");
        s->null_count = r.ReadI64();
        break;
      case 4:
        EXPECT_T(CType::kI64, "Statistics.distinct_count");
        s->distinct_count = r.ReadI64();
        break;
      case 5:
        EXPECT_T(CType::kBinary, "Statistics.max_value");
        s->max_value = r.ReadString();
        break;
      case 6:
        EXPECT_T(CType::kBinary, "Statistics.min_value");
        s->min_value = r.ReadString();
        break;
      case 7:
        s->is_max_value_exact = r.ReadBool();
        break;
      case 8:
        s->is_min_value_exact = r.ReadBool();
        break;
      default:
        r.Skip(t);
    }
  }
  r.EndStruct();
}

void WriteStatistics(CompactWriter& w, const Statistics& s) {
  w.BeginStruct();
  if (s.max) w.FieldBinary(1, *s.max);
  if (s.min) w.FieldBinary(2, *s.min);
  if (s.null_count) w.FieldI64(3, *s.null_count);
  if (s.distinct_count) w.FieldI64(4, *s.distinct_count);
  if (s.max_value) w.FieldBinary(5, *s.max_value);
  if (s.min_value) w.FieldBinary(6, *s.min_value);
  if (s.is_max_value_exact) w.FieldBool(7, *s.is_max_value_exact);
  if (s.is_min_value_exact) w.FieldBool(8, *s.is_min_value_exact);
  w.EndStruct();
}

namespace {

void ReadSchemaElement(CompactReader& r, SchemaElement* e) {
  Required req;
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    req.Mark(id);
    switch (id) {
      case 1:
        EXPECT_T(CType::kI32, "SchemaElement.type");
        e->type = static_cast<Type>(r.ReadI32());
        break;
      case 2:
        EXPECT_T(CType::kI32, "SchemaElement.type_length");
        e->type_length = r.ReadI32();
        break;
      case 3:
        EXPECT_T(CType::kI32, "SchemaElement.repetition_type");
        e->repetition_type = static_cast<Repetition>(r.ReadI32());
        break;
      case 4:
        EXPECT_T(CType::kBinary, "SchemaElement.name");
        e->name = r.ReadString();
        break;
      case 5:
        EXPECT_T(CType::kI32, "SchemaElement.num_children");
        e->num_children = r.ReadI32();
        break;
      case 6:
        EXPECT_T(CType::kI32, "SchemaElement.converted_type");
        e->converted_type = static_cast<ConvertedType>(r.ReadI32());
        break;
      case 7:
        EXPECT_T(CType::kI32, "SchemaElement.scale");
        e->scale = r.ReadI32();
        break;
      case 8:
        EXPECT_T(CType::kI32, "SchemaElement.precision");
        e->precision = r.ReadI32();
        break;
      case 9:
        EXPECT_T(CType::kI32, "SchemaElement.field_id");
        e->field_id = r.ReadI32();
        break;
      case 10:
        EXPECT_T(CType::kStruct, "SchemaElement.logicalType");
        ReadLogicalType(r, &e->logical_type);
        break;
      default:
        r.Skip(t);
    }
  }
  r.EndStruct();
  Check(r, req, {4}, "SchemaElement");
}

void ReadEncodingList(CompactReader& r, std::vector<Encoding>* out) {
  CType et;
  uint32_t n;
  if (!r.BeginList(&et, &n)) return;
  if (!r.Expect(et, CType::kI32, "encodings element")) return;
  if (!r.Charge(uint64_t{n} * sizeof(Encoding))) return;
  out->reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) out->push_back(static_cast<Encoding>(r.ReadI32()));
}

void ReadColumnMetaData(CompactReader& r, ColumnMetaData* m) {
  Required req;
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    req.Mark(id);
    switch (id) {
      case 1:
        EXPECT_T(CType::kI32, "ColumnMetaData.type");
        m->type = static_cast<Type>(r.ReadI32());
        break;
      case 2:
        EXPECT_T(CType::kList, "ColumnMetaData.encodings");
        ReadEncodingList(r, &m->encodings);
        break;
      case 3: {
        EXPECT_T(CType::kList, "ColumnMetaData.path_in_schema");
        CType et;
        uint32_t n;
        if (!r.BeginList(&et, &n)) return;
        if (!r.Expect(et, CType::kBinary, "path_in_schema element")) return;
        if (!r.Charge(uint64_t{n} * sizeof(std::string))) return;
        m->path_in_schema.reserve(n);
        for (uint32_t i = 0; i < n && r.ok(); ++i) m->path_in_schema.push_back(r.ReadString());
        break;
      }
      case 4:
        EXPECT_T(CType::kI32, "ColumnMetaData.codec");
        m->codec = static_cast<Codec>(r.ReadI32());
        break;
      case 5:
        EXPECT_T(CType::kI64, "ColumnMetaData.num_values");
        m->num_values = r.ReadI64();
        break;
      case 6:
        EXPECT_T(CType::kI64, "ColumnMetaData.total_uncompressed_size");
        m->total_uncompressed_size = r.ReadI64();
        break;
      case 7:
        EXPECT_T(CType::kI64, "ColumnMetaData.total_compressed_size");
        m->total_compressed_size = r.ReadI64();
        break;
      case 8:
        EXPECT_T(CType::kList, "ColumnMetaData.key_value_metadata");
        ReadKeyValueList(r, &m->key_value_metadata);
        break;
      case 9:
        EXPECT_T(CType::kI64, "ColumnMetaData.data_page_offset");
        m->data_page_offset = r.ReadI64();
        break;
      case 10:
        EXPECT_T(CType::kI64, "ColumnMetaData.index_page_offset");
        m->index_page_offset = r.ReadI64();
        break;
      case 11:
        EXPECT_T(CType::kI64, "ColumnMetaData.dictionary_page_offset");
        m->dictionary_page_offset = r.ReadI64();
        break;
      case 12:
        EXPECT_T(CType::kStruct, "ColumnMetaData.statistics");
        m->statistics.emplace();
        ReadStatistics(r, &*m->statistics);
        break;
      case 13: {
        EXPECT_T(CType::kList, "ColumnMetaData.encoding_stats");
        CType et;
        uint32_t n;
        if (!r.BeginList(&et, &n)) return;
        if (!r.Expect(et, CType::kStruct, "encoding_stats element")) return;
        if (!r.Charge(uint64_t{n} * sizeof(PageEncodingStats))) return;
        m->encoding_stats.resize(n);
        for (uint32_t i = 0; i < n && r.ok(); ++i) {
          auto& s = m->encoding_stats[i];
          r.BeginStruct();
          int16_t fid;
          CType ft;
          while (r.NextField(&fid, &ft)) {
            if (fid == 1 && ft == CType::kI32) {
              s.page_type = static_cast<PageType>(r.ReadI32());
            } else if (fid == 2 && ft == CType::kI32) {
              s.encoding = static_cast<Encoding>(r.ReadI32());
            } else if (fid == 3 && ft == CType::kI32) {
              s.count = r.ReadI32();
            } else {
              r.Skip(ft);
            }
          }
          r.EndStruct();
        }
        break;
      }
      case 14:
        EXPECT_T(CType::kI64, "ColumnMetaData.bloom_filter_offset");
        m->bloom_filter_offset = r.ReadI64();
        break;
      case 15:
        EXPECT_T(CType::kI32, "ColumnMetaData.bloom_filter_length");
        m->bloom_filter_length = r.ReadI32();
        break;
      default:
        r.Skip(t);
    }
  }
  r.EndStruct();
  Check(r, req, {1, 2, 3, 4, 5, 6, 7, 9}, "ColumnMetaData");
}

void ReadColumnChunk(CompactReader& r, ColumnChunk* c) {
  Required req;
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    req.Mark(id);
    switch (id) {
      case 1:
        EXPECT_T(CType::kBinary, "ColumnChunk.file_path");
        c->file_path = r.ReadString();
        break;
      case 2:
        EXPECT_T(CType::kI64, "ColumnChunk.file_offset");
        c->file_offset = r.ReadI64();
        break;
      case 3:
        EXPECT_T(CType::kStruct, "ColumnChunk.meta_data");
        c->meta_data.emplace();
        ReadColumnMetaData(r, &*c->meta_data);
        break;
      case 4:
        EXPECT_T(CType::kI64, "ColumnChunk.offset_index_offset");
        c->offset_index_offset = r.ReadI64();
        break;
      case 5:
        EXPECT_T(CType::kI32, "ColumnChunk.offset_index_length");
        c->offset_index_length = r.ReadI32();
        break;
      case 6:
        EXPECT_T(CType::kI64, "ColumnChunk.column_index_offset");
        c->column_index_offset = r.ReadI64();
        break;
      case 7:
        EXPECT_T(CType::kI32, "ColumnChunk.column_index_length");
        c->column_index_length = r.ReadI32();
        break;
      case 8:
        c->has_crypto_metadata = true;
        r.Skip(t);
        break;
      case 9:
        c->has_encrypted_metadata = true;
        r.Skip(t);
        break;
      default:
        r.Skip(t);
    }
  }
  r.EndStruct();
  // file_offset (2) is required by the spec but some writers omit it; nothing reads it.
}

void ReadRowGroup(CompactReader& r, RowGroup* g) {
  Required req;
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    req.Mark(id);
    switch (id) {
      case 1: {
        EXPECT_T(CType::kList, "RowGroup.columns");
        CType et;
        uint32_t n;
        if (!r.BeginList(&et, &n)) return;
        if (!r.Expect(et, CType::kStruct, "RowGroup.columns element")) return;
        if (!r.Charge(uint64_t{n} * sizeof(ColumnChunk))) return;
        g->columns.resize(n);
        for (uint32_t i = 0; i < n && r.ok(); ++i) ReadColumnChunk(r, &g->columns[i]);
        break;
      }
      case 2:
        EXPECT_T(CType::kI64, "RowGroup.total_byte_size");
        g->total_byte_size = r.ReadI64();
        break;
      case 3:
        EXPECT_T(CType::kI64, "RowGroup.num_rows");
        g->num_rows = r.ReadI64();
        break;
      case 4: {
        EXPECT_T(CType::kList, "RowGroup.sorting_columns");
        CType et;
        uint32_t n;
        if (!r.BeginList(&et, &n)) return;
        if (!r.Expect(et, CType::kStruct, "sorting_columns element")) return;
        if (!r.Charge(uint64_t{n} * sizeof(SortingColumn))) return;
        g->sorting_columns.resize(n);
        for (uint32_t i = 0; i < n && r.ok(); ++i) {
          auto& s = g->sorting_columns[i];
          r.BeginStruct();
          int16_t fid;
          CType ft;
          while (r.NextField(&fid, &ft)) {
            if (fid == 1 && ft == CType::kI32) {
              s.column_idx = r.ReadI32();
            } else if (fid == 2 && (ft == CType::kBoolTrue || ft == CType::kBoolFalse)) {
              s.descending = r.ReadBool();
            } else if (fid == 3 && (ft == CType::kBoolTrue || ft == CType::kBoolFalse)) {
              s.nulls_first = r.ReadBool();
            } else {
              r.Skip(ft);
            }
          }
          r.EndStruct();
        }
        break;
      }
      case 5:
        EXPECT_T(CType::kI64, "RowGroup.file_offset");
        g->file_offset = r.ReadI64();
        break;
      case 6:
        EXPECT_T(CType::kI64, "RowGroup.total_compressed_size");
        g->total_compressed_size = r.ReadI64();
        break;
      case 7:
        EXPECT_T(CType::kI16, "RowGroup.ordinal");
        g->ordinal = r.ReadI16();
        break;
      default:
        r.Skip(t);
    }
  }
  r.EndStruct();
  Check(r, req, {1, 3}, "RowGroup");
}

void ReadDataPageHeader(CompactReader& r, DataPageHeader* h) {
  Required req;
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    req.Mark(id);
    switch (id) {
      case 1:
        EXPECT_T(CType::kI32, "DataPageHeader.num_values");
        h->num_values = r.ReadI32();
        break;
      case 2:
        EXPECT_T(CType::kI32, "DataPageHeader.encoding");
        h->encoding = static_cast<Encoding>(r.ReadI32());
        break;
      case 3:
        EXPECT_T(CType::kI32, "DataPageHeader.definition_level_encoding");
        h->definition_level_encoding = static_cast<Encoding>(r.ReadI32());
        break;
      case 4:
        EXPECT_T(CType::kI32, "DataPageHeader.repetition_level_encoding");
        h->repetition_level_encoding = static_cast<Encoding>(r.ReadI32());
        break;
      case 5:
        EXPECT_T(CType::kStruct, "DataPageHeader.statistics");
        h->statistics.emplace();
        ReadStatistics(r, &*h->statistics);
        break;
      default:
        r.Skip(t);
    }
  }
  r.EndStruct();
  Check(r, req, {1, 2, 3, 4}, "DataPageHeader");
}

void ReadDataPageHeaderV2(CompactReader& r, DataPageHeaderV2* h) {
  Required req;
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    req.Mark(id);
    switch (id) {
      case 1:
        EXPECT_T(CType::kI32, "DataPageHeaderV2.num_values");
        h->num_values = r.ReadI32();
        break;
      case 2:
        EXPECT_T(CType::kI32, "DataPageHeaderV2.num_nulls");
        h->num_nulls = r.ReadI32();
        break;
      case 3:
        EXPECT_T(CType::kI32, "DataPageHeaderV2.num_rows");
        h->num_rows = r.ReadI32();
        break;
      case 4:
        EXPECT_T(CType::kI32, "DataPageHeaderV2.encoding");
        h->encoding = static_cast<Encoding>(r.ReadI32());
        break;
      case 5:
        EXPECT_T(CType::kI32, "DataPageHeaderV2.definition_levels_byte_length");
        h->definition_levels_byte_length = r.ReadI32();
        break;
      case 6:
        EXPECT_T(CType::kI32, "DataPageHeaderV2.repetition_levels_byte_length");
        h->repetition_levels_byte_length = r.ReadI32();
        break;
      case 7:
        h->is_compressed = r.ReadBool();
        break;
      case 8:
        EXPECT_T(CType::kStruct, "DataPageHeaderV2.statistics");
        h->statistics.emplace();
        ReadStatistics(r, &*h->statistics);
        break;
      default:
        r.Skip(t);
    }
  }
  r.EndStruct();
  Check(r, req, {1, 2, 3, 4, 5, 6}, "DataPageHeaderV2");
}

void ReadDictionaryPageHeader(CompactReader& r, DictionaryPageHeader* h) {
  Required req;
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    req.Mark(id);
    switch (id) {
      case 1:
        EXPECT_T(CType::kI32, "DictionaryPageHeader.num_values");
        h->num_values = r.ReadI32();
        break;
      case 2:
        EXPECT_T(CType::kI32, "DictionaryPageHeader.encoding");
        h->encoding = static_cast<Encoding>(r.ReadI32());
        break;
      case 3:
        h->is_sorted = r.ReadBool();
        break;
      default:
        r.Skip(t);
    }
  }
  r.EndStruct();
  Check(r, req, {1, 2}, "DictionaryPageHeader");
}

}  // namespace

Result<FileMetaData> ParseFileMetaData(std::string_view bytes) {
  CompactReader r(bytes);
  // In memory a footer takes a few times its encoded size; a footer that
  // claims far more (containers of minimal elements) is refused.
  r.set_memory_limit(kFooterMemoryFloor + kFooterMemoryFactor * uint64_t{bytes.size()});
  FileMetaData m;
  Required req;
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    req.Mark(id);
    switch (id) {
      case 1:
        if (!Want(r, t, CType::kI32)) break;
        m.version = r.ReadI32();
        break;
      case 2: {
        if (!Want(r, t, CType::kList)) break;
        CType et;
        uint32_t n;
        if (!r.BeginList(&et, &n)) break;
        if (!r.Expect(et, CType::kStruct, "schema element")) break;
        if (!r.Charge(uint64_t{n} * sizeof(SchemaElement))) break;
        m.schema.resize(n);
        for (uint32_t i = 0; i < n && r.ok(); ++i) ReadSchemaElement(r, &m.schema[i]);
        break;
      }
      case 3:
        if (!Want(r, t, CType::kI64)) break;
        m.num_rows = r.ReadI64();
        break;
      case 4: {
        if (!Want(r, t, CType::kList)) break;
        CType et;
        uint32_t n;
        if (!r.BeginList(&et, &n)) break;
        if (!r.Expect(et, CType::kStruct, "row_groups element")) break;
        if (!r.Charge(uint64_t{n} * sizeof(RowGroup))) break;
        m.row_groups.resize(n);
        for (uint32_t i = 0; i < n && r.ok(); ++i) ReadRowGroup(r, &m.row_groups[i]);
        break;
      }
      case 5:
        if (!Want(r, t, CType::kList)) break;
        ReadKeyValueList(r, &m.key_value_metadata);
        break;
      case 6:
        if (!Want(r, t, CType::kBinary)) break;
        m.created_by = r.ReadString();
        break;
      case 7:
        m.has_column_orders = true;
        r.Skip(t);
        break;
      case 8:
        m.has_encryption_algorithm = true;
        r.Skip(t);
        break;
      default:
        r.Skip(t);
    }
  }
  r.EndStruct();
  Check(r, req, {1, 2, 3, 4}, "FileMetaData");
  if (!r.ok()) return Status::Corruption("malformed footer: " + r.error());
  if (m.num_rows < 0) {
    return Status::Corruption("malformed footer: negative num_rows " + std::to_string(m.num_rows));
  }
  for (size_t i = 0; i < m.row_groups.size(); ++i) {
    if (m.row_groups[i].num_rows < 0) {
      return Status::Corruption("malformed footer: row group " + std::to_string(i) +
                                " has negative num_rows");
    }
  }
  return m;
}

Result<PageHeader> ParsePageHeader(std::string_view bytes, size_t* header_size) {
  CompactReader r(bytes);
  PageHeader h;
  Required req;
  r.BeginStruct();
  int16_t id;
  CType t;
  while (r.NextField(&id, &t)) {
    req.Mark(id);
    switch (id) {
      case 1:
        if (!Want(r, t, CType::kI32)) break;
        h.type = static_cast<PageType>(r.ReadI32());
        break;
      case 2:
        if (!Want(r, t, CType::kI32)) break;
        h.uncompressed_page_size = r.ReadI32();
        break;
      case 3:
        if (!Want(r, t, CType::kI32)) break;
        h.compressed_page_size = r.ReadI32();
        break;
      case 4:
        if (!Want(r, t, CType::kI32)) break;
        h.crc = r.ReadI32();
        break;
      case 5:
        if (!Want(r, t, CType::kStruct)) break;
        h.data_page_header.emplace();
        ReadDataPageHeader(r, &*h.data_page_header);
        break;
      case 7:
        if (!Want(r, t, CType::kStruct)) break;
        h.dictionary_page_header.emplace();
        ReadDictionaryPageHeader(r, &*h.dictionary_page_header);
        break;
      case 8:
        if (!Want(r, t, CType::kStruct)) break;
        h.data_page_header_v2.emplace();
        ReadDataPageHeaderV2(r, &*h.data_page_header_v2);
        break;
      default:
        r.Skip(t);
    }
  }
  r.EndStruct();
  Check(r, req, {1, 2, 3}, "PageHeader");
  if (!r.ok()) return Status::Corruption("malformed page header: " + r.error());
  if (h.uncompressed_page_size < 0 || h.compressed_page_size < 0) {
    return Status::Corruption("malformed page header: negative page size (compressed " +
                              std::to_string(h.compressed_page_size) + ", uncompressed " +
                              std::to_string(h.uncompressed_page_size) + ")");
  }
  *header_size = r.position();
  return h;
}

namespace {

void WriteSchemaElement(CompactWriter& w, const SchemaElement& e) {
  w.BeginStruct();
  if (e.type) w.FieldI32(1, static_cast<int32_t>(*e.type));
  if (e.type_length) w.FieldI32(2, *e.type_length);
  if (e.repetition_type) w.FieldI32(3, static_cast<int32_t>(*e.repetition_type));
  w.FieldBinary(4, e.name);
  if (e.num_children) w.FieldI32(5, *e.num_children);
  if (e.converted_type) w.FieldI32(6, static_cast<int32_t>(*e.converted_type));
  if (e.scale) w.FieldI32(7, *e.scale);
  if (e.precision) w.FieldI32(8, *e.precision);
  if (e.field_id) w.FieldI32(9, *e.field_id);
  if (e.logical_type.kind != LogicalType::Kind::kNone &&
      e.logical_type.kind != LogicalType::Kind::kUnsupported) {
    w.FieldStruct(10);
    WriteLogicalType(w, e.logical_type);
  }
  w.EndStruct();
}

void WriteColumnMetaData(CompactWriter& w, const ColumnMetaData& m) {
  w.BeginStruct();
  w.FieldI32(1, static_cast<int32_t>(m.type));
  w.FieldList(2, CType::kI32, static_cast<uint32_t>(m.encodings.size()));
  for (Encoding e : m.encodings) w.WriteI32(static_cast<int32_t>(e));
  w.FieldList(3, CType::kBinary, static_cast<uint32_t>(m.path_in_schema.size()));
  for (const auto& p : m.path_in_schema) w.WriteBinary(p);
  w.FieldI32(4, static_cast<int32_t>(m.codec));
  w.FieldI64(5, m.num_values);
  w.FieldI64(6, m.total_uncompressed_size);
  w.FieldI64(7, m.total_compressed_size);
  if (!m.key_value_metadata.empty()) WriteKeyValueList(w, 8, m.key_value_metadata);
  w.FieldI64(9, m.data_page_offset);
  if (m.index_page_offset) w.FieldI64(10, *m.index_page_offset);
  if (m.dictionary_page_offset) w.FieldI64(11, *m.dictionary_page_offset);
  if (m.statistics) {
    w.FieldStruct(12);
    WriteStatistics(w, *m.statistics);
  }
  if (!m.encoding_stats.empty()) {
    w.FieldList(13, CType::kStruct, static_cast<uint32_t>(m.encoding_stats.size()));
    for (const auto& s : m.encoding_stats) {
      w.BeginStruct();
      w.FieldI32(1, static_cast<int32_t>(s.page_type));
      w.FieldI32(2, static_cast<int32_t>(s.encoding));
      w.FieldI32(3, s.count);
      w.EndStruct();
    }
  }
  if (m.bloom_filter_offset) w.FieldI64(14, *m.bloom_filter_offset);
  if (m.bloom_filter_length) w.FieldI32(15, *m.bloom_filter_length);
  w.EndStruct();
}

}  // namespace

void SerializeFileMetaData(const FileMetaData& m, std::string* out) {
  CompactWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, m.version);
  w.FieldList(2, CType::kStruct, static_cast<uint32_t>(m.schema.size()));
  for (const auto& e : m.schema) WriteSchemaElement(w, e);
  w.FieldI64(3, m.num_rows);
  w.FieldList(4, CType::kStruct, static_cast<uint32_t>(m.row_groups.size()));
  for (const auto& g : m.row_groups) {
    w.BeginStruct();
    w.FieldList(1, CType::kStruct, static_cast<uint32_t>(g.columns.size()));
    for (const auto& c : g.columns) {
      w.BeginStruct();
      if (c.file_path) w.FieldBinary(1, *c.file_path);
      w.FieldI64(2, c.file_offset);
      if (c.meta_data) {
        w.FieldStruct(3);
        WriteColumnMetaData(w, *c.meta_data);
      }
      if (c.offset_index_offset) w.FieldI64(4, *c.offset_index_offset);
      if (c.offset_index_length) w.FieldI32(5, *c.offset_index_length);
      if (c.column_index_offset) w.FieldI64(6, *c.column_index_offset);
      if (c.column_index_length) w.FieldI32(7, *c.column_index_length);
      w.EndStruct();
    }
    w.FieldI64(2, g.total_byte_size);
    w.FieldI64(3, g.num_rows);
    if (!g.sorting_columns.empty()) {
      w.FieldList(4, CType::kStruct, static_cast<uint32_t>(g.sorting_columns.size()));
      for (const auto& s : g.sorting_columns) {
        w.BeginStruct();
        w.FieldI32(1, s.column_idx);
        w.FieldBool(2, s.descending);
        w.FieldBool(3, s.nulls_first);
        w.EndStruct();
      }
    }
    if (g.file_offset) w.FieldI64(5, *g.file_offset);
    if (g.total_compressed_size) w.FieldI64(6, *g.total_compressed_size);
    if (g.ordinal) w.FieldI16(7, *g.ordinal);
    w.EndStruct();
  }
  if (!m.key_value_metadata.empty()) WriteKeyValueList(w, 5, m.key_value_metadata);
  if (m.created_by) w.FieldBinary(6, *m.created_by);
  if (m.has_column_orders) {
    // One TypeDefinedOrder per leaf column (elements after the root without children).
    uint32_t leaves = 0;
    for (size_t i = 1; i < m.schema.size(); ++i) {
      if (m.schema[i].num_children.value_or(0) == 0) ++leaves;
    }
    w.FieldList(7, CType::kStruct, leaves);
    for (uint32_t i = 0; i < leaves; ++i) {
      w.BeginStruct();
      w.FieldStruct(1);
      w.BeginStruct();
      w.EndStruct();
      w.EndStruct();
    }
  }
  w.EndStruct();
}

void SerializePageHeader(const PageHeader& h, std::string* out) {
  CompactWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, static_cast<int32_t>(h.type));
  w.FieldI32(2, h.uncompressed_page_size);
  w.FieldI32(3, h.compressed_page_size);
  if (h.crc) w.FieldI32(4, *h.crc);
  if (h.data_page_header) {
    const auto& d = *h.data_page_header;
    w.FieldStruct(5);
    w.BeginStruct();
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, static_cast<int32_t>(d.encoding));
    w.FieldI32(3, static_cast<int32_t>(d.definition_level_encoding));
    w.FieldI32(4, static_cast<int32_t>(d.repetition_level_encoding));
    if (d.statistics) {
      w.FieldStruct(5);
      WriteStatistics(w, *d.statistics);
    }
    w.EndStruct();
  }
  if (h.dictionary_page_header) {
    const auto& d = *h.dictionary_page_header;
    w.FieldStruct(7);
    w.BeginStruct();
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, static_cast<int32_t>(d.encoding));
    if (d.is_sorted) w.FieldBool(3, *d.is_sorted);
    w.EndStruct();
  }
  if (h.data_page_header_v2) {
    const auto& d = *h.data_page_header_v2;
    w.FieldStruct(8);
    w.BeginStruct();
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, d.num_nulls);
    w.FieldI32(3, d.num_rows);
    w.FieldI32(4, static_cast<int32_t>(d.encoding));
    w.FieldI32(5, d.definition_levels_byte_length);
    w.FieldI32(6, d.repetition_levels_byte_length);
    if (!d.is_compressed) w.FieldBool(7, false);
    if (d.statistics) {
      w.FieldStruct(8);
      WriteStatistics(w, *d.statistics);
    }
    w.EndStruct();
  }
  w.EndStruct();
}

// ---------------------------------------------------------------------------

Result<Schema> Schema::Build(const std::vector<SchemaElement>& elements) {
  if (elements.empty()) return Status::Corruption("the schema is empty (no root element)");
  Schema s;
  s.nodes_.reserve(elements.size());
  // Iterative DFS over the flattened list: a stack of (node index, children left).
  struct Open {
    int node;
    int32_t left;
  };
  std::vector<Open> stack;
  for (size_t i = 0; i < elements.size(); ++i) {
    const SchemaElement& e = elements[i];
    SchemaNode n;
    n.name = e.name;
    int parent = -1;
    if (i > 0) {
      while (!stack.empty() && stack.back().left == 0) stack.pop_back();
      if (stack.empty()) {
        return Status::Corruption("schema element " + std::to_string(i) + " ('" + e.name +
                                  "') is not inside the root: the child counts do not add up");
      }
      parent = stack.back().node;
      --stack.back().left;
    }
    n.parent = parent;
    int32_t num_children = e.num_children.value_or(0);
    if (num_children < 0) {
      return Status::Corruption("schema element '" + e.name + "' has a negative child count");
    }
    if (static_cast<size_t>(num_children) > elements.size() - i - 1) {
      return Status::Corruption("schema element '" + e.name + "' claims " +
                                std::to_string(num_children) + " children but only " +
                                std::to_string(elements.size() - i - 1) + " elements follow");
    }
    if (i > 0) {
      // A missing repetition type is read as REQUIRED (some writers omit it).
      auto rep = static_cast<int32_t>(e.repetition_type.value_or(Repetition::kRequired));
      if (rep < 0 || rep > 2) {
        return Status::Corruption("schema element '" + e.name + "' has unknown repetition type " +
                                  std::to_string(rep));
      }
      n.repetition = static_cast<Repetition>(rep);
    }
    n.converted_type = e.converted_type;
    if (n.converted_type && static_cast<int32_t>(*n.converted_type) > 21) n.converted_type.reset();
    n.logical_type = e.logical_type;
    n.scale = e.scale.value_or(0);
    n.precision = e.precision.value_or(0);
    const SchemaNode* p = parent >= 0 ? &s.nodes_[static_cast<size_t>(parent)] : nullptr;
    n.max_def = p ? p->max_def : 0;
    n.max_rep = p ? p->max_rep : 0;
    if (i > 0 && n.repetition != Repetition::kRequired) ++n.max_def;
    if (i > 0 && n.repetition == Repetition::kRepeated) ++n.max_rep;
    n.path = p && p->parent >= 0 ? p->path + "." + n.name : n.name;
    int depth = 0;
    for (int a = parent; a >= 0; a = s.nodes_[static_cast<size_t>(a)].parent) ++depth;
    if (depth > kMaxDepth) {
      return Status::Corruption("the schema nests deeper than " + std::to_string(kMaxDepth) +
                                " levels");
    }
    if (num_children == 0 && i > 0) {
      if (!e.type) {
        return Status::Corruption("schema element '" + n.path +
                                  "' has neither children nor a physical type");
      }
      auto t = static_cast<int32_t>(*e.type);
      if (t < 0 || t > 7) {
        return Status::Corruption("column '" + n.path + "' has unknown physical type " +
                                  std::to_string(t));
      }
      n.is_leaf = true;
      n.type = *e.type;
      if (n.type == Type::kFixedLenByteArray) {
        if (!e.type_length || *e.type_length <= 0) {
          return Status::Corruption("FIXED_LEN_BYTE_ARRAY column '" + n.path +
                                    "' has no positive type_length");
        }
        n.type_length = *e.type_length;
      }
      n.leaf_index = static_cast<int>(s.leaves_.size());
      s.leaves_.push_back(static_cast<int>(i));
    } else if (num_children == 0 && i == 0) {
      // An empty root: a file with no columns.
    }
    s.nodes_.push_back(std::move(n));
    if (parent >= 0) s.nodes_[static_cast<size_t>(parent)].children.push_back(static_cast<int>(i));
    if (num_children > 0) stack.push_back({static_cast<int>(i), num_children});
  }
  for (const auto& o : stack) {
    if (o.left != 0) {
      return Status::Corruption("schema element '" + s.nodes_[static_cast<size_t>(o.node)].name +
                                "' is missing " + std::to_string(o.left) + " children");
    }
  }
  return s;
}

void Schema::LeafRange(int i, size_t* first, size_t* end) const {
  // Leaves under a node are contiguous: from its first to its last descendant leaf.
  int lo = i, hi = i;
  while (!nodes_[static_cast<size_t>(lo)].is_leaf) {
    const auto& ch = nodes_[static_cast<size_t>(lo)].children;
    if (ch.empty()) break;
    lo = ch.front();
  }
  while (!nodes_[static_cast<size_t>(hi)].is_leaf) {
    const auto& ch = nodes_[static_cast<size_t>(hi)].children;
    if (ch.empty()) break;
    hi = ch.back();
  }
  const auto& a = nodes_[static_cast<size_t>(lo)];
  const auto& b = nodes_[static_cast<size_t>(hi)];
  if (!a.is_leaf || !b.is_leaf) {
    *first = *end = 0;
    return;
  }
  *first = static_cast<size_t>(a.leaf_index);
  *end = static_cast<size_t>(b.leaf_index) + 1;
}

}  // namespace winnow::parquet
