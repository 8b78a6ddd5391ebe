// Readers of the TEXMEX .fvecs/.bvecs/.ivecs formats used by ANN benchmark datasets (internal;
// shared by the tests, the benchmarks and the command-line tool).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "strata/status.hpp"

namespace strata::io {

// Row-major rows x dim matrix.
template <typename T>
struct Matrix {
  std::size_t rows = 0;
  std::size_t dim = 0;
  std::vector<T> data;
  const T* row(std::size_t i) const noexcept { return data.data() + i * dim; }
};

// Each record: little-endian int32 dimension, then that many float32 / uint8 / int32 values.
// At most max_rows rows are read (0 = all). Corruption names the file on a bad or truncated record.
Result<Matrix<float>> read_fvecs(const std::string& path, std::size_t max_rows = 0);
Result<Matrix<float>> read_bvecs(const std::string& path, std::size_t max_rows = 0);  // converted to float
Result<Matrix<std::int32_t>> read_ivecs(const std::string& path, std::size_t max_rows = 0);

}  // namespace strata::io
