# hub_download_bench: source/hf_hub's download path vs plain curl, against the fake Hub (see docs/performance.md, "Hub").
if(TARGET winnow_source_hf_hub)
  if(NOT TARGET PkgConfig::WINNOW_HUB_HTTPLIB)
    pkg_check_modules(WINNOW_HUB_HTTPLIB IMPORTED_TARGET cpp-httplib)
  endif()
  set(_hf_dir ${PROJECT_SOURCE_DIR}/plugins/sources/hf_hub)
  add_executable(hub_download_bench ${CMAKE_CURRENT_LIST_DIR}/hub_download_bench.cpp
    ${_hf_dir}/hf_hub_client.cpp ${_hf_dir}/hf_hub_common.cpp)
  target_include_directories(hub_download_bench PRIVATE ${_hf_dir} ${PROJECT_SOURCE_DIR}/tests/fixtures/fake_hub)
  target_link_libraries(hub_download_bench PRIVATE winnow::sdk CURL::libcurl PkgConfig::WINNOW_HUB_HTTPLIB)
endif()
