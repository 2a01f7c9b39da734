#include "parquet_simple_writer.h"

#include <cstring>
#include <map>

#include "parquet_codec.h"
#include "parquet_encoding.h"

namespace winnow::parquet {

namespace {

void PutLE32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out->append(b, 4);
}

// PLAIN bytes of one value (BOOLEAN handled separately: bit-packed).
Status PlainValue(const SimpleColumn& c, const Value& v, size_t row, std::string* out) {
  auto bad = [&](const char* want) {
    return Status::InvalidArgument("row " + std::to_string(row) + ", column '" + c.name +
                                   "': expected " + want + ", found " +
                                   std::string(ValueTypeName(v.type())));
  };
  switch (c.type) {
    case Type::kInt32: {
      if (!v.is_number()) return bad("a number");
      int32_t x =
          static_cast<int32_t>(v.is_int() ? v.as_int() : static_cast<int64_t>(v.as_double()));
      out->append(reinterpret_cast<const char*>(&x), 4);
      return Status::Ok();
    }
    case Type::kInt64: {
      if (!v.is_number()) return bad("a number");
      int64_t x = v.is_int() ? v.as_int() : static_cast<int64_t>(v.as_double());
      out->append(reinterpret_cast<const char*>(&x), 8);
      return Status::Ok();
    }
    case Type::kFloat: {
      if (!v.is_number()) return bad("a number");
      float x = static_cast<float>(v.as_number());
      out->append(reinterpret_cast<const char*>(&x), 4);
      return Status::Ok();
    }
    case Type::kDouble: {
      if (!v.is_number()) return bad("a number");
      double x = v.as_number();
      out->append(reinterpret_cast<const char*>(&x), 8);
      return Status::Ok();
    }
    case Type::kByteArray:
      if (!v.is_string()) return bad("a string");
      PutLE32(out, static_cast<uint32_t>(v.as_string().size()));
      out->append(v.as_string());
      return Status::Ok();
    case Type::kFixedLenByteArray:
      if (!v.is_string()) return bad("a string");
      if (v.as_string().size() != static_cast<size_t>(c.type_length)) {
        return Status::InvalidArgument("row " + std::to_string(row) + ", column '" + c.name +
                                       "': value is not " + std::to_string(c.type_length) +
                                       " bytes long");
      }
      out->append(v.as_string());
      return Status::Ok();
    default:
      return Status::InvalidArgument("column '" + c.name + "': unsupported type");
  }
}

Status EncodeValues(const SimpleColumn& c, const std::vector<const Value*>& vals, size_t first_row,
                    std::string* out) {
  switch (c.encoding) {
    case Encoding::kPlain: {
      if (c.type == Type::kBoolean) {
        std::string bits((vals.size() + 7) / 8, '\0');
        for (size_t i = 0; i < vals.size(); ++i) {
          if (!vals[i]->is_bool()) {
            return Status::InvalidArgument("column '" + c.name + "': expected a bool");
          }
          if (vals[i]->as_bool()) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
        }
        out->append(bits);
        return Status::Ok();
      }
      for (size_t i = 0; i < vals.size(); ++i) {
        WINNOW_RETURN_IF_ERROR(PlainValue(c, *vals[i], first_row + i, out));
      }
      return Status::Ok();
    }
    case Encoding::kDeltaBinaryPacked: {
      std::vector<int64_t> xs;
      for (const Value* v : vals) {
        if (!v->is_int())
          return Status::InvalidArgument("column '" + c.name + "': expected an integer");
        xs.push_back(c.type == Type::kInt32 ? static_cast<int32_t>(v->as_int()) : v->as_int());
      }
      EncodeDeltaBinaryPacked(xs.data(), xs.size(), out);
      return Status::Ok();
    }
    case Encoding::kDeltaLengthByteArray: {
      std::vector<int64_t> lens;
      std::string bytes;
      for (const Value* v : vals) {
        if (!v->is_string())
          return Status::InvalidArgument("column '" + c.name + "': expected a string");
        lens.push_back(static_cast<int64_t>(v->as_string().size()));
        bytes += v->as_string();
      }
      EncodeDeltaBinaryPacked(lens.data(), lens.size(), out);
      out->append(bytes);
      return Status::Ok();
    }
    case Encoding::kByteStreamSplit: {
      std::string plain;
      for (size_t i = 0; i < vals.size(); ++i) {
        WINNOW_RETURN_IF_ERROR(PlainValue(c, *vals[i], first_row + i, &plain));
      }
      size_t w = FixedWidth(c.type, c.type_length), n = vals.size();
      size_t base = out->size();
      out->resize(base + plain.size());
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < w; ++j) (*out)[base + j * n + i] = plain[i * w + j];
      }
      return Status::Ok();
    }
    default:
      return Status::InvalidArgument("column '" + c.name + "': encoding " +
                                     std::string(EncodingName(c.encoding)) +
                                     " is not supported by the simple writer");
  }
}

struct PageOut {
  PageHeader header;
  std::string body;
};

Status AppendPage(PageHeader header, std::string_view uncompressed_tail, std::string_view prefix,
                  const SimpleWriterOptions& o, Codec codec, std::string* out, int64_t* total_u,
                  int64_t* total_c) {
  std::string body(prefix);
  WINNOW_RETURN_IF_ERROR(Compress(codec, uncompressed_tail, &body));
  header.uncompressed_page_size = static_cast<int32_t>(prefix.size() + uncompressed_tail.size());
  header.compressed_page_size = static_cast<int32_t>(body.size());
  if (o.write_crc) header.crc = static_cast<int32_t>(Crc32(body));
  size_t before = out->size();
  SerializePageHeader(header, out);
  size_t header_len = out->size() - before;
  out->append(body);
  *total_u += static_cast<int64_t>(header_len) + header.uncompressed_page_size;
  *total_c += static_cast<int64_t>(header_len + body.size());
  return Status::Ok();
}

}  // namespace

Status WriteSimpleParquet(const std::vector<SimpleColumn>& columns, const std::vector<Value>& rows,
                          const SimpleWriterOptions& o, std::string* out) {
  out->assign("PAR1");
  FileMetaData meta;
  meta.version = 1;
  meta.created_by = o.created_by;
  meta.num_rows = static_cast<int64_t>(rows.size());
  SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(columns.size());
  meta.schema.push_back(root);
  for (const auto& c : columns) {
    SchemaElement e;
    e.name = c.name;
    e.type = c.type;
    if (c.type == Type::kFixedLenByteArray) e.type_length = c.type_length;
    e.repetition_type = c.optional ? Repetition::kOptional : Repetition::kRequired;
    e.logical_type = c.logical;
    if (c.logical.kind == LogicalType::Kind::kString) e.converted_type = ConvertedType::kUtf8;
    meta.schema.push_back(e);
  }
  const size_t group_rows = std::max<size_t>(1, o.rows_per_row_group);
  const size_t page_rows = std::max<size_t>(1, o.rows_per_page);
  for (size_t g0 = 0; g0 < rows.size() || (g0 == 0 && rows.empty()); g0 += group_rows) {
    size_t g1 = std::min(rows.size(), g0 + group_rows);
    RowGroup rg;
    rg.num_rows = static_cast<int64_t>(g1 - g0);
    for (const auto& c : columns) {
      ColumnMetaData m;
      m.type = c.type;
      m.path_in_schema = {c.name};
      m.codec = o.codec;
      m.num_values = rg.num_rows;
      int64_t total_u = 0, total_c = 0;
      int64_t chunk_start = static_cast<int64_t>(out->size());
      // Values of the row group (nulls checked here).
      std::vector<const Value*> vals(g1 - g0, nullptr);
      for (size_t r = g0; r < g1; ++r) {
        const Value* v = rows[r].find(c.name);
        if (v && !v->is_null()) {
          vals[r - g0] = v;
        } else if (!c.optional) {
          return Status::InvalidArgument("row " + std::to_string(r) + ": required column '" +
                                         c.name + "' is null or missing");
        }
      }
      bool dict = c.encoding == Encoding::kRleDictionary;
      std::map<std::string, uint32_t> dict_index;
      std::vector<uint32_t> indices;  // per present value
      if (dict) {
        std::string dict_plain;
        for (size_t i = 0; i < vals.size(); ++i) {
          if (!vals[i]) continue;
          std::string key;
          WINNOW_RETURN_IF_ERROR(PlainValue(c, *vals[i], g0 + i, &key));
          auto [it, fresh] = dict_index.emplace(key, static_cast<uint32_t>(dict_index.size()));
          if (fresh) dict_plain += key;
          indices.push_back(it->second);
        }
        PageHeader h;
        h.type = PageType::kDictionaryPage;
        h.dictionary_page_header = DictionaryPageHeader{};
        h.dictionary_page_header->num_values = static_cast<int32_t>(dict_index.size());
        h.dictionary_page_header->encoding = Encoding::kPlain;
        m.dictionary_page_offset = static_cast<int64_t>(out->size());
        WINNOW_RETURN_IF_ERROR(AppendPage(h, dict_plain, {}, o, o.codec, out, &total_u, &total_c));
      }
      m.data_page_offset = static_cast<int64_t>(out->size());
      size_t index_pos = 0;
      for (size_t p0 = g0; p0 < g1 || p0 == g0; p0 += page_rows) {
        size_t p1 = std::min(g1, p0 + page_rows);
        std::vector<uint32_t> defs;
        std::vector<const Value*> present;
        for (size_t r = p0; r < p1; ++r) {
          defs.push_back(vals[r - g0] ? 1 : 0);
          if (vals[r - g0]) present.push_back(vals[r - g0]);
        }
        std::string levels;
        if (c.optional) EncodeRleBitPacked(defs.data(), defs.size(), 1, &levels);
        std::string values;
        if (dict) {
          int bw = BitWidth(dict_index.empty() ? 0 : dict_index.size() - 1);
          values.push_back(static_cast<char>(bw));
          EncodeRleBitPacked(indices.data() + index_pos, present.size(), bw, &values);
          index_pos += present.size();
        } else {
          WINNOW_RETURN_IF_ERROR(EncodeValues(c, present, p0, &values));
        }
        PageHeader h;
        if (o.page_v2) {
          h.type = PageType::kDataPageV2;
          DataPageHeaderV2 d;
          d.num_values = static_cast<int32_t>(p1 - p0);
          d.num_nulls = static_cast<int32_t>((p1 - p0) - present.size());
          d.num_rows = static_cast<int32_t>(p1 - p0);
          d.encoding = c.encoding;
          d.definition_levels_byte_length = static_cast<int32_t>(levels.size());
          d.repetition_levels_byte_length = 0;
          d.is_compressed = o.codec != Codec::kUncompressed;
          h.data_page_header_v2 = d;
          WINNOW_RETURN_IF_ERROR(
              AppendPage(h, values, levels, o, o.codec, out, &total_u, &total_c));
        } else {
          h.type = PageType::kDataPage;
          DataPageHeader d;
          d.num_values = static_cast<int32_t>(p1 - p0);
          d.encoding = c.encoding;
          h.data_page_header = d;
          std::string page;
          if (c.optional) {
            PutLE32(&page, static_cast<uint32_t>(levels.size()));
            page += levels;
          }
          page += values;
          WINNOW_RETURN_IF_ERROR(AppendPage(h, page, {}, o, o.codec, out, &total_u, &total_c));
        }
        if (p1 >= g1) break;
      }
      m.encodings = {c.encoding};
      if (c.optional) m.encodings.push_back(Encoding::kRle);
      m.total_uncompressed_size = total_u;
      m.total_compressed_size = total_c;
      ColumnChunk cc;
      cc.file_offset = chunk_start;
      cc.meta_data = std::move(m);
      rg.columns.push_back(std::move(cc));
      rg.total_byte_size += total_u;
    }
    meta.row_groups.push_back(std::move(rg));
    if (rows.empty()) break;
  }
  std::string footer;
  SerializeFileMetaData(meta, &footer);
  out->append(footer);
  PutLE32(out, static_cast<uint32_t>(footer.size()));
  out->append("PAR1");
  return Status::Ok();
}

}  // namespace winnow::parquet
