# cpp-httplib for fake HTTP peers in tests (tests/fixtures/fake_http_server.h).
# Debian's libcpp-httplib is a compiled library whose class layout depends on
# the CPPHTTPLIB_* macros it was built with; pkg-config carries them. Other
# tests/plugins/*.cmake files may include this file first; it runs once.
include_guard(GLOBAL)
pkg_check_modules(HTTPLIB IMPORTED_TARGET cpp-httplib)
if(TARGET PkgConfig::HTTPLIB AND NOT TARGET winnow_fake_http)
  add_library(winnow_fake_http INTERFACE)
  target_link_libraries(winnow_fake_http INTERFACE PkgConfig::HTTPLIB)
endif()
if(TARGET test_unit_http)
  target_link_libraries(test_unit_http PRIVATE winnow_fake_http)
endif()
