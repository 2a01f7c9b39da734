# Parquet row-group sharding under MPI (issue 7): source/parquet under `mpirun -np 3` reads
# every row exactly once and the merged output equals the single-process run.
if(TARGET winnow_source_parquet)
  set(_pq ${PROJECT_SOURCE_DIR}/plugins/sources/parquet)
  add_executable(parquet_shard_writer ${CMAKE_CURRENT_LIST_DIR}/parquet_shard_writer.cpp
    ${_pq}/parquet_thrift.cpp ${_pq}/parquet_meta.cpp ${_pq}/parquet_codec.cpp
    ${_pq}/parquet_encoding.cpp ${_pq}/parquet_simple_writer.cpp)
  target_include_directories(parquet_shard_writer PRIVATE ${_pq})
  target_link_libraries(parquet_shard_writer PRIVATE winnow::sdk PkgConfig::SNAPPY PkgConfig::ZSTD
    ZLIB::ZLIB PkgConfig::LZ4 PkgConfig::BROTLI)
  add_test(NAME test_parquet_shard
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/parquet_shard_test.sh $<TARGET_FILE:parquet_shard_writer>)
  set_tests_properties(test_parquet_shard PROPERTIES ENVIRONMENT "${WINNOW_TEST_ENV}" TIMEOUT 300)
endif()
