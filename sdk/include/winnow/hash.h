// winnow/hash.h — the hashes winnow uses for keys, signatures and caches (xxHash XXH3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace winnow {

struct Hash128 {
  uint64_t low = 0, high = 0;
  friend bool operator==(const Hash128&, const Hash128&) = default;
  friend auto operator<=>(const Hash128&, const Hash128&) = default;
  std::string ToHex() const;  // 32 lowercase hex digits, high then low
};

uint64_t Hash64(std::string_view data, uint64_t seed = 0);
Hash128 Hash128Of(std::string_view data, uint64_t seed = 0);

}  // namespace winnow
