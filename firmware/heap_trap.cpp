// Proves the firmware's safety net: any heap allocation stops the program (exit code 3 from
// _sbrk in startup.cpp). The test expects this program to fail.
#include <cstdlib>

#include "semihosting.hpp"

int main() {
  void* volatile p = std::malloc(100);
  fw::write(p ? "malloc returned memory: the trap did not fire\n" : "malloc returned null\n");
  return 0;
}
