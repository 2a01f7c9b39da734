# test_cleaner_minhash_dedup also tests the shared kernels and the plugin's
# fast path (minhash_dedup_fast.cpp, compiled in) directly, and uses the
# near-duplicate generator from tests/bench.
if(TARGET test_cleaner_minhash_dedup)
  target_sources(test_cleaner_minhash_dedup PRIVATE
    ${PROJECT_SOURCE_DIR}/plugins/cleaners/minhash_dedup/minhash_dedup_fast.cpp
    ${PROJECT_SOURCE_DIR}/plugins/cleaners/minhash_dedup/minhash_dedup_xxh64.cpp
    ${PROJECT_SOURCE_DIR}/plugins/cleaners/minhash_dedup/minhash_dedup_lsh.cpp)
  target_include_directories(test_cleaner_minhash_dedup PRIVATE
    ${PROJECT_SOURCE_DIR}/tests/bench ${PROJECT_SOURCE_DIR}/plugins/cleaners/minhash_dedup)
  target_link_libraries(test_cleaner_minhash_dedup PRIVATE winnow_cleaners_common)
endif()
