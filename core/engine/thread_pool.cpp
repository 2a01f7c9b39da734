#include "engine/thread_pool.h"

#include <pthread.h>

#include <string>

namespace winnow::core {

ThreadPool::ThreadPool(size_t threads) {
  if (threads == 0) threads = 1;
  for (size_t i = 0; i < threads; ++i) {
    workers_.emplace_back([this, i] {
      // Named for top -H, perf and debuggers (at most 15 characters).
      pthread_setname_np(pthread_self(),
                         ("winnow-pool-" + std::to_string(i)).substr(0, 15).c_str());
      Work();
    });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::Work() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace winnow::core
