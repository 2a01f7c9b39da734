# llm/openai and the LLM tasks: tests talk to a fake OpenAI server (cpp-httplib).
include(${CMAKE_CURRENT_LIST_DIR}/fake_http.cmake)
if(TARGET test_llm_openai)
  # The wire functions are tested directly.
  # Batch mode (a fake Batch API) is tested in llm_openai_batch_cases.cpp, with
  # the batch and cache code compiled in too.
  target_sources(test_llm_openai PRIVATE ${PROJECT_SOURCE_DIR}/plugins/llm/openai/openai_wire.cpp
    ${PROJECT_SOURCE_DIR}/plugins/llm/openai/openai_batch.cpp
    ${PROJECT_SOURCE_DIR}/plugins/llm/openai/openai_cache.cpp
    ${CMAKE_CURRENT_LIST_DIR}/llm_openai_batch_cases.cpp)
  target_include_directories(test_llm_openai PRIVATE ${PROJECT_SOURCE_DIR}/plugins/llm/openai)
  target_link_libraries(test_llm_openai PRIVATE winnow_fake_http SQLite::SQLite3)
  if(TARGET winnow_task_generate)
    add_dependencies(test_llm_openai winnow_task_generate)
  endif()
endif()
# Task tests run the tasks against llm/openai and the fake server.
foreach(task generate chat evol_instruct evol_complexity evol_quality ultrafeedback
        pairwise_judge structured)
  if(TARGET test_task_${task})
    target_link_libraries(test_task_${task} PRIVATE winnow_fake_http)
    if(TARGET winnow_llm_openai)
      add_dependencies(test_task_${task} winnow_llm_openai)
    endif()
  endif()
endforeach()
if(TARGET test_transform_combine)
  target_link_libraries(test_transform_combine PRIVATE winnow_fake_http)
endif()
if(TARGET test_task_structured)
  target_sources(test_task_structured PRIVATE
    ${PROJECT_SOURCE_DIR}/plugins/tasks/structured/structured_schema.cpp)
  target_include_directories(test_task_structured PRIVATE ${PROJECT_SOURCE_DIR}/plugins/tasks/structured)
endif()
if(TARGET test_transform_combine)
  # The fan-in pipeline test runs `winnow run` with these plugins.
  foreach(dep winnow_source_jsonl winnow_exporter_jsonl winnow_task_generate
          winnow_task_ultrafeedback winnow_llm_openai)
    if(TARGET ${dep})
      add_dependencies(test_transform_combine ${dep})
    endif()
  endforeach()
endif()
if(TARGET test_task_generate)
  # The case-study test runs configs/dataset-card-summaries.yaml with `winnow run`.
  foreach(dep winnow_source_documents winnow_transform_filter winnow_transform_template
          winnow_transform_select winnow_transform_combine winnow_task_ultrafeedback
          winnow_exporter_jsonl winnow_llm_openai)
    if(TARGET ${dep})
      add_dependencies(test_task_generate ${dep})
    endif()
  endforeach()
endif()
