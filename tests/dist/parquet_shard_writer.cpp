// parquet_shard_writer — writes the Parquet input of test_parquet_shard.
//
//   parquet_shard_writer OUT_DIR
//
// Writes three files with many row groups of different sizes, codecs and
// encodings (source/parquet's simple writer), and OUT_DIR/expected.txt with
// one id per line, every row exactly once. Rows are
// {"id": f*1000000 + i, "text": "file f row i ..." or null, "score": double}.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "parquet_simple_writer.h"

namespace pq = winnow::parquet;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: parquet_shard_writer OUT_DIR\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  std::vector<pq::SimpleColumn> columns(3);
  columns[0].name = "id";
  columns[0].type = pq::Type::kInt64;
  columns[0].optional = false;
  columns[1].name = "text";
  columns[1].type = pq::Type::kByteArray;
  columns[1].logical.kind = pq::LogicalType::Kind::kString;
  columns[2].name = "score";
  columns[2].type = pq::Type::kDouble;

  struct FileSpec {
    size_t rows, rows_per_group;
    pq::Codec codec;
    pq::Encoding text_encoding;
    bool page_v2;
  };
  // 10 + 1 + 9 = 20 row groups: under 3 ranks each reads groups of every file.
  const FileSpec files[] = {
      {1000, 100, pq::Codec::kSnappy, pq::Encoding::kPlain, false},
      {37, 1000, pq::Codec::kUncompressed, pq::Encoding::kRleDictionary, false},
      {515, 60, pq::Codec::kZstd, pq::Encoding::kDeltaLengthByteArray, true},
  };
  std::ofstream expected(dir / "expected.txt");
  for (size_t f = 0; f < std::size(files); ++f) {
    const FileSpec& spec = files[f];
    std::vector<winnow::Value> rows;
    for (size_t i = 0; i < spec.rows; ++i) {
      int64_t id = static_cast<int64_t>(f * 1000000 + i);
      winnow::Value row = winnow::Value::MakeObject();
      row.set("id", id);
      if (i % 13 == 5) {
        row.set("text", winnow::Value());
      } else {
        row.set("text", "file " + std::to_string(f) + " row " + std::to_string(i) +
                            (i % 3 == 0 ? " \xC3\xA9t\xC3\xA9 \"quoted\"" : ""));
      }
      row.set("score", static_cast<double>(i) / 8.0);
      rows.push_back(std::move(row));
      expected << id << "\n";
    }
    columns[1].encoding = spec.text_encoding;
    pq::SimpleWriterOptions options;
    options.codec = spec.codec;
    options.rows_per_row_group = spec.rows_per_group;
    options.rows_per_page = 25;
    options.page_v2 = spec.page_v2;
    options.write_crc = f == 0;
    std::string bytes;
    winnow::Status st = pq::WriteSimpleParquet(columns, rows, options, &bytes);
    if (!st.ok()) {
      std::fprintf(stderr, "parquet_shard_writer: %s\n", st.ToString().c_str());
      return 1;
    }
    std::ofstream out(dir / ("part-" + std::to_string(f) + ".parquet"), std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "parquet_shard_writer: cannot write to %s\n", argv[1]);
      return 1;
    }
  }
  return expected ? 0 : 1;
}
