//===--- CPU.c - Whether the AVX2 and FMA loops can run -------------------===//

#include "LossesAVX2.h"

#if defined(__x86_64__)
#include <cpuid.h>

int losses_avx2_fma_available(void) {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
  const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
  if ((ecx & (fma | osxsave | avx)) != (fma | osxsave | avx)) return 0;
  // XCR0 bits 1 and 2: the OS saves the SSE and AVX register state across context switches.
  unsigned xcr0, xcr0High;
  __asm__("xgetbv" : "=a"(xcr0), "=d"(xcr0High) : "c"(0));
  if ((xcr0 & 6) != 6) return 0;
  if (__get_cpuid_max(0, 0) < 7) return 0;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  return (ebx >> 5) & 1;
}

#else

int losses_avx2_fma_available(void) { return 0; }

#endif
