// Scoring byte codes against a per-query lookup table (one row per code byte), shared by the product
// quantizer and the asymmetric binary distance. Not API.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::detail {

// Sum over j of table[j * stride + code[j]] for one code of `code_bytes` bytes.
inline float lookup_distance(const float* table, std::size_t stride, const std::uint8_t* code,
                             std::size_t code_bytes) noexcept {
  float sum = 0.0f;
  for (std::size_t j = 0; j < code_bytes; ++j, table += stride) sum += table[code[j]];
  return sum;
}

// lookup_distance for `count` consecutive codes, four at a time so that the table loads of different
// codes overlap instead of waiting on one chain of additions.
inline void lookup_distances(const float* table, std::size_t stride, const std::uint8_t* codes,
                             std::size_t code_bytes, std::size_t count, float* out) noexcept {
  std::size_t i = 0;
  for (; i + 4 <= count; i += 4) {
    const std::uint8_t* c0 = codes + i * code_bytes;
    const std::uint8_t* c1 = c0 + code_bytes;
    const std::uint8_t* c2 = c1 + code_bytes;
    const std::uint8_t* c3 = c2 + code_bytes;
    float s0 = 0.0f;
    float s1 = 0.0f;
    float s2 = 0.0f;
    float s3 = 0.0f;
    const float* t = table;
    for (std::size_t j = 0; j < code_bytes; ++j, t += stride) {
      s0 += t[c0[j]];
      s1 += t[c1[j]];
      s2 += t[c2[j]];
      s3 += t[c3[j]];
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
  for (; i < count; ++i) out[i] = lookup_distance(table, stride, codes + i * code_bytes, code_bytes);
}

}  // namespace strata::detail
