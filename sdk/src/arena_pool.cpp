// Recycling of record arenas (see winnow/arena_pool.h).
#include "winnow/arena_pool.h"

namespace winnow {

std::shared_ptr<ArenaPool> ArenaPool::Create(size_t max_kept_bytes, size_t max_kept) {
  return std::shared_ptr<ArenaPool>(new ArenaPool(max_kept_bytes, max_kept));
}

Arena* ArenaPool::Take() {
  {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      Arena* a = free_.back().release();
      free_.pop_back();
      return a;
    }
  }
  return new Arena();
}

void ArenaPool::Put(Arena* a) {
  std::lock_guard lock(mu_);
  if (free_.size() < max_kept_ && a->bytes.capacity() <= max_kept_bytes_) {
    free_.emplace_back(a);
  } else {
    delete a;
  }
}

std::shared_ptr<Arena> ArenaPool::GetForOverwrite(const std::string& origin) {
  Arena* a = Take();
  a->origin = origin;
  auto self = shared_from_this();
  return std::shared_ptr<Arena>(a, [self](Arena* x) { self->Put(x); });
}

std::shared_ptr<Arena> ArenaPool::Get(const std::string& origin) {
  auto a = GetForOverwrite(origin);
  a->bytes.clear();
  return a;
}

}  // namespace winnow
