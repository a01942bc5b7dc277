// Minimal Cortex-M startup: vector table, reset handler (FPU on, .data copied, .bss zeroed, static
// constructors), fault handlers that report through semihosting, and an _sbrk that refuses: the
// firmware has no heap, so any allocation - by the engine, Eigen or newlib - stops the program
// with exit code 3 instead of silently succeeding.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "semihosting.hpp"

extern "C" {

extern uint32_t __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__, __stack_top__;
int main();
void __libc_init_array();

// crti/crtn are not linked (-nostartfiles); newlib's __libc_init_array still calls _init.
void _init() {}
void _fini() {}

[[noreturn]] void Reset_Handler() {
#if defined(__ARM_FP)
  // CPACR: full access to coprocessors 10 and 11 (the FPU) before any floating-point instruction.
  *reinterpret_cast<volatile uint32_t*>(0xE000ED88) |= 0xFu << 20;
  asm volatile("dsb\n isb" ::: "memory");
#endif
  std::memcpy(&__data_start__, &__data_load__,
              static_cast<size_t>(reinterpret_cast<char*>(&__data_end__) - reinterpret_cast<char*>(&__data_start__)));
  std::memset(&__bss_start__, 0,
              static_cast<size_t>(reinterpret_cast<char*>(&__bss_end__) - reinterpret_cast<char*>(&__bss_start__)));
  __libc_init_array();
  fw::exit(main());
}

[[noreturn]] void Fault_Handler() {
  fw::write("fault: the firmware crashed\n");
  fw::exit(4);
}

void* _sbrk(ptrdiff_t) {
  fw::write("heap allocation attempted: training must not allocate\n");
  fw::exit(3);
}

// The instruction counter's wrap interrupt (instruction_counter.cpp); null where it is not linked.
void SysTick_Handler() __attribute__((weak));

__attribute__((section(".isr_vector"), used)) const void* const g_vectors[16] = {
    &__stack_top__, reinterpret_cast<const void*>(Reset_Handler),
    reinterpret_cast<const void*>(Fault_Handler), reinterpret_cast<const void*>(Fault_Handler),
    reinterpret_cast<const void*>(Fault_Handler), reinterpret_cast<const void*>(Fault_Handler),
    reinterpret_cast<const void*>(Fault_Handler), nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
    nullptr, reinterpret_cast<const void*>(SysTick_Handler)};

}  // extern "C"
