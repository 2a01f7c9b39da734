# test_cleaner_pii also compiles the scanners directly.
if(TARGET test_cleaner_pii)
  set(_pii_dir ${PROJECT_SOURCE_DIR}/plugins/cleaners/pii)
  target_sources(test_cleaner_pii PRIVATE ${_pii_dir}/pii_scan.cpp)
  target_include_directories(test_cleaner_pii PRIVATE ${_pii_dir})
  target_link_libraries(test_cleaner_pii PRIVATE ICU::uc ZLIB::ZLIB)
endif()
