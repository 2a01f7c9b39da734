# test_cleaner_minhash_dedup also tests the shared kernels directly and uses the
# near-duplicate generator from tests/bench.
if(TARGET test_cleaner_minhash_dedup)
  target_include_directories(test_cleaner_minhash_dedup PRIVATE ${PROJECT_SOURCE_DIR}/tests/bench)
  target_link_libraries(test_cleaner_minhash_dedup PRIVATE winnow_cleaners_common)
endif()
