# quality_bench: cleaner/quality's presets vs a raw simdjson scan of the same
# file; with --harness also the plugins through the engine (see docs/performance.md).
if(TARGET winnow_cleaner_quality)
  set(_quality_dir ${PROJECT_SOURCE_DIR}/plugins/cleaners/quality)
  add_executable(quality_bench ${CMAKE_CURRENT_LIST_DIR}/quality_bench.cpp
    ${_quality_dir}/quality_rules.cpp ${_quality_dir}/quality_text.cpp)
  target_include_directories(quality_bench PRIVATE ${_quality_dir})
  target_link_libraries(quality_bench PRIVATE winnow::sdk simdjson::simdjson ICU::uc
    PkgConfig::XXHASH)
  if(TARGET winnow_testing)
    target_link_libraries(quality_bench PRIVATE winnow_testing)
    target_compile_definitions(quality_bench PRIVATE WINNOW_QUALITY_BENCH_HARNESS)
  endif()
endif()
