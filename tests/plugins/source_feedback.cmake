# test_source_feedback builds its SQLite fixtures with the sqlite3 API, administers the
# throw-away PostgreSQL server with libpq, and tests the value conversion and presets directly.
if(TARGET test_source_feedback)
  target_sources(test_source_feedback PRIVATE
    ${PROJECT_SOURCE_DIR}/plugins/sources/feedback/feedback_convert.cpp
    ${PROJECT_SOURCE_DIR}/plugins/sources/feedback/feedback_presets.cpp)
  target_include_directories(test_source_feedback PRIVATE
    ${PROJECT_SOURCE_DIR}/plugins/sources/feedback)
  if(TARGET SQLite::SQLite3)
    target_link_libraries(test_source_feedback PRIVATE SQLite::SQLite3)
    target_compile_definitions(test_source_feedback PRIVATE WINNOW_HAVE_SQLITE=1)
  endif()
  if(TARGET PostgreSQL::PostgreSQL)
    target_link_libraries(test_source_feedback PRIVATE PostgreSQL::PostgreSQL)
    target_compile_definitions(test_source_feedback PRIVATE WINNOW_HAVE_POSTGRES=1)
  endif()
endif()
