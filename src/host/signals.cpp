#include "host/signals.hpp"

#include "host/atomic_file.hpp"

#include <csignal>
#include <cstdlib>
#include <unistd.h>

namespace gct::host {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int sig) {
  if (g_stop.exchange(true)) {
    remove_temporaries();  // an abort must not leave half-written files behind
    _exit(128 + sig);
  }
  const char msg[] = "\ngctrain: stopping after the current step (signal again to abort)\n";
  [[maybe_unused]] ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
}

}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  // SIGHUP too: a closed terminal or ssh session is a request to stop, not a reason to lose the
  // epoch in progress and leave the checkpoint's lock behind.
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

const std::atomic<bool>& stop_requested() { return g_stop; }

}  // namespace gct::host
