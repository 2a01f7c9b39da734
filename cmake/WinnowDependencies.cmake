# Every third-party library winnow uses, all from Debian 12 packages
# (see README for the apt-get line). Targets are normalised here so the rest of
# the build names one target per library.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(simdjson REQUIRED)
find_package(CURL REQUIRED)
find_package(ICU REQUIRED COMPONENTS uc i18n data)
find_package(ZLIB REQUIRED)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)

# Optional libraries used by some plugins; a plugin whose library is missing is skipped.
pkg_check_modules(SNAPPY IMPORTED_TARGET snappy)
pkg_check_modules(LZ4 IMPORTED_TARGET liblz4)
pkg_check_modules(BROTLI IMPORTED_TARGET libbrotlidec libbrotlienc)
pkg_check_modules(FASTTEXT IMPORTED_TARGET fasttext)
find_package(SQLite3)
find_package(PostgreSQL)
find_package(MPI COMPONENTS CXX)
find_path(CLD2_INCLUDE_DIR cld2/public/compact_lang_det.h)
find_library(CLD2_LIBRARY cld2)
find_library(CLD2_FULL_LIBRARY cld2_full)

# Boost.DLL with std::filesystem: header-only, no boost library linked.
add_library(winnow_boost_dll INTERFACE)
target_link_libraries(winnow_boost_dll INTERFACE Boost::headers ${CMAKE_DL_LIBS})
target_compile_definitions(winnow_boost_dll INTERFACE BOOST_DLL_USE_STD_FS)
