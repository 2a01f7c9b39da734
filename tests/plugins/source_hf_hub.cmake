# test_source_hf_hub: black-box tests against tests/fixtures/fake_hub (cpp-httplib), plus
# unit tests of the selection rules and codecs compiled from the plugin's sources.
if(TARGET test_source_hf_hub)
  if(NOT TARGET PkgConfig::WINNOW_HUB_HTTPLIB)
    pkg_check_modules(WINNOW_HUB_HTTPLIB IMPORTED_TARGET cpp-httplib)
  endif()
  set(_hf_dir ${PROJECT_SOURCE_DIR}/plugins/sources/hf_hub)
  target_sources(test_source_hf_hub PRIVATE ${_hf_dir}/hf_hub_common.cpp ${_hf_dir}/hf_hub_select.cpp ${_hf_dir}/hf_hub_client.cpp)
  target_include_directories(test_source_hf_hub PRIVATE ${_hf_dir} ${PROJECT_SOURCE_DIR}/tests/fixtures/fake_hub)
  target_link_libraries(test_source_hf_hub PRIVATE PkgConfig::WINNOW_HUB_HTTPLIB yaml-cpp)
  set_tests_properties(test_source_hf_hub PROPERTIES TIMEOUT 120)
endif()
