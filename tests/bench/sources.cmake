# sources_bench: source/csv, source/documents and source/feedback (SQLite) driven through the
# real registry, next to raw read / Python csv / yaml-cpp / sqlite3 baselines (docs/performance.md).
if(TARGET winnow_source_csv AND TARGET winnow_source_documents AND TARGET winnow_source_feedback
   AND TARGET SQLite::SQLite3)
  add_executable(sources_bench ${CMAKE_CURRENT_LIST_DIR}/sources_bench.cpp)
  target_link_libraries(sources_bench PRIVATE winnow_core winnow::sdk SQLite::SQLite3 yaml-cpp)
  target_compile_definitions(sources_bench PRIVATE
    WINNOW_BENCH_BINARY_DIR="${CMAKE_BINARY_DIR}" WINNOW_BENCH_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(sources_bench winnow_source_csv winnow_source_documents winnow_source_feedback)
endif()
