# llm_bench: task/generate through llm/openai against a fake server with a fixed
# delay, against the concurrency/latency bound (see docs/performance.md, "LLM tasks").
if(TARGET winnow_llm_openai AND TARGET winnow_task_generate)
  add_executable(llm_bench ${CMAKE_CURRENT_LIST_DIR}/llm_bench.cpp)
  target_link_libraries(llm_bench PRIVATE winnow::sdk)
  target_compile_definitions(llm_bench PRIVATE WINNOW_BENCH_BINARY_DIR="${CMAKE_BINARY_DIR}")
  add_dependencies(llm_bench winnow winnow_source_jsonl winnow_exporter_jsonl winnow_task_generate
    winnow_llm_openai)
endif()
