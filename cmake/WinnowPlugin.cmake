# winnow_add_plugin(KIND NAME SOURCES a.cpp b.cpp [LIBS target ...])
#
# Builds plugins/<kind>s/<name> as a loadable module named
# libwinnow_<kind>_<name>.so into the build tree's lib/winnow/plugins (where the
# host finds it) and installs it to <prefix>/lib/winnow/plugins. Plugins see
# only the SDK (plus the LIBS they name) and are built with hidden visibility.
function(winnow_add_plugin KIND NAME)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  set(target winnow_${KIND}_${NAME})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${WINNOW_PLUGIN_OUTPUT_DIR}
    BUILD_RPATH "${CMAKE_BINARY_DIR}/lib"
    INSTALL_RPATH "$ORIGIN/../..")
  target_link_libraries(${target} PRIVATE winnow::sdk ${ARG_LIBS})
  target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  install(TARGETS ${target} LIBRARY DESTINATION ${WINNOW_PLUGIN_INSTALL_DIR} COMPONENT runtime)
  set_property(GLOBAL APPEND PROPERTY WINNOW_PLUGIN_TARGETS ${target})
endfunction()
