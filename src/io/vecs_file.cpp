// TEXMEX vector files: a dimension word before every record, all records the same dimension.
#include "io/vecs_file.hpp"

#include <fmt/format.h>

#include <cstring>
#include <fstream>

namespace strata::io {

namespace {

template <typename Stored, typename Out>
Result<Matrix<Out>> read_records(const std::string& path, std::size_t max_rows) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found(fmt::format("cannot open '{}'", path));
  Matrix<Out> m;
  std::vector<Stored> buffer;
  for (;;) {
    if (max_rows != 0 && m.rows == max_rows) break;
    std::int32_t dim = 0;
    in.read(reinterpret_cast<char*>(&dim), sizeof(dim));
    if (in.gcount() == 0 && in.eof()) break;
    if (in.gcount() != sizeof(dim) || dim <= 0 || dim > (1 << 20)) {
      return Status::corruption(fmt::format("'{}': bad dimension word in record {}", path, m.rows));
    }
    if (m.rows == 0) {
      m.dim = static_cast<std::size_t>(dim);
      buffer.resize(m.dim);
    } else if (static_cast<std::size_t>(dim) != m.dim) {
      return Status::corruption(
          fmt::format("'{}': record {} has dimension {}, earlier records {}", path, m.rows, dim, m.dim));
    }
    in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(m.dim * sizeof(Stored)));
    if (static_cast<std::size_t>(in.gcount()) != m.dim * sizeof(Stored)) {
      return Status::corruption(fmt::format("'{}': record {} is truncated", path, m.rows));
    }
    m.data.insert(m.data.end(), buffer.begin(), buffer.end());
    ++m.rows;
  }
  return m;
}

}  // namespace

Result<Matrix<float>> read_fvecs(const std::string& path, std::size_t max_rows) {
  return read_records<float, float>(path, max_rows);
}
Result<Matrix<float>> read_bvecs(const std::string& path, std::size_t max_rows) {
  return read_records<std::uint8_t, float>(path, max_rows);
}
Result<Matrix<std::int32_t>> read_ivecs(const std::string& path, std::size_t max_rows) {
  return read_records<std::int32_t, std::int32_t>(path, max_rows);
}

}  // namespace strata::io
