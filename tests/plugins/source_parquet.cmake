# source/parquet: the test also compiles the reader's pieces directly (kernel
# tests, crafted bad files) and the simple writer, and compares with simdjson.
if(TARGET test_source_parquet)
  set(_pq ${PROJECT_SOURCE_DIR}/plugins/sources/parquet)
  target_sources(test_source_parquet PRIVATE
    ${_pq}/parquet_thrift.cpp ${_pq}/parquet_meta.cpp ${_pq}/parquet_codec.cpp
    ${_pq}/parquet_encoding.cpp ${_pq}/parquet_column.cpp ${_pq}/parquet_file.cpp
    ${_pq}/parquet_simple_writer.cpp)
  target_include_directories(test_source_parquet PRIVATE ${_pq})
  target_link_libraries(test_source_parquet PRIVATE simdjson::simdjson PkgConfig::SNAPPY
    PkgConfig::ZSTD ZLIB::ZLIB PkgConfig::LZ4 PkgConfig::BROTLI)
endif()
