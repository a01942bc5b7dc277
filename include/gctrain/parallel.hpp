// TaskRunner: how the engine runs independent pieces of work at once without owning threads.
//
// The engine never creates threads (it also runs on bare metal). A host that wants T threads gives
// the trainer a runner - e.g. host::ThreadPool, whose threads are created once at setup - and the
// engine splits each matrix product into T blocks of its result, each with its own packing space in
// the arena. Contract for `run`: call task(arg, i) exactly once for every i in [0, count), possibly
// concurrently, and return when all calls have returned; never allocate.
#pragma once

#include <cstdint>

namespace gct {

constexpr uint32_t kMaxThreads = 16;

using TaskFn = void (*)(void* arg, uint32_t index);

struct TaskRunner {
  void* context = nullptr;
  void (*run)(void* context, TaskFn task, void* arg, uint32_t count) = nullptr;
};

// Runs the tasks on `runner`, or one after another on the caller if runner is null.
inline void run_tasks(const TaskRunner* runner, TaskFn task, void* arg, uint32_t count) {
  if (runner != nullptr && runner->run != nullptr && count > 1) {
    runner->run(runner->context, task, arg, count);
  } else {
    for (uint32_t i = 0; i < count; ++i) task(arg, i);
  }
}

}  // namespace gct
