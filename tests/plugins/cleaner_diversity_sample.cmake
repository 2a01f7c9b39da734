# test_cleaner_diversity_sample also compiles the selection kernel directly.
if(TARGET test_cleaner_diversity_sample)
  target_sources(test_cleaner_diversity_sample PRIVATE
    ${PROJECT_SOURCE_DIR}/plugins/cleaners/diversity_sample/diversity_sample_select.cpp)
  target_include_directories(test_cleaner_diversity_sample PRIVATE
    ${PROJECT_SOURCE_DIR}/plugins/cleaners/diversity_sample)
endif()
