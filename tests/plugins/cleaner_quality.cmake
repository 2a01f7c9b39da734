# test_cleaner_quality also compiles the rule kernels directly (tokenizer and
# per-rule checks without the host).
if(TARGET test_cleaner_quality)
  set(_quality_dir ${PROJECT_SOURCE_DIR}/plugins/cleaners/quality)
  target_sources(test_cleaner_quality PRIVATE ${_quality_dir}/quality_rules.cpp
    ${_quality_dir}/quality_text.cpp)
  target_include_directories(test_cleaner_quality PRIVATE ${_quality_dir})
  target_link_libraries(test_cleaner_quality PRIVATE ICU::uc PkgConfig::XXHASH)
endif()
