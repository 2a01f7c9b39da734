# test_cleaner_quality also compiles the rule kernels directly (tokenizer and
# per-rule checks without the host), and a frozen copy of the engine as it was
# before the speed rewrite (cleaner_quality_ref_*), the oracle the fast engine
# is compared against.
if(TARGET test_cleaner_quality)
  set(_quality_dir ${PROJECT_SOURCE_DIR}/plugins/cleaners/quality)
  target_sources(test_cleaner_quality PRIVATE ${_quality_dir}/quality_rules.cpp
    ${_quality_dir}/quality_text.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cleaner_quality_equivalence.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cleaner_quality_ref_rules.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cleaner_quality_ref_text.cpp)
  target_include_directories(test_cleaner_quality PRIVATE ${_quality_dir} ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(test_cleaner_quality PRIVATE ICU::uc PkgConfig::XXHASH)
endif()
