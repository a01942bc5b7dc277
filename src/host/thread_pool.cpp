#include "host/thread_pool.hpp"

namespace gct::host {

ThreadPool::ThreadPool(uint32_t threads) {
  runner_.context = this;
  runner_.run = [](void* self, TaskFn task, void* arg, uint32_t count) {
    static_cast<ThreadPool*>(self)->run(task, arg, count);
  };
  for (uint32_t i = 1; i < threads; ++i) threads_.emplace_back([this] { worker(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

// Takes task indices until none are left. The task, argument and count were published under the
// mutex before the generation changed, and run() does not return (so cannot republish them) until
// every thread has left this function.
void ThreadPool::drain() {
  for (uint32_t i = next_.fetch_add(1); i < count_; i = next_.fetch_add(1)) task_(arg_, i);
}

void ThreadPool::run(TaskFn task, void* arg, uint32_t count) {
  if (threads_.empty() || count <= 1) {
    for (uint32_t i = 0; i < count; ++i) task(arg, i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = task;
    arg_ = arg;
    count_ = count;
    next_.store(0);
    finished_ = 0;  // here: workers that have left drain() for this generation
    ++generation_;
  }
  wake_.notify_all();
  drain();
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return finished_ == threads_.size(); });
}

void ThreadPool::worker() {
  uint64_t seen = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    drain();
    std::lock_guard<std::mutex> lock(mutex_);
    if (++finished_ == threads_.size()) done_.notify_all();
  }
}

}  // namespace gct::host
