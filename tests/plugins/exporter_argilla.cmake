# test_exporter_argilla: runs against tests/fixtures/fake_argilla (cpp-httplib).
if(TARGET test_exporter_argilla)
  if(NOT TARGET PkgConfig::WINNOW_HUB_HTTPLIB)
    pkg_check_modules(WINNOW_HUB_HTTPLIB IMPORTED_TARGET cpp-httplib)
  endif()
  target_include_directories(test_exporter_argilla PRIVATE ${PROJECT_SOURCE_DIR}/tests/fixtures/fake_argilla)
  target_link_libraries(test_exporter_argilla PRIVATE PkgConfig::WINNOW_HUB_HTTPLIB)
  set_tests_properties(test_exporter_argilla PROPERTIES TIMEOUT 120)
endif()
