# test_source_documents also compiles the plugin's glob and front matter code to test it directly.
if(TARGET test_source_documents)
  target_sources(test_source_documents PRIVATE
    ${PROJECT_SOURCE_DIR}/plugins/sources/documents/documents_glob.cpp
    ${PROJECT_SOURCE_DIR}/plugins/sources/documents/documents_front_matter.cpp)
  target_include_directories(test_source_documents PRIVATE
    ${PROJECT_SOURCE_DIR}/plugins/sources/documents)
  target_link_libraries(test_source_documents PRIVATE yaml-cpp)
endif()
