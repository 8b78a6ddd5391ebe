// Chooses the best kernel table for the running CPU. Compiled without ISA flags so that it runs anywhere.
#include <vector>

#include "simd/tables.hpp"
#include "strata/detail/distance.hpp"

#if defined(STRATA_HAVE_X86_KERNELS)
#include <cpuid.h>

#include <xsimd/xsimd.hpp>
#endif

namespace strata::detail {
namespace {

// Which tables this CPU (and its OS) can run. Each flag implies the ones above it.
struct CpuSupport {
  bool sse42 = false;
  bool avx2 = false;
  bool avx512 = false;
  bool neon = false;
};

#if defined(STRATA_HAVE_X86_KERNELS)
// xsimd 8.1 reports neither POPCNT nor AVX-512VL, and does not ask the OS (XGETBV) whether it saves the
// YMM/ZMM state; without that, a hypervisor that hides AVX state would make the wide tables fault.
struct X86Extras {
  bool popcnt = false;
  bool has_leaf7 = false;  // xsimd reads leaf 7 without checking that the CPU has it
  bool avx512vl = false;
  bool os_saves_ymm = false;
  bool os_saves_zmm = false;
};

X86Extras x86_extras() noexcept {
  X86Extras extras;
  unsigned eax = 0;
  unsigned ebx = 0;
  unsigned ecx = 0;
  unsigned edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return extras;
  extras.popcnt = ((ecx >> 23) & 1u) != 0;
  const bool osxsave = ((ecx >> 27) & 1u) != 0;
  if (osxsave) {
    unsigned xcr0_lo = 0;
    unsigned xcr0_hi = 0;
    // The _xgetbv intrinsic needs -mxsave, which this file must not be compiled with.
    __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    extras.os_saves_ymm = (xcr0_lo & 0x06u) == 0x06u;  // SSE and AVX state
    extras.os_saves_zmm = (xcr0_lo & 0xE6u) == 0xE6u;  // plus opmask, ZMM0-15 upper halves, ZMM16-31
  }
  if (__get_cpuid_max(0, nullptr) >= 7 && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) != 0) {
    extras.has_leaf7 = true;
    extras.avx512vl = ((ebx >> 31) & 1u) != 0;
  }
  return extras;
}
#endif

CpuSupport detect() noexcept {
  CpuSupport support;
#if defined(STRATA_HAVE_X86_KERNELS)
  const auto cpu = xsimd::available_architectures();
  const X86Extras extras = x86_extras();
  support.sse42 = cpu.sse4_2 && extras.popcnt;
  support.avx2 = support.sse42 && extras.has_leaf7 && cpu.avx2 && cpu.fma3_avx2 && extras.os_saves_ymm;
  support.avx512 = support.avx2 && cpu.avx512f && cpu.avx512cd && cpu.avx512dq && cpu.avx512bw &&
                   extras.avx512vl && extras.os_saves_zmm;
#elif defined(STRATA_HAVE_NEON_KERNELS)
  support.neon = true;  // Advanced SIMD is mandatory on AArch64.
#endif
  return support;
}

const KernelTable& best_table() noexcept {
  [[maybe_unused]] const CpuSupport support = detect();
#if defined(STRATA_HAVE_X86_KERNELS)
  if (support.avx512) return avx512_kernels();
  if (support.avx2) return avx2_kernels();
  if (support.sse42) return sse42_kernels();
#elif defined(STRATA_HAVE_NEON_KERNELS)
  if (support.neon) return neon_kernels();
#endif
  return scalar_kernels();
}

}  // namespace

// The static makes the choice once; its initialisation is thread-safe.
const KernelTable& kernels() noexcept {
  static const KernelTable& table = best_table();
  return table;
}

std::vector<const KernelTable*> supported_kernels() {
  [[maybe_unused]] const CpuSupport support = detect();
  std::vector<const KernelTable*> tables;
#if defined(STRATA_HAVE_X86_KERNELS)
  if (support.avx512) tables.push_back(&avx512_kernels());
  if (support.avx2) tables.push_back(&avx2_kernels());
  if (support.sse42) tables.push_back(&sse42_kernels());
#elif defined(STRATA_HAVE_NEON_KERNELS)
  if (support.neon) tables.push_back(&neon_kernels());
#endif
  tables.push_back(&scalar_kernels());
  return tables;
}

}  // namespace strata::detail
