#include "winnow/hash.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace winnow {

uint64_t Hash64(std::string_view data, uint64_t seed) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

Hash128 Hash128Of(std::string_view data, uint64_t seed) {
  XXH128_hash_t h = XXH3_128bits_withSeed(data.data(), data.size(), seed);
  return {h.low64, h.high64};
}

std::string Hash128::ToHex() const {
  static const char* kHex = "0123456789abcdef";
  std::string s(32, '0');
  for (int i = 0; i < 16; ++i) {
    s[15 - i] = kHex[(high >> (4 * i)) & 15];
    s[31 - i] = kHex[(low >> (4 * i)) & 15];
  }
  return s;
}

}  // namespace winnow
