# test_cleaner_language also compiles the detector kernels directly and links
# fastText to train a tiny model for the fastText path.
if(TARGET test_cleaner_language)
  set(_lang_dir ${PROJECT_SOURCE_DIR}/plugins/cleaners/language)
  target_sources(test_cleaner_language PRIVATE ${_lang_dir}/language_detect.cpp
    ${_lang_dir}/language_codes.cpp ${_lang_dir}/language_lexicon.cpp)
  target_include_directories(test_cleaner_language PRIVATE ${_lang_dir} ${CLD2_INCLUDE_DIR})
  target_link_libraries(test_cleaner_language PRIVATE ICU::uc ICU::i18n
    -Wl,--no-as-needed ${CLD2_FULL_LIBRARY} ${CLD2_LIBRARY} -Wl,--as-needed)
  if(TARGET PkgConfig::FASTTEXT)
    target_link_libraries(test_cleaner_language PRIVATE PkgConfig::FASTTEXT)
    target_compile_definitions(test_cleaner_language PRIVATE WINNOW_LANGUAGE_HAVE_FASTTEXT)
  endif()
endif()
