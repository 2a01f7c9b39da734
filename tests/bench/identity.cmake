# identity_bench: the identity pipeline (winnow run, source/jsonl -> exporter/jsonl)
# against a raw simdjson on-demand pass over the same file (docs/performance.md).
add_executable(identity_bench ${CMAKE_CURRENT_LIST_DIR}/identity_bench.cpp)
target_include_directories(identity_bench PRIVATE ${PROJECT_SOURCE_DIR}/tests/fixtures/corpus)
target_link_libraries(identity_bench PRIVATE simdjson::simdjson)
target_compile_definitions(identity_bench PRIVATE WINNOW_BENCH_BINARY_DIR="${CMAKE_BINARY_DIR}")
add_dependencies(identity_bench winnow winnow_source_jsonl winnow_exporter_jsonl)
