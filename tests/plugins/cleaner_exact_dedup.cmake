# test_cleaner_exact_dedup also compiles the plugin's key/index code directly.
if(TARGET test_cleaner_exact_dedup)
  target_sources(test_cleaner_exact_dedup PRIVATE
    ${PROJECT_SOURCE_DIR}/plugins/cleaners/exact_dedup/exact_dedup_index.cpp)
  target_include_directories(test_cleaner_exact_dedup PRIVATE
    ${PROJECT_SOURCE_DIR}/plugins/cleaners/exact_dedup)
  target_link_libraries(test_cleaner_exact_dedup PRIVATE winnow_cleaners_common)
endif()
