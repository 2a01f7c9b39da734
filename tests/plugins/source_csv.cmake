# test_source_csv also compiles the plugin's splitter to test it directly.
if(TARGET test_source_csv)
  target_sources(test_source_csv PRIVATE ${PROJECT_SOURCE_DIR}/plugins/sources/csv/csv_parser.cpp)
  target_include_directories(test_source_csv PRIVATE ${PROJECT_SOURCE_DIR}/plugins/sources/csv)
endif()
