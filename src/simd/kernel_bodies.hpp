// Distance kernel bodies as templates on an xsimd architecture, instantiated by the kernels_<isa>.cpp files.
// Include this only from a file compiled with that architecture's flags: every function here is a template
// on Arch so that no inline copy built for a wider ISA can be merged by the linker into a narrower table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <xsimd/xsimd.hpp>

#include "strata/detail/distance.hpp"

namespace strata::detail::simd {

// Per-architecture hooks for the float kernels; the default is empty. A specialisation may add
//   static batch<float, Arch> load_partial(const float* p, size_t count);  count < batch size, other lanes
//       zero, and no memory touched past p + count; without it the last n % batch-size floats go through
//       scalar steps (at most three on 128-bit ISAs).
//   static float sum(batch<float, Arch>);  the horizontal sum; xsimd::hadd otherwise.
template <class Arch>
struct FloatOps {};

// Widens int8 lanes so that products are formed and summed exactly; specialised in each kernels_<isa>.cpp:
//   static constexpr size_t kBytes;                                        int8 values per input per step
//   static batch<int32_t, Arch> dot(const int8_t* a, const int8_t* b);    partial sums of a_i * b_i
//   static batch<int32_t, Arch> l2(const int8_t* a, const int8_t* b);     partial sums of (a_i - b_i)^2
// and optionally dot/l2 overloads taking a count < kBytes (as load_partial above) and
//   static int32_t sum(batch<int32_t, Arch>);  the horizontal sum; xsimd::hadd otherwise.
template <class Arch>
struct Int8Ops;

template <class Ops, class Batch>
auto sum_lanes(const Batch& acc) noexcept {
  if constexpr (requires { Ops::sum(acc); }) {
    return Ops::sum(acc);
  } else {
    return xsimd::hadd(acc);
  }
}

template <class Arch>
struct L2Step {
  using Batch = xsimd::batch<float, Arch>;
  static Batch apply(Batch a, Batch b, Batch acc) noexcept {
    const Batch d = a - b;
    return xsimd::fma(d, d, acc);
  }
  static float apply(float a, float b, float acc) noexcept {
    const float d = a - b;
    return acc + d * d;
  }
};

template <class Arch>
struct DotStep {
  using Batch = xsimd::batch<float, Arch>;
  static Batch apply(Batch a, Batch b, Batch acc) noexcept { return xsimd::fma(a, b, acc); }
  static float apply(float a, float b, float acc) noexcept { return acc + a * b; }
};

template <class Arch>
struct L1Step {
  using Batch = xsimd::batch<float, Arch>;
  static Batch apply(Batch a, Batch b, Batch acc) noexcept { return acc + xsimd::abs(a - b); }
  static float apply(float a, float b, float acc) noexcept { return acc + __builtin_fabsf(a - b); }
};

// Four independent accumulators: with one, every step waits for the previous FMA (4 cycles of latency)
// while the core could start two per cycle.
template <class Arch, class Step>
float reduce_floats(const float* a, const float* b, std::size_t n) noexcept {
  using Batch = xsimd::batch<float, Arch>;
  constexpr std::size_t kWidth = Batch::size;
  Batch acc0(0.0f);
  Batch acc1(0.0f);
  Batch acc2(0.0f);
  Batch acc3(0.0f);
  std::size_t i = 0;
  for (; i + 4 * kWidth <= n; i += 4 * kWidth) {
    acc0 = Step::apply(Batch::load_unaligned(a + i), Batch::load_unaligned(b + i), acc0);
    acc1 = Step::apply(Batch::load_unaligned(a + i + kWidth), Batch::load_unaligned(b + i + kWidth), acc1);
    acc2 = Step::apply(Batch::load_unaligned(a + i + 2 * kWidth), Batch::load_unaligned(b + i + 2 * kWidth),
                       acc2);
    acc3 = Step::apply(Batch::load_unaligned(a + i + 3 * kWidth), Batch::load_unaligned(b + i + 3 * kWidth),
                       acc3);
  }
  for (; i + kWidth <= n; i += kWidth) {
    acc0 = Step::apply(Batch::load_unaligned(a + i), Batch::load_unaligned(b + i), acc0);
  }
  using Ops = FloatOps<Arch>;
  if constexpr (requires { Ops::load_partial(a, n); }) {
    if (i < n) acc1 = Step::apply(Ops::load_partial(a + i, n - i), Ops::load_partial(b + i, n - i), acc1);
    return sum_lanes<Ops>((acc0 + acc1) + (acc2 + acc3));
  } else {
    float sum = sum_lanes<Ops>((acc0 + acc1) + (acc2 + acc3));
    for (; i < n; ++i) sum = Step::apply(a[i], b[i], sum);
    return sum;
  }
}

template <class Arch>
float l2_squared(const float* a, const float* b, std::size_t n) noexcept {
  return reduce_floats<Arch, L2Step<Arch>>(a, b, n);
}

template <class Arch>
float dot(const float* a, const float* b, std::size_t n) noexcept {
  return reduce_floats<Arch, DotStep<Arch>>(a, b, n);
}

template <class Arch>
float l1(const float* a, const float* b, std::size_t n) noexcept {
  return reduce_floats<Arch, L1Step<Arch>>(a, b, n);
}

// Sums wrap modulo 2^32 (unsigned arithmetic), like the SIMD lanes, so results match the scalar reference
// even past the documented exact range instead of being undefined behaviour.
template <class Arch, bool kSquaredDifference>
std::int32_t reduce_int8(const std::int8_t* a, const std::int8_t* b, std::size_t n) noexcept {
  using Ops = Int8Ops<Arch>;
  using Acc = xsimd::batch<std::int32_t, Arch>;
  constexpr std::size_t kStep = Ops::kBytes;
  auto step = [](const std::int8_t* x, const std::int8_t* y) noexcept -> Acc {
    if constexpr (kSquaredDifference) {
      return Ops::l2(x, y);
    } else {
      return Ops::dot(x, y);
    }
  };
  Acc acc0(0);
  Acc acc1(0);
  std::size_t i = 0;
  for (; i + 2 * kStep <= n; i += 2 * kStep) {
    acc0 += step(a + i, b + i);
    acc1 += step(a + i + kStep, b + i + kStep);
  }
  if (i + kStep <= n) {
    acc0 += step(a + i, b + i);
    i += kStep;
  }
  if constexpr (requires { Ops::dot(a, b, n); }) {
    if (i < n) {
      if constexpr (kSquaredDifference) {
        acc1 += Ops::l2(a + i, b + i, n - i);
      } else {
        acc1 += Ops::dot(a + i, b + i, n - i);
      }
    }
    return sum_lanes<Ops>(acc0 + acc1);
  } else {
    auto sum = static_cast<std::uint32_t>(sum_lanes<Ops>(acc0 + acc1));
    for (; i < n; ++i) {
      const std::int32_t x = a[i];
      const std::int32_t y = b[i];
      sum += static_cast<std::uint32_t>(kSquaredDifference ? (x - y) * (x - y) : x * y);
    }
    return static_cast<std::int32_t>(sum);
  }
}

template <class Arch>
std::int32_t int8_dot(const std::int8_t* a, const std::int8_t* b, std::size_t n) noexcept {
  return reduce_int8<Arch, false>(a, b, n);
}

template <class Arch>
std::int32_t int8_l2_squared(const std::int8_t* a, const std::int8_t* b, std::size_t n) noexcept {
  return reduce_int8<Arch, true>(a, b, n);
}

template <class Arch>
std::uint64_t popcount_xor(const std::uint8_t* a, const std::uint8_t* b) noexcept {
  std::uint64_t x;
  std::uint64_t y;
  std::memcpy(&x, a, sizeof(x));
  std::memcpy(&y, b, sizeof(y));
  return static_cast<std::uint64_t>(__builtin_popcountll(x ^ y));
}

// 64-bit POPCNT (the builtin, not std::popcount, whose out-of-line copy could be shared with baseline code)
// with four sums so that the adds do not serialise.
template <class Arch>
std::uint32_t hamming(const std::uint8_t* a, const std::uint8_t* b, std::size_t n_bytes) noexcept {
  std::uint64_t c0 = 0;
  std::uint64_t c1 = 0;
  std::uint64_t c2 = 0;
  std::uint64_t c3 = 0;
  std::size_t i = 0;
  for (; i + 32 <= n_bytes; i += 32) {
    c0 += popcount_xor<Arch>(a + i, b + i);
    c1 += popcount_xor<Arch>(a + i + 8, b + i + 8);
    c2 += popcount_xor<Arch>(a + i + 16, b + i + 16);
    c3 += popcount_xor<Arch>(a + i + 24, b + i + 24);
  }
  for (; i + 8 <= n_bytes; i += 8) {
    c0 += popcount_xor<Arch>(a + i, b + i);
  }
  for (; i < n_bytes; ++i) {
    c1 += static_cast<std::uint64_t>(__builtin_popcount(static_cast<unsigned>(a[i] ^ b[i])));
  }
  return static_cast<std::uint32_t>((c0 + c1) + (c2 + c3));
}

// The table for Arch; the caller names the ISA and may override entries (NEON has its own hamming).
template <class Arch>
constexpr KernelTable make_table(const char* isa) noexcept {
  return KernelTable{
      .isa = isa,
      .l2_squared = &l2_squared<Arch>,
      .dot = &dot<Arch>,
      .l1 = &l1<Arch>,
      .int8_dot = &int8_dot<Arch>,
      .int8_l2_squared = &int8_l2_squared<Arch>,
      .hamming = &hamming<Arch>,
  };
}

}  // namespace strata::detail::simd
