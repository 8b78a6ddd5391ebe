// The AVX2 + FMA kernel table; this file alone is compiled with -mavx2 -mfma -mpopcnt.
#include <immintrin.h>

#include "simd/kernel_bodies.hpp"
#include "simd/tables.hpp"

namespace strata::detail {
namespace simd {

// fma3<avx2> rather than avx2: with plain avx2, xsimd::fma is a multiply and a separate add.
using Avx2 = xsimd::fma3<xsimd::avx2>;

// VMASKMOVPS suppresses faults on the masked-off lanes, so the tail never reads past the end.
template <>
struct FloatOps<Avx2> {
  static xsimd::batch<float, Avx2> load_partial(const float* p, std::size_t count) noexcept {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), lanes);
    return _mm256_maskload_ps(p, mask);
  }
};

// Sign-extends 16 bytes to int16 and lets VPMADDWD form exact pairwise int32 sums.
template <>
struct Int8Ops<Avx2> {
  static constexpr std::size_t kBytes = 16;
  static __m256i widen(const std::int8_t* p) noexcept {
    return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static xsimd::batch<std::int32_t, Avx2> dot(const std::int8_t* a, const std::int8_t* b) noexcept {
    return _mm256_madd_epi16(widen(a), widen(b));
  }
  static xsimd::batch<std::int32_t, Avx2> l2(const std::int8_t* a, const std::int8_t* b) noexcept {
    const __m256i d = _mm256_sub_epi16(widen(a), widen(b));
    return _mm256_madd_epi16(d, d);
  }
};

namespace {
constexpr KernelTable kAvx2Table = make_table<Avx2>("avx2");
}  // namespace

}  // namespace simd

const KernelTable& avx2_kernels() noexcept { return simd::kAvx2Table; }

}  // namespace strata::detail
