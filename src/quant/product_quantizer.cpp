// ProductQuantizer: codebook training (k-means per sub-space), encoding, lookup tables, persisted form.
#include "strata/detail/quant/product_quantizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <thread>
#include <utility>

#include "quant/kmeans.hpp"
#include "strata/detail/quant/byte_codec.hpp"

namespace strata::detail {

std::vector<std::size_t> ProductQuantizer::split(std::size_t dim, std::size_t subspaces) {
  std::vector<std::size_t> offsets(subspaces + 1, 0);
  const std::size_t base = dim / subspaces;
  const std::size_t extra = dim % subspaces;
  for (std::size_t j = 0; j < subspaces; ++j) offsets[j + 1] = offsets[j] + base + (j < extra ? 1 : 0);
  return offsets;
}

ProductQuantizer::ProductQuantizer(std::size_t dim, std::size_t ks, std::vector<std::size_t> offsets,
                                   std::vector<float> codebook)
    : dim_(dim), ks_(ks), offsets_(std::move(offsets)), codebook_(std::move(codebook)) {}

Result<ProductQuantizer> ProductQuantizer::train(const float* data, std::size_t n, std::size_t dim,
                                                 const ProductQuantizerOptions& options) {
  const std::size_t m = options.subspaces;
  const std::size_t ks = options.centroids;
  if (dim == 0 || dim > kMaxDimensions || m == 0 || m > dim || ks < 2 || ks > 256) {
    return Status::invalid_argument(
        fmt::format("ProductQuantizer::train: dim = {}, subspaces = {}, centroids = {}; need 1 <= dim <= {}, "
                    "1 <= subspaces <= dim, 2 <= centroids <= 256",
                    dim, m, ks, kMaxDimensions));
  }
  if (n < ks) {
    return Status::invalid_argument(
        fmt::format("ProductQuantizer::train: {} training vectors for {} centroids", n, ks));
  }
  for (std::size_t i = 0; i < n * dim; ++i) {
    if (!std::isfinite(data[i])) {
      return Status::invalid_argument(
          fmt::format("ProductQuantizer::train: vector {} has a non-finite value", i / dim));
    }
  }

  // A deterministic sample, sorted so that sub-vector extraction reads the input in order.
  std::mt19937_64 rng(options.seed);
  std::vector<std::size_t> rows(n);
  for (std::size_t i = 0; i < n; ++i) rows[i] = i;
  std::size_t sample = n;
  if (options.max_training_vectors != 0 && n > std::max(options.max_training_vectors, ks)) {
    sample = std::max(options.max_training_vectors, ks);
    for (std::size_t i = 0; i < sample; ++i) std::swap(rows[i], rows[i + rng() % (n - i)]);
    rows.resize(sample);
    std::sort(rows.begin(), rows.end());
  }

  std::vector<std::size_t> offsets = split(dim, m);
  std::vector<float> codebook(dim * ks);
  auto train_subspace = [&](std::size_t j) {
    const std::size_t begin = offsets[j];
    const std::size_t len = offsets[j + 1] - begin;
    std::vector<float> sub(sample * len);
    for (std::size_t i = 0; i < sample; ++i) {
      std::copy_n(data + rows[i] * dim + begin, len, sub.data() + i * len);
    }
    KMeansOptions km;
    km.k = ks;
    km.iterations = options.iterations;
    km.plus_plus = options.kmeans_plus_plus;
    // Distinct per sub-space but fixed by the seed, whichever thread runs it.
    km.seed = options.seed * 0x9E3779B97F4A7C15ull + j + 1;
    const KMeansResult r = kmeans(sub.data(), sample, len, km);
    for (std::size_t k = 0; k < ks; ++k) {
      for (std::size_t t = 0; t < len; ++t) codebook[(begin + t) * ks + k] = r.centroids[k * len + t];
    }
  };
  const std::size_t threads = std::clamp<std::size_t>(options.threads, 1, m);
  if (threads == 1) {
    for (std::size_t j = 0; j < m; ++j) train_subspace(j);
  } else {
    std::vector<std::thread> workers;
    workers.reserve(threads);
    for (std::size_t w = 0; w < threads; ++w) {
      workers.emplace_back([&, w] {
        for (std::size_t j = w; j < m; j += threads) train_subspace(j);
      });
    }
    for (auto& worker : workers) worker.join();
  }
  return ProductQuantizer(dim, ks, std::move(offsets), std::move(codebook));
}

void ProductQuantizer::encode(const float* x, std::uint8_t* code) const noexcept {
  // Exhaustive nearest centroid per sub-space, in the same dimension-major order as the lookup tables.
  float dist[256];
  for (std::size_t j = 0; j < subspaces(); ++j) {
    std::fill_n(dist, ks_, 0.0f);
    for (std::size_t d = offsets_[j]; d < offsets_[j + 1]; ++d) {
      const float* column = codebook_.data() + d * ks_;
      const float v = x[d];
      for (std::size_t k = 0; k < ks_; ++k) {
        const float diff = v - column[k];
        dist[k] += diff * diff;
      }
    }
    // NaN input compares false everywhere and leaves centroid 0: a valid code, never out of range.
    std::size_t best = 0;
    for (std::size_t k = 1; k < ks_; ++k) best = dist[k] < dist[best] ? k : best;
    code[j] = static_cast<std::uint8_t>(best);
  }
}

void ProductQuantizer::encode_batch(const float* x, std::size_t n, std::uint8_t* codes) const noexcept {
  for (std::size_t i = 0; i < n; ++i) encode(x + i * dim_, codes + i * code_size());
}

void ProductQuantizer::decode(const std::uint8_t* code, float* x) const noexcept {
  for (std::size_t j = 0; j < subspaces(); ++j) {
    // Codes are untrusted here too (ks_ may be < 256): an out-of-range byte reads centroid 0.
    const std::size_t k = code[j] < ks_ ? code[j] : 0;
    for (std::size_t d = offsets_[j]; d < offsets_[j + 1]; ++d) x[d] = codebook_[d * ks_ + k];
  }
}

ProductQuantizer::Query ProductQuantizer::prepare(const float* q, DistanceMetric metric) const {
  Query query;
  query.m_ = subspaces();
  // 256 entries per sub-space whatever ks_ is, so that any code byte indexes inside the table; the
  // entries past ks_ stay 0.
  query.ks_ = 256;
  query.table_.assign(query.m_ * 256, 0.0f);
  for (std::size_t j = 0; j < query.m_; ++j) {
    float* t = query.table_.data() + j * 256;
    for (std::size_t d = offsets_[j]; d < offsets_[j + 1]; ++d) {
      const float* column = codebook_.data() + d * ks_;
      const float v = q[d];
      switch (metric) {
        case DistanceMetric::kEuclidean:
          for (std::size_t k = 0; k < ks_; ++k) t[k] += (v - column[k]) * (v - column[k]);
          break;
        case DistanceMetric::kCosine:
        case DistanceMetric::kDotProduct:
          for (std::size_t k = 0; k < ks_; ++k) t[k] -= v * column[k];
          break;
        case DistanceMetric::kManhattan:
          for (std::size_t k = 0; k < ks_; ++k) t[k] += std::abs(v - column[k]);
          break;
      }
    }
  }
  // 1 - dot: the constant rides in the first sub-space's entries, so distance() stays a plain sum.
  if (metric == DistanceMetric::kCosine) {
    for (std::size_t k = 0; k < 256; ++k) query.table_[k] += 1.0f;
  }
  return query;
}

void ProductQuantizer::Query::distances(const std::uint8_t* codes, std::size_t count,
                                        float* out) const noexcept {
  lookup_distances(table_.data(), ks_, codes, m_, count, out);
}

void ProductQuantizer::serialize(std::string& out) const {
  ByteWriter writer(out);
  begin_envelope(writer, kTag, kFormatVersion);
  writer.put_u32(static_cast<std::uint32_t>(dim_));
  writer.put_u32(static_cast<std::uint32_t>(subspaces()));
  writer.put_u32(static_cast<std::uint32_t>(ks_));
  writer.put_floats(codebook_.data(), codebook_.size());
  writer.finish();
}

Result<ProductQuantizer> ProductQuantizer::deserialize(std::string_view bytes) {
  std::string_view payload;
  STRATA_RETURN_IF_ERROR(open_envelope(bytes, kTag, kFormatVersion, "ProductQuantizer", &payload));
  ByteReader reader(payload);
  std::uint32_t dim = 0;
  std::uint32_t m = 0;
  std::uint32_t ks = 0;
  if (!reader.get_u32(dim) || !reader.get_u32(m) || !reader.get_u32(ks) || dim == 0 || dim > kMaxDimensions ||
      m == 0 || m > dim || ks < 2 || ks > 256) {
    return Status::corruption("ProductQuantizer: bad shape");
  }
  const std::size_t floats = std::size_t{dim} * ks;
  if (reader.remaining() != 4 * floats) {
    return Status::corruption(
        fmt::format("ProductQuantizer: {} codebook bytes for {} x {} floats", reader.remaining(), dim, ks));
  }
  std::vector<float> codebook(floats);
  if (!reader.get_floats(codebook.data(), floats))
    return Status::corruption("ProductQuantizer: non-finite centroid");
  return ProductQuantizer(dim, ks, split(dim, m), std::move(codebook));
}

}  // namespace strata::detail
