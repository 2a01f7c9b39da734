# parquet_read_bench: source/parquet's reader (all columns / projected) vs a raw
# pread of the same generated multi-row-group file (see docs/performance.md).
if(TARGET winnow_source_parquet)
  set(_pq ${PROJECT_SOURCE_DIR}/plugins/sources/parquet)
  add_executable(parquet_read_bench ${CMAKE_CURRENT_LIST_DIR}/parquet_read_bench.cpp
    ${_pq}/parquet_thrift.cpp ${_pq}/parquet_meta.cpp ${_pq}/parquet_codec.cpp
    ${_pq}/parquet_encoding.cpp ${_pq}/parquet_column.cpp ${_pq}/parquet_file.cpp
    ${_pq}/parquet_simple_writer.cpp)
  target_include_directories(parquet_read_bench PRIVATE ${_pq})
  target_link_libraries(parquet_read_bench PRIVATE winnow::sdk PkgConfig::SNAPPY PkgConfig::ZSTD
    ZLIB::ZLIB PkgConfig::LZ4 PkgConfig::BROTLI)
endif()
