// The FAISS side of the ANN benchmark (Debian libfaiss-dev, IndexHNSWFlat). Debian builds FAISS without
// its SIMD-specialised kernels, so these figures understate a tuned FAISS build.
#include <faiss/IndexHNSW.h>
#include <omp.h>

#include "runner.hpp"

namespace strata::bench {
namespace {

class FaissRunner final : public AnnRunner {
 public:
  std::string name() const override { return "faiss"; }

  void build(const float* data, std::size_t rows, std::size_t dim, const BuildParams& params) override {
    omp_set_num_threads(static_cast<int>(params.threads));
    index_ = std::make_unique<faiss::IndexHNSWFlat>(static_cast<int>(dim), static_cast<int>(params.m));
    index_->hnsw.efConstruction = static_cast<int>(params.ef_construction);
    index_->add(static_cast<faiss::Index::idx_t>(rows), data);
    omp_set_num_threads(1);  // queries single-threaded
  }

  void set_ef(std::size_t ef) override { index_->hnsw.efSearch = static_cast<int>(ef); }

  void search(const float* query, std::size_t k, std::int64_t* out) override {
    distances_.resize(k);
    labels_.resize(k);
    index_->search(1, query, static_cast<faiss::Index::idx_t>(k), distances_.data(), labels_.data());
    for (std::size_t i = 0; i < k; ++i) out[i] = labels_[i];
  }

 private:
  std::unique_ptr<faiss::IndexHNSWFlat> index_;
  std::vector<float> distances_;
  std::vector<faiss::Index::idx_t> labels_;
};

}  // namespace

std::unique_ptr<AnnRunner> make_faiss_runner() { return std::make_unique<FaissRunner>(); }

}  // namespace strata::bench
