# test_exporter_parquet: black-box tests through the harness, read back with source/parquet
# and with hyparquet (Node.js, installed by the test into <build>/npm), plus the writer's
# pieces compiled in for the crash test.
if(TARGET test_exporter_parquet)
  set(_pqw ${PROJECT_SOURCE_DIR}/plugins/exporters/parquet)
  set(_pq ${PROJECT_SOURCE_DIR}/plugins/sources/parquet)
  target_sources(test_exporter_parquet PRIVATE
    ${_pqw}/parquet_schema.cpp ${_pqw}/parquet_shred.cpp ${_pqw}/parquet_writer.cpp
    ${_pq}/parquet_thrift.cpp ${_pq}/parquet_meta.cpp ${_pq}/parquet_codec.cpp
    ${_pq}/parquet_encoding.cpp)
  target_include_directories(test_exporter_parquet PRIVATE ${_pqw} ${_pq})
  target_link_libraries(test_exporter_parquet PRIVATE simdjson::simdjson PkgConfig::SNAPPY
    PkgConfig::ZSTD ZLIB::ZLIB PkgConfig::LZ4 PkgConfig::BROTLI)
  foreach(dep winnow_source_parquet winnow_source_jsonl winnow_transform_filter)
    if(TARGET ${dep})
      add_dependencies(test_exporter_parquet ${dep})
    endif()
  endforeach()
  set_tests_properties(test_exporter_parquet PROPERTIES TIMEOUT 300)
endif()
