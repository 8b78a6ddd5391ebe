// Distance kernels: one table of function pointers per instruction set, chosen once at run time.
// Not API. The SIMD bodies live in src/simd/, one file per architecture compiled with its own flags.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace strata::detail {

using FloatKernel = float (*)(const float* a, const float* b, std::size_t n) noexcept;
using Int8Kernel = std::int32_t (*)(const std::int8_t* a, const std::int8_t* b, std::size_t n) noexcept;
using HammingKernel = std::uint32_t (*)(const std::uint8_t* a, const std::uint8_t* b,
                                        std::size_t n_bytes) noexcept;

// The kernels of one instruction set. Every pointer is non-null.
struct KernelTable {
  const char* isa;             // "avx512bw", "avx2", "sse4.2", "neon", "scalar"
  FloatKernel l2_squared;      // sum (a_i - b_i)^2
  FloatKernel dot;             // sum a_i * b_i
  FloatKernel l1;              // sum |a_i - b_i|
  Int8Kernel int8_dot;         // sum a_i * b_i, exact in int32 for n < 2^16
  Int8Kernel int8_l2_squared;  // sum (a_i - b_i)^2, exact in int32 for n <= 2^15
  HammingKernel hamming;       // popcount(a xor b) over n_bytes bytes
};

// The best table this CPU supports, resolved on first use and cached. Never null.
const KernelTable& kernels() noexcept;

// The portable reference implementation, for tests and as the fallback.
const KernelTable& scalar_kernels() noexcept;

// Every table this CPU can run, best first, ending with the scalar one (for tests and benchmarks).
std::vector<const KernelTable*> supported_kernels();

// Scales v to unit Euclidean length in place; leaves an all-zero vector unchanged.
// Returns the original length.
float normalize(float* v, std::size_t n) noexcept;

}  // namespace strata::detail
