// The AArch64 Advanced SIMD kernel table (NEON is part of the AArch64 baseline, so no extra flags).
#include <arm_neon.h>

#include "simd/kernel_bodies.hpp"
#include "simd/tables.hpp"

namespace strata::detail {
namespace simd {

using Neon = xsimd::neon64;

// SMULL/SSUBL widen to int16 before anything is added, so every product and sum is exact.
template <>
struct Int8Ops<Neon> {
  static constexpr std::size_t kBytes = 16;
  static xsimd::batch<std::int32_t, Neon> dot(const std::int8_t* a, const std::int8_t* b) noexcept {
    const int8x16_t va = vld1q_s8(a);
    const int8x16_t vb = vld1q_s8(b);
    // |a_i * b_i| <= 2^14 fits int16; pairs are then added in int32.
    const int16x8_t lo = vmull_s8(vget_low_s8(va), vget_low_s8(vb));
    const int16x8_t hi = vmull_high_s8(va, vb);
    return vpadalq_s16(vpaddlq_s16(lo), hi);
  }

  static xsimd::batch<std::int32_t, Neon> l2(const std::int8_t* a, const std::int8_t* b) noexcept {
    const int8x16_t va = vld1q_s8(a);
    const int8x16_t vb = vld1q_s8(b);
    // a_i - b_i spans [-255, 255], so it is widened first and squared into int32.
    const int16x8_t dlo = vsubl_s8(vget_low_s8(va), vget_low_s8(vb));
    const int16x8_t dhi = vsubl_high_s8(va, vb);
    int32x4_t sum = vmull_s16(vget_low_s16(dlo), vget_low_s16(dlo));
    sum = vmlal_high_s16(sum, dlo, dlo);
    sum = vmlal_s16(sum, vget_low_s16(dhi), vget_low_s16(dhi));
    return vmlal_high_s16(sum, dhi, dhi);
  }
};

namespace {

// CNT counts bits per byte, which beats a 64-bit popcount (no scalar POPCNT on AArch64). The per-byte counts
// are summed into uint16 lanes (at most 16 per step each) and flushed to uint32 before they could wrap.
std::uint32_t hamming_neon(const std::uint8_t* a, const std::uint8_t* b, std::size_t n_bytes) noexcept {
  constexpr std::size_t kStepsPerFlush = 2048;  // 2048 * 16 < 2^16
  uint32x4_t total = vdupq_n_u32(0);
  std::size_t i = 0;
  while (i + 32 <= n_bytes) {
    uint16x8_t acc0 = vdupq_n_u16(0);
    uint16x8_t acc1 = vdupq_n_u16(0);
    std::size_t steps = (n_bytes - i) / 32;
    if (steps > kStepsPerFlush) steps = kStepsPerFlush;
    for (const std::size_t end = i + steps * 32; i < end; i += 32) {
      acc0 = vpadalq_u8(acc0, vcntq_u8(veorq_u8(vld1q_u8(a + i), vld1q_u8(b + i))));
      acc1 = vpadalq_u8(acc1, vcntq_u8(veorq_u8(vld1q_u8(a + i + 16), vld1q_u8(b + i + 16))));
    }
    total = vpadalq_u16(vpadalq_u16(total, acc0), acc1);
  }
  if (i + 16 <= n_bytes) {
    total = vpadalq_u16(total, vpaddlq_u8(vcntq_u8(veorq_u8(vld1q_u8(a + i), vld1q_u8(b + i)))));
    i += 16;
  }
  std::uint32_t sum = vaddvq_u32(total);
  for (; i < n_bytes; ++i) {
    sum += static_cast<std::uint32_t>(__builtin_popcount(static_cast<unsigned>(a[i] ^ b[i])));
  }
  return sum;
}

constexpr KernelTable make_neon_table() noexcept {
  KernelTable table = make_table<Neon>("neon");
  table.hamming = &hamming_neon;
  return table;
}

constexpr KernelTable kNeonTable = make_neon_table();

}  // namespace
}  // namespace simd

const KernelTable& neon_kernels() noexcept { return simd::kNeonTable; }

}  // namespace strata::detail
