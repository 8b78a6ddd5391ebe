// The portable reference kernels (the fallback table and what the SIMD tables are tested against),
// and normalize().
#include <bit>
#include <cmath>
#include <cstring>

#include "strata/detail/distance.hpp"

namespace strata::detail {
namespace {

// One accumulator in index order: the plainest summation, so it is the one to trust.
float l2_squared_scalar(const float* a, const float* b, std::size_t n) noexcept {
  float sum = 0.0f;
  for (std::size_t i = 0; i < n; ++i) {
    const float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

float dot_scalar(const float* a, const float* b, std::size_t n) noexcept {
  float sum = 0.0f;
  for (std::size_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

float l1_scalar(const float* a, const float* b, std::size_t n) noexcept {
  float sum = 0.0f;
  for (std::size_t i = 0; i < n; ++i) sum += std::fabs(a[i] - b[i]);
  return sum;
}

// Summed in 64 bits and then wrapped to 32, which is what the SIMD tables' int32 lanes do.
std::int32_t int8_dot_scalar(const std::int8_t* a, const std::int8_t* b, std::size_t n) noexcept {
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += std::int64_t{a[i]} * std::int64_t{b[i]};
  return static_cast<std::int32_t>(sum);
}

std::int32_t int8_l2_squared_scalar(const std::int8_t* a, const std::int8_t* b, std::size_t n) noexcept {
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t d = std::int64_t{a[i]} - std::int64_t{b[i]};
    sum += d * d;
  }
  return static_cast<std::int32_t>(sum);
}

std::uint32_t hamming_scalar(const std::uint8_t* a, const std::uint8_t* b, std::size_t n_bytes) noexcept {
  std::uint64_t count = 0;
  std::size_t i = 0;
  for (; i + 8 <= n_bytes; i += 8) {
    std::uint64_t x;
    std::uint64_t y;
    std::memcpy(&x, a + i, sizeof(x));
    std::memcpy(&y, b + i, sizeof(y));
    count += static_cast<std::uint64_t>(std::popcount(x ^ y));
  }
  for (; i < n_bytes; ++i) count += static_cast<std::uint64_t>(std::popcount(std::uint8_t(a[i] ^ b[i])));
  return static_cast<std::uint32_t>(count);
}

constexpr KernelTable kScalarTable{
    .isa = "scalar",
    .l2_squared = &l2_squared_scalar,
    .dot = &dot_scalar,
    .l1 = &l1_scalar,
    .int8_dot = &int8_dot_scalar,
    .int8_l2_squared = &int8_l2_squared_scalar,
    .hamming = &hamming_scalar,
};

}  // namespace

const KernelTable& scalar_kernels() noexcept { return kScalarTable; }

float normalize(float* v, std::size_t n) noexcept {
  // In double: squares of large components would overflow float, and the length should be exact to a ulp.
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += double{v[i]} * double{v[i]};
  const double length = std::sqrt(sum);
  if (length > 0.0) {
    const double inverse = 1.0 / length;
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(v[i] * inverse);
  }
  return static_cast<float>(length);
}

}  // namespace strata::detail
