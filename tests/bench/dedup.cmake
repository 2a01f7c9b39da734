# dedup_bench: exact_dedup and minhash_dedup kernels against a raw simdjson scan,
# plus precision/recall of minhash_dedup on a generated near-duplicate corpus.
add_executable(dedup_bench
  ${CMAKE_CURRENT_LIST_DIR}/dedup_bench.cpp
  ${PROJECT_SOURCE_DIR}/plugins/cleaners/exact_dedup/exact_dedup_index.cpp
  ${PROJECT_SOURCE_DIR}/plugins/cleaners/minhash_dedup/minhash_dedup_fast.cpp
  ${PROJECT_SOURCE_DIR}/plugins/cleaners/minhash_dedup/minhash_dedup_xxh64.cpp
  ${PROJECT_SOURCE_DIR}/plugins/cleaners/minhash_dedup/minhash_dedup_lsh.cpp)
target_include_directories(dedup_bench PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}
  ${PROJECT_SOURCE_DIR}/plugins/cleaners/exact_dedup
  ${PROJECT_SOURCE_DIR}/plugins/cleaners/minhash_dedup)
target_link_libraries(dedup_bench PRIVATE winnow_cleaners_common simdjson::simdjson Threads::Threads)
