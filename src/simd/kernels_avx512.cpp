// The AVX-512 kernel table; this file alone is compiled with -mavx512f/bw/dq/vl/cd -mfma -mavx2 -mpopcnt.
#include <immintrin.h>

#include "simd/kernel_bodies.hpp"
#include "simd/tables.hpp"

namespace strata::detail {
namespace simd {

using Avx512 = xsimd::avx512bw;

// The horizontal sums are written out rather than taken from xsimd::hadd for two reasons: xsimd reduces
// through batch<T, avx2>, whose inline functions would then also be emitted by kernels_avx2.cpp and could be
// merged with this file's AVX-512 copies in unoptimised builds; and GCC 12's 512-to-256-bit casts go through
// _mm256_undefined_pd, which trips -Wuninitialized.
template <>
struct FloatOps<Avx512> {
  // Masked loads suppress faults on the masked-off lanes, so the tail never reads past the end.
  static xsimd::batch<float, Avx512> load_partial(const float* p, std::size_t count) noexcept {
    return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << count) - 1u), p);
  }
  static float sum(xsimd::batch<float, Avx512> acc) noexcept {
    const __m512 v = acc;
    const __m256 half = _mm256_add_ps(_mm512_extractf32x8_ps(v, 0), _mm512_extractf32x8_ps(v, 1));
    const __m128 quarter = _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
    const __m128 eighth = _mm_add_ps(quarter, _mm_movehl_ps(quarter, quarter));
    return _mm_cvtss_f32(_mm_add_ss(eighth, _mm_movehdup_ps(eighth)));
  }
};

// Sign-extends 32 bytes to int16 and lets VPMADDWD form exact pairwise int32 sums (no VNNI needed).
template <>
struct Int8Ops<Avx512> {
  static constexpr std::size_t kBytes = 32;
  static __m512i widen(__m256i v) noexcept { return _mm512_cvtepi8_epi16(v); }
  static __m256i load(const std::int8_t* p) noexcept {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  // Zeroed lanes add nothing to either sum.
  static __m256i load(const std::int8_t* p, std::size_t count) noexcept {
    return _mm256_maskz_loadu_epi8(static_cast<__mmask32>((std::uint64_t{1} << count) - 1u), p);
  }
  static __m512i dot_of(__m256i a, __m256i b) noexcept { return _mm512_madd_epi16(widen(a), widen(b)); }
  static __m512i l2_of(__m256i a, __m256i b) noexcept {
    const __m512i d = _mm512_sub_epi16(widen(a), widen(b));
    return _mm512_madd_epi16(d, d);
  }

  static std::int32_t sum(xsimd::batch<std::int32_t, Avx512> acc) noexcept {
    const __m512i v = acc;
    const __m256i half = _mm256_add_epi32(_mm512_extracti32x8_epi32(v, 0), _mm512_extracti32x8_epi32(v, 1));
    const __m128i quarter = _mm_add_epi32(_mm256_castsi256_si128(half), _mm256_extracti128_si256(half, 1));
    const __m128i eighth = _mm_add_epi32(quarter, _mm_unpackhi_epi64(quarter, quarter));
    return _mm_cvtsi128_si32(_mm_add_epi32(eighth, _mm_shuffle_epi32(eighth, 1)));
  }

  static xsimd::batch<std::int32_t, Avx512> dot(const std::int8_t* a, const std::int8_t* b) noexcept {
    return dot_of(load(a), load(b));
  }
  static xsimd::batch<std::int32_t, Avx512> l2(const std::int8_t* a, const std::int8_t* b) noexcept {
    return l2_of(load(a), load(b));
  }
  static xsimd::batch<std::int32_t, Avx512> dot(const std::int8_t* a, const std::int8_t* b,
                                                std::size_t count) noexcept {
    return dot_of(load(a, count), load(b, count));
  }
  static xsimd::batch<std::int32_t, Avx512> l2(const std::int8_t* a, const std::int8_t* b,
                                               std::size_t count) noexcept {
    return l2_of(load(a, count), load(b, count));
  }
};

namespace {
constexpr KernelTable kAvx512Table = make_table<Avx512>("avx512bw");
}  // namespace

}  // namespace simd

const KernelTable& avx512_kernels() noexcept { return simd::kAvx512Table; }

}  // namespace strata::detail
