// winnow/text.h — small text utilities shared by plugins.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace winnow {

// True when `s` is valid UTF-8 (SIMD, ~10+ GB/s).
bool IsValidUtf8(std::string_view s);

// Replaces invalid UTF-8 sequences with U+FFFD.
std::string SanitizeUtf8(std::string_view s);

// Number of Unicode code points in valid UTF-8.
size_t CountCodePoints(std::string_view s);

// At most `max_bytes` of `s`, cut at a code point boundary, with "..." when cut.
std::string Abbreviate(std::string_view s, size_t max_bytes);

}  // namespace winnow
