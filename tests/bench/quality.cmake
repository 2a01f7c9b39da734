# quality_bench: cleaner/quality's presets vs a raw simdjson scan of the same
# file, CLD2 alone and CLD2 + the presets with 1 and 2 threads; with --harness
# also the plugins through the engine (see docs/performance.md).
if(TARGET winnow_cleaner_quality)
  set(_quality_dir ${PROJECT_SOURCE_DIR}/plugins/cleaners/quality)
  # The tests' frozen copy of the engine before the speed rewrite: same-run before/after.
  set(_quality_ref_dir ${PROJECT_SOURCE_DIR}/tests/plugins)
  add_executable(quality_bench ${CMAKE_CURRENT_LIST_DIR}/quality_bench.cpp
    ${_quality_dir}/quality_rules.cpp ${_quality_dir}/quality_text.cpp
    ${_quality_ref_dir}/cleaner_quality_ref_rules.cpp ${_quality_ref_dir}/cleaner_quality_ref_text.cpp)
  target_include_directories(quality_bench PRIVATE ${_quality_dir} ${_quality_ref_dir})
  target_link_libraries(quality_bench PRIVATE winnow::sdk simdjson::simdjson ICU::uc
    PkgConfig::XXHASH Threads::Threads)
  if(CLD2_INCLUDE_DIR AND CLD2_LIBRARY AND CLD2_FULL_LIBRARY)
    # The same CLD2 call as cleaner/language (full tables: --no-as-needed keeps cld2_full).
    target_include_directories(quality_bench PRIVATE ${CLD2_INCLUDE_DIR})
    target_link_libraries(quality_bench PRIVATE
      -Wl,--no-as-needed ${CLD2_FULL_LIBRARY} ${CLD2_LIBRARY} -Wl,--as-needed)
    target_compile_definitions(quality_bench PRIVATE WINNOW_QUALITY_BENCH_CLD2)
    # cleaner/language's detector kernel (the plugin's Detect(): script analysis + CLD2).
    set(_lang_dir ${PROJECT_SOURCE_DIR}/plugins/cleaners/language)
    target_sources(quality_bench PRIVATE ${_lang_dir}/language_detect.cpp
      ${_lang_dir}/language_codes.cpp ${_lang_dir}/language_lexicon.cpp)
    target_include_directories(quality_bench PRIVATE ${_lang_dir})
    target_link_libraries(quality_bench PRIVATE ICU::i18n)
    if(TARGET PkgConfig::FASTTEXT)
      target_link_libraries(quality_bench PRIVATE PkgConfig::FASTTEXT)
      target_compile_definitions(quality_bench PRIVATE WINNOW_LANGUAGE_HAVE_FASTTEXT)
    endif()
  endif()
  if(TARGET winnow_testing)
    target_link_libraries(quality_bench PRIVATE winnow_testing)
    target_compile_definitions(quality_bench PRIVATE WINNOW_QUALITY_BENCH_HARNESS)
  endif()
endif()
