# Kill-and-resume test of an LLM pipeline (needs llm/openai, task/generate, cpp-httplib).
include(${CMAKE_CURRENT_SOURCE_DIR}/plugins/fake_http.cmake)
if(TARGET winnow_fake_http AND TARGET winnow_llm_openai AND TARGET winnow_task_generate)
  winnow_add_test(test_resume_kill SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/resume/resume_kill_test.cpp
    LIBS winnow_fake_http PLUGINS winnow winnow_source_jsonl winnow_exporter_jsonl
    winnow_llm_openai winnow_task_generate TIMEOUT 600)
endif()
