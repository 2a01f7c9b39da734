// winnow/arena_pool.h — recycles the padded byte arenas that records point into.
//
// Writing to freshly allocated memory costs page faults and zeroing (several
// times slower than writing to pages that are already mapped), so a source that
// reads its input in large chunks takes arenas from a pool; an arena returns to
// the pool when the last record pointing into it is gone.
//
// Get() hands out an empty arena. GetForOverwrite() keeps the arena's previous
// size (its bytes are stale): a caller that writes into data() directly and
// then shrinks with resize() avoids zero-filling the buffer again on each use.
// Thread-safe; the pool outlives every arena it handed out.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "winnow/record.h"

namespace winnow {

class ArenaPool : public std::enable_shared_from_this<ArenaPool> {
 public:
  // Arenas whose capacity exceeds `max_kept_bytes` are freed instead of kept;
  // at most `max_kept` arenas wait in the pool.
  static std::shared_ptr<ArenaPool> Create(size_t max_kept_bytes, size_t max_kept = 64);

  std::shared_ptr<Arena> Get(const std::string& origin);
  std::shared_ptr<Arena> GetForOverwrite(const std::string& origin);

 private:
  ArenaPool(size_t max_kept_bytes, size_t max_kept)
      : max_kept_bytes_(max_kept_bytes), max_kept_(max_kept) {}
  Arena* Take();
  void Put(Arena* a);

  const size_t max_kept_bytes_, max_kept_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Arena>> free_;
};

}  // namespace winnow
