// ThreadPool: a TaskRunner backed by threads created once, for the engine's column-block products.
// Dispatch uses a mutex, two condition variables and an atomic counter: nothing allocates per call.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "gctrain/parallel.hpp"

namespace gct::host {

class ThreadPool {
 public:
  // `threads` workers in all: the caller of run() is one of them, so threads - 1 are started.
  explicit ThreadPool(uint32_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  const TaskRunner* runner() const { return &runner_; }
  void run(TaskFn task, void* arg, uint32_t count);

 private:
  void worker();
  void drain();

  TaskRunner runner_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  TaskFn task_ = nullptr;
  void* arg_ = nullptr;
  uint32_t count_ = 0;
  std::atomic<uint32_t> next_{0};
  uint32_t finished_ = 0;
};

}  // namespace gct::host
