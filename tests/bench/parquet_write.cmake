# parquet_write_bench: exporter/parquet (winnow run, source/jsonl -> exporter/parquet, several
# codecs) against exporter/jsonl writing the same rows in the same run, plus the writer's kernel
# (EncodeBatch + FileWriter, in process) against a raw simdjson scan (docs/performance.md).
if(TARGET winnow_exporter_parquet)
  set(_pqw ${PROJECT_SOURCE_DIR}/plugins/exporters/parquet)
  set(_pq ${PROJECT_SOURCE_DIR}/plugins/sources/parquet)
  add_executable(parquet_write_bench ${CMAKE_CURRENT_LIST_DIR}/parquet_write_bench.cpp
    ${_pqw}/parquet_schema.cpp ${_pqw}/parquet_shred.cpp ${_pqw}/parquet_writer.cpp
    ${_pq}/parquet_thrift.cpp ${_pq}/parquet_meta.cpp ${_pq}/parquet_codec.cpp
    ${_pq}/parquet_encoding.cpp)
  target_include_directories(parquet_write_bench PRIVATE ${_pqw} ${_pq}
    ${PROJECT_SOURCE_DIR}/tests/fixtures/corpus)
  target_link_libraries(parquet_write_bench PRIVATE winnow::sdk simdjson::simdjson
    PkgConfig::SNAPPY PkgConfig::ZSTD ZLIB::ZLIB PkgConfig::LZ4 PkgConfig::BROTLI)
  target_compile_definitions(parquet_write_bench PRIVATE
    WINNOW_BENCH_BINARY_DIR="${CMAKE_BINARY_DIR}")
  add_dependencies(parquet_write_bench winnow winnow_source_jsonl winnow_exporter_jsonl
    winnow_exporter_parquet)
endif()
