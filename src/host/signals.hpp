// SIGINT/SIGTERM/SIGHUP handling: the first signal asks for a clean stop (finish the step, keep results);
// a second one ends the process at once.
#pragma once

#include <atomic>

namespace gct::host {

void install_stop_handlers();
const std::atomic<bool>& stop_requested();

}  // namespace gct::host
