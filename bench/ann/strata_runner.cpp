// The strata side of the ANN benchmark, through the public API only.
#include <cstdio>
#include <cstdlib>

#include "runner.hpp"
#include "strata/strata.hpp"

namespace strata::bench {
namespace {

class StrataRunner final : public AnnRunner {
 public:
  std::string name() const override { return "strata"; }

  void build(const float* data, std::size_t rows, std::size_t dim, const BuildParams& params) override {
    DbOptions o;
    o.dimensions = dim;
    o.hnsw_m = params.m;
    o.hnsw_ef_construction = params.ef_construction;
    o.max_elements = rows;
    o.num_threads = params.threads;
    auto db = VectorDB::open(o);
    if (!db) die(db.status());
    db_ = std::make_unique<VectorDB>(std::move(db).value());
    // Batches of 1,000, as an application streaming its data in would insert.
    std::vector<VectorEntry> batch;
    for (std::size_t start = 0; start < rows; start += 1000) {
      batch.resize(std::min<std::size_t>(1000, rows - start));
      for (std::size_t j = 0; j < batch.size(); ++j) {
        batch[j].id = std::to_string(start + j);
        batch[j].vector.assign(data + (start + j) * dim, data + (start + j + 1) * dim);
      }
      if (auto ids = db_->insert_batch(batch); !ids) die(ids.status());
    }
    query_.vector.resize(dim);
  }

  void set_ef(std::size_t ef) override { query_.ef_search = ef; }

  void search(const float* query, std::size_t k, std::int64_t* out) override {
    std::copy(query, query + query_.vector.size(), query_.vector.begin());
    query_.k = k;
    auto r = db_->search(query_);
    if (!r) die(r.status());
    for (std::size_t i = 0; i < k; ++i) out[i] = i < r->size() ? std::atoll((*r)[i].id.c_str()) : -1;
  }

 private:
  [[noreturn]] static void die(const Status& s) {
    std::fprintf(stderr, "strata: %s\n", s.to_string().c_str());
    std::exit(1);
  }
  std::unique_ptr<VectorDB> db_;
  SearchQuery query_;
};

}  // namespace

std::unique_ptr<AnnRunner> make_strata_runner() { return std::make_unique<StrataRunner>(); }

}  // namespace strata::bench
