// The hnswlib side of the ANN benchmark (Debian libhnswlib-dev). Compiled with -O3 -march=native, as
// hnswlib's own build does, so it is measured at its best on this machine.
#include <hnswlib/hnswlib.h>

#include <thread>

#include "runner.hpp"

namespace strata::bench {
namespace {

class HnswlibRunner final : public AnnRunner {
 public:
  std::string name() const override { return "hnswlib"; }

  void build(const float* data, std::size_t rows, std::size_t dim, const BuildParams& params) override {
    space_ = std::make_unique<hnswlib::L2Space>(dim);
    index_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), rows, params.m,
                                                               params.ef_construction);
    dim_ = dim;
    // Like hnswlib's Python binding: the first point alone, then the rest on `threads` threads.
    index_->addPoint(data, 0);
    std::atomic<std::size_t> next{1};
    auto work = [&] {
      for (std::size_t i = next++; i < rows; i = next++) index_->addPoint(data + i * dim, i);
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < params.threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  }

  void set_ef(std::size_t ef) override { index_->setEf(ef); }

  void search(const float* query, std::size_t k, std::int64_t* out) override {
    auto result = index_->searchKnn(query, k);
    std::size_t n = result.size();
    for (std::size_t i = n; i < k; ++i) out[i] = -1;
    while (!result.empty()) {
      out[--n] = static_cast<std::int64_t>(result.top().second);
      result.pop();
    }
  }

 private:
  std::unique_ptr<hnswlib::L2Space> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index_;
  std::size_t dim_ = 0;
};

}  // namespace

std::unique_ptr<AnnRunner> make_hnswlib_runner() { return std::make_unique<HnswlibRunner>(); }

}  // namespace strata::bench
