// The SSE4.2 kernel table; this file alone is compiled with -msse4.2 -mpopcnt.
#include <immintrin.h>

#include "simd/kernel_bodies.hpp"
#include "simd/tables.hpp"

namespace strata::detail {
namespace simd {

using Sse = xsimd::sse4_2;

// Sign-extends both 8-byte halves to int16 and lets PMADDWD form exact pairwise int32 sums.
template <>
struct Int8Ops<Sse> {
  static constexpr std::size_t kBytes = 16;
  static xsimd::batch<std::int32_t, Sse> dot(const std::int8_t* a, const std::int8_t* b) noexcept {
    const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
    const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    const __m128i lo = _mm_madd_epi16(_mm_cvtepi8_epi16(va), _mm_cvtepi8_epi16(vb));
    const __m128i hi =
        _mm_madd_epi16(_mm_cvtepi8_epi16(_mm_srli_si128(va, 8)), _mm_cvtepi8_epi16(_mm_srli_si128(vb, 8)));
    return _mm_add_epi32(lo, hi);
  }

  static xsimd::batch<std::int32_t, Sse> l2(const std::int8_t* a, const std::int8_t* b) noexcept {
    const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
    const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    const __m128i dlo = _mm_sub_epi16(_mm_cvtepi8_epi16(va), _mm_cvtepi8_epi16(vb));
    const __m128i dhi =
        _mm_sub_epi16(_mm_cvtepi8_epi16(_mm_srli_si128(va, 8)), _mm_cvtepi8_epi16(_mm_srli_si128(vb, 8)));
    return _mm_add_epi32(_mm_madd_epi16(dlo, dlo), _mm_madd_epi16(dhi, dhi));
  }
};

namespace {
constexpr KernelTable kSseTable = make_table<Sse>("sse4.2");
}  // namespace

}  // namespace simd

const KernelTable& sse42_kernels() noexcept { return simd::kSseTable; }

}  // namespace strata::detail
