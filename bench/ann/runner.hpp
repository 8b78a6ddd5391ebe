// A library under comparison in the ANN benchmark: build an index, then answer k-NN queries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace strata::bench {

struct BuildParams {
  std::size_t m = 16;
  std::size_t ef_construction = 200;
  std::size_t threads = 1;
};

class AnnRunner {
 public:
  virtual ~AnnRunner() = default;
  virtual std::string name() const = 0;
  // Builds the index over `rows` row-major vectors of `dim` floats (Euclidean distance).
  virtual void build(const float* data, std::size_t rows, std::size_t dim, const BuildParams& params) = 0;
  virtual void set_ef(std::size_t ef) = 0;
  // Writes the k nearest base row numbers of `query` to `out` (nearest first).
  virtual void search(const float* query, std::size_t k, std::int64_t* out) = 0;
};

std::unique_ptr<AnnRunner> make_strata_runner();
std::unique_ptr<AnnRunner> make_hnswlib_runner();
std::unique_ptr<AnnRunner> make_faiss_runner();  // nullptr when built without FAISS

}  // namespace strata::bench
