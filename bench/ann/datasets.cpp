// Loading benchmark datasets, and exact ground truth by brute force with a cache.
#include "datasets.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "io/vecs_file.hpp"
#include "strata/detail/distance.hpp"

namespace strata::bench {

namespace {

std::vector<std::int32_t> brute_force(const Dataset& d, std::size_t k) {
  std::vector<std::int32_t> gt(d.queries * k);
  auto l2 = detail::kernels().l2_squared;
  auto work = [&](std::size_t first, std::size_t step) {
    std::vector<std::pair<float, std::int32_t>> all(d.rows);
    for (std::size_t q = first; q < d.queries; q += step) {
      for (std::size_t i = 0; i < d.rows; ++i) {
        all[i] = {l2(d.query.data() + q * d.dim, d.base.data() + i * d.dim, d.dim),
                  static_cast<std::int32_t>(i)};
      }
      std::partial_sort(all.begin(), all.begin() + static_cast<long>(k), all.end());
      for (std::size_t j = 0; j < k; ++j) gt[q * k + j] = all[j].second;
    }
  };
  std::size_t threads = std::max(1U, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(work, t, threads);
  for (auto& t : pool) t.join();
  return gt;
}

// idx3-ubyte, gzip-compressed: magic 0x00000803, count, rows, cols (big-endian), then pixels.
std::optional<std::vector<float>> read_idx_images(const std::string& path, std::size_t& count,
                                                  std::size_t& dim) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return std::nullopt;
  unsigned char header[16];
  if (gzread(f, header, 16) != 16) {
    gzclose(f);
    return std::nullopt;
  }
  auto be32 = [&](int at) {
    return (std::size_t{header[at]} << 24) | (std::size_t{header[at + 1]} << 16) |
           (std::size_t{header[at + 2]} << 8) | header[at + 3];
  };
  count = be32(4);
  dim = be32(8) * be32(12);
  std::vector<unsigned char> pixels(count * dim);
  int got = gzread(f, pixels.data(), static_cast<unsigned>(pixels.size()));
  gzclose(f);
  if (got != static_cast<int>(pixels.size())) return std::nullopt;
  return std::vector<float>(pixels.begin(), pixels.end());
}

}  // namespace

std::optional<Dataset> load_bigann10k(const std::string& datasets_dir) {
  std::string dir = datasets_dir + "/bigann10k/";
  auto base = io::read_bvecs(dir + "bigann10k_base.bvecs");
  auto query = io::read_bvecs(dir + "bigann10k_query.bvecs");
  auto gt = io::read_ivecs(dir + "bigann10k_groundtruth.ivecs");
  if (!base || !query || !gt) {
    std::fprintf(stderr, "bigann10k not found under %s; skipping it\n", dir.c_str());
    return std::nullopt;
  }
  Dataset d;
  d.name = "bigann10k";
  d.dim = base->dim;
  d.rows = base->rows;
  d.queries = query->rows;
  d.base = std::move(base->data);
  d.query = std::move(query->data);
  d.gt_k = gt->dim;
  d.groundtruth = std::move(gt->data);
  return d;
}

std::optional<Dataset> load_fashion_mnist(const std::string& cache_dir, std::size_t max_queries) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  Dataset d;
  d.name = "fashion-mnist-784";
  std::size_t rows = 0;
  std::size_t dim = 0;
  auto base = read_idx_images(dir + "train-images-idx3-ubyte.gz", rows, dim);
  std::size_t qrows = 0;
  std::size_t qdim = 0;
  auto query = read_idx_images(dir + "t10k-images-idx3-ubyte.gz", qrows, qdim);
  if (!base || !query || dim != qdim) {
    std::fprintf(stderr,
                 "fashion-mnist not found under %s (apt-get install dataset-fashion-mnist); skipping it\n",
                 dir.c_str());
    return std::nullopt;
  }
  d.dim = dim;
  d.rows = rows;
  d.queries = std::min(qrows, max_queries);
  d.base = std::move(*base);
  d.query.assign(query->begin(), query->begin() + static_cast<long>(d.queries * dim));
  d.gt_k = 100;

  std::filesystem::create_directories(cache_dir);
  std::string cache = cache_dir + "/fashion-mnist-784-gt" + std::to_string(d.queries) + ".ivecs";
  if (auto cached = io::read_ivecs(cache); cached && cached->rows == d.queries && cached->dim == d.gt_k) {
    d.groundtruth = std::move(cached->data);
    return d;
  }
  std::fprintf(stderr, "computing fashion-mnist ground truth for %zu queries (cached in %s)...\n", d.queries,
               cache.c_str());
  d.groundtruth = brute_force(d, d.gt_k);
  std::ofstream out(cache, std::ios::binary);
  for (std::size_t q = 0; q < d.queries; ++q) {
    auto k = static_cast<std::int32_t>(d.gt_k);
    out.write(reinterpret_cast<const char*>(&k), sizeof(k));
    out.write(reinterpret_cast<const char*>(d.groundtruth.data() + q * d.gt_k),
              static_cast<std::streamsize>(d.gt_k * sizeof(std::int32_t)));
  }
  return d;
}

}  // namespace strata::bench
