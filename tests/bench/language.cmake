# language_bench: cleaner/language's detectors vs a raw simdjson scan, plus
# accuracy per language and text length (see docs/performance.md).
if(TARGET winnow_cleaner_language)
  set(_lang_dir ${PROJECT_SOURCE_DIR}/plugins/cleaners/language)
  add_executable(language_bench ${CMAKE_CURRENT_LIST_DIR}/language_bench.cpp
    ${_lang_dir}/language_detect.cpp ${_lang_dir}/language_codes.cpp ${_lang_dir}/language_lexicon.cpp)
  target_include_directories(language_bench PRIVATE ${_lang_dir} ${CLD2_INCLUDE_DIR})
  target_link_libraries(language_bench PRIVATE winnow::sdk simdjson::simdjson ICU::uc ICU::i18n
    -Wl,--no-as-needed ${CLD2_FULL_LIBRARY} ${CLD2_LIBRARY} -Wl,--as-needed)
endif()
