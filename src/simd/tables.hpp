// The per-architecture kernel tables, each defined in its own kernels_<isa>.cpp; dispatch.cpp chooses one.
// Any CPU may call a getter; only a CPU with that ISA may call the kernels it returns.
#pragma once

#include "strata/detail/distance.hpp"

namespace strata::detail {

#if defined(STRATA_HAVE_X86_KERNELS)
const KernelTable& sse42_kernels() noexcept;   // SSE4.2 + POPCNT
const KernelTable& avx2_kernels() noexcept;    // AVX2 + FMA + POPCNT
const KernelTable& avx512_kernels() noexcept;  // AVX-512 F/CD/DQ/BW/VL + FMA + POPCNT
#endif

#if defined(STRATA_HAVE_NEON_KERNELS)
const KernelTable& neon_kernels() noexcept;  // AArch64 Advanced SIMD
#endif

}  // namespace strata::detail
