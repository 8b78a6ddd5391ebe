// Tests ProductQuantizer and its k-means: reconstruction error, lookup-table distances against the decoded
// vectors, ranking quality on bigann10k and synthetic data, determinism, and the persisted form.
#include "strata/detail/quant/product_quantizer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "quant/kmeans.hpp"
#include "strata/detail/quant/byte_codec.hpp"
#include "support/bigann.hpp"
#include "support/quant_eval.hpp"

namespace strata::detail {
namespace {

using strata::testing::exact_dot;
using strata::testing::exact_l2;

// Mean squared reconstruction error over the mean squared deviation from the data's mean: 0 is perfect,
// 1 is no better than decoding everything to the mean.
double relative_error(const ProductQuantizer& pq, const float* data, std::size_t n) {
  const std::size_t dim = pq.dimensions();
  std::vector<double> mean(dim, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t d = 0; d < dim; ++d) mean[d] += data[i * dim + d] / static_cast<double>(n);
  }
  std::vector<std::uint8_t> code(pq.code_size());
  std::vector<float> back(dim);
  double err = 0.0;
  double var = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    pq.encode(data + i * dim, code.data());
    pq.decode(code.data(), back.data());
    err += exact_l2(data + i * dim, back.data(), dim);
    for (std::size_t d = 0; d < dim; ++d)
      var += (data[i * dim + d] - mean[d]) * (data[i * dim + d] - mean[d]);
  }
  return err / var;
}

TEST(KMeans, FindsSeparatedClusters) {
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  const float centres[4][2] = {{0, 0}, {10, 0}, {0, 10}, {10, 10}};
  std::vector<float> points;
  for (int i = 0; i < 400; ++i) {
    points.push_back(centres[i % 4][0] + noise(rng));
    points.push_back(centres[i % 4][1] + noise(rng));
  }
  KMeansOptions options;
  options.k = 4;
  options.seed = 9;
  const KMeansResult r = kmeans(points.data(), 400, 2, options);
  for (const auto& centre : centres) {
    double best = 1e9;
    for (std::size_t j = 0; j < 4; ++j) {
      best = std::min<double>(
          best, std::hypot(r.centroids[2 * j] - centre[0], r.centroids[(2 * j) + 1] - centre[1]));
    }
    EXPECT_LT(best, 0.05);
  }
  EXPECT_LT(r.inertia, 400 * 2 * 0.01 * 1.2);
}

TEST(KMeans, MorePointsThanDistinctValues) {
  // 300 points at 3 locations, 8 clusters: empty clusters must be handled without looping forever.
  std::vector<float> points(300);
  for (std::size_t i = 0; i < 300; ++i) points[i] = static_cast<float>(i % 3);
  for (bool plus_plus : {true, false}) {
    KMeansOptions options;
    options.k = 8;
    options.plus_plus = plus_plus;
    const KMeansResult r = kmeans(points.data(), 300, 1, options);
    EXPECT_LT(r.inertia, 1e-2);  // every point sits on a centroid, up to the split nudges
    for (float c : r.centroids) EXPECT_TRUE(std::isfinite(c));
  }
}

TEST(ProductQuantizer, TrainRejectsBadInput) {
  const auto data = strata::testing::heterogeneous_gaussian(300, 8, 1);
  ProductQuantizerOptions o;
  o.subspaces = 9;  // more than dim
  EXPECT_EQ(ProductQuantizer::train(data.data(), 300, 8, o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.subspaces = 2;
  o.centroids = 257;
  EXPECT_EQ(ProductQuantizer::train(data.data(), 300, 8, o).status().code(), StatusCode::kInvalidArgument);
  o.centroids = 256;
  EXPECT_EQ(ProductQuantizer::train(data.data(), 255, 8, o).status().code(), StatusCode::kInvalidArgument);
  std::vector<float> nan = data;
  nan[17] = NAN;
  EXPECT_EQ(ProductQuantizer::train(nan.data(), 300, 8, o).status().code(), StatusCode::kInvalidArgument);
}

TEST(ProductQuantizer, UnevenSubspacesAndSmallCodebooks) {
  constexpr std::size_t kDim = 10;
  const auto data = strata::testing::heterogeneous_gaussian(500, kDim, 4);
  ProductQuantizerOptions o;
  o.subspaces = 4;
  o.centroids = 16;
  auto pq = ProductQuantizer::train(data.data(), 500, kDim, o);
  ASSERT_TRUE(pq) << pq.status().to_string();
  EXPECT_EQ(pq->code_size(), 4u);
  const std::size_t want[] = {0, 3, 6, 8, 10};
  for (std::size_t j = 0; j <= 4; ++j) EXPECT_EQ(pq->subspace_begin(j), want[j]);
  std::vector<std::uint8_t> code(4);
  for (std::size_t i = 0; i < 500; ++i) {
    pq->encode(data.data() + i * kDim, code.data());
    for (std::uint8_t c : code) ASSERT_LT(c, 16);
  }
  // A code byte past the codebook (possible only in damaged codes) decodes and scores without fault.
  const std::uint8_t wild[4] = {255, 16, 200, 17};
  std::vector<float> back(kDim);
  pq->decode(wild, back.data());
  EXPECT_TRUE(std::isfinite(pq->prepare(data.data(), DistanceMetric::kEuclidean).distance(wild)));
  const double err = relative_error(*pq, data.data(), 500);
  std::cout << "PQ 4x16 on 10-d gaussian: relative squared error " << err << "\n";
  EXPECT_LT(err, 0.35);
}

TEST(ProductQuantizer, TableDistancesMatchDecodedVectors) {
  constexpr std::size_t kDim = 48;
  const auto data = strata::testing::unit_gaussian(1100, kDim, 8);
  ProductQuantizerOptions o;
  o.subspaces = 12;
  auto pq = ProductQuantizer::train(data.data(), 1000, kDim, o);
  ASSERT_TRUE(pq);
  std::vector<std::uint8_t> codes(1000 * pq->code_size());
  pq->encode_batch(data.data(), 1000, codes.data());
  std::vector<float> back(kDim);
  for (DistanceMetric metric : {DistanceMetric::kEuclidean, DistanceMetric::kDotProduct,
                                DistanceMetric::kCosine, DistanceMetric::kManhattan}) {
    for (std::size_t qi = 1000; qi < 1100; qi += 10) {
      const float* q = data.data() + qi * kDim;
      const ProductQuantizer::Query query = pq->prepare(q, metric);
      std::vector<float> batch(1000);
      query.distances(codes.data(), 1000, batch.data());
      for (std::size_t i = 0; i < 1000; ++i) {
        const std::uint8_t* code = codes.data() + i * pq->code_size();
        pq->decode(code, back.data());
        double want = 0.0;
        switch (metric) {
          case DistanceMetric::kEuclidean:
            want = exact_l2(q, back.data(), kDim);
            break;
          case DistanceMetric::kDotProduct:
            want = -exact_dot(q, back.data(), kDim);
            break;
          case DistanceMetric::kCosine:
            want = 1.0 - exact_dot(q, back.data(), kDim);
            break;
          case DistanceMetric::kManhattan:
            for (std::size_t d = 0; d < kDim; ++d) want += std::abs(double{q[d]} - back[d]);
            break;
        }
        ASSERT_NEAR(query.distance(code), want, 1e-5) << static_cast<int>(metric);
        ASSERT_EQ(batch[i], query.distance(code));
      }
    }
  }
}

TEST(ProductQuantizer, DeterministicAcrossThreadCounts) {
  constexpr std::size_t kDim = 32;
  const auto data = strata::testing::heterogeneous_gaussian(3000, kDim, 6);
  ProductQuantizerOptions o;
  o.subspaces = 8;
  o.max_training_vectors = 2000;
  o.iterations = 10;
  std::string one;
  std::string four;
  ProductQuantizer::train(data.data(), 3000, kDim, o)->serialize(one);
  o.threads = 4;
  ProductQuantizer::train(data.data(), 3000, kDim, o)->serialize(four);
  EXPECT_EQ(one, four);
  o.seed = 2;
  std::string other;
  ProductQuantizer::train(data.data(), 3000, kDim, o)->serialize(other);
  EXPECT_NE(one, other);
}

TEST(ProductQuantizer, ErrorAndRecallOnBigann) {
  STRATA_LOAD_BIGANN_OR_SKIP(ds);
  const std::size_t dim = ds.base.dim;
  const std::size_t n = ds.base.rows;
  ProductQuantizerOptions o;
  o.subspaces = 16;
  o.threads = 2;
  auto pq = ProductQuantizer::train(ds.base.data.data(), n, dim, o);
  ASSERT_TRUE(pq);
  const double err = relative_error(*pq, ds.base.data.data(), n);
  std::vector<std::uint8_t> codes(n * pq->code_size());
  pq->encode_batch(ds.base.data.data(), n, codes.data());
  const auto report = strata::testing::measure_recall<float>(
      ds.queries.rows, n, 10, 100,
      [&](std::size_t q, std::vector<float>& out) {
        pq->prepare(ds.queries.row(q), DistanceMetric::kEuclidean).distances(codes.data(), n, out.data());
      },
      [&](std::size_t q) {
        static thread_local std::vector<std::int64_t> ids;
        ids.assign(ds.groundtruth.row(q), ds.groundtruth.row(q) + 10);
        return ids.data();
      },
      ds.base.data.data(), ds.queries.data.data(), dim);
  std::cout << "PQ 16x256 bigann10k: relative squared error " << err << ", recall@10 codes only "
            << report.codes_only << ", rescoring top 100 " << report.rescored << "\n";
  EXPECT_LT(err, 0.15);
  EXPECT_GE(report.codes_only, 0.50);
  EXPECT_GE(report.rescored, 0.95);
}

TEST(ProductQuantizer, RecallOnRandomData) {
  constexpr std::size_t kDim = 64;
  constexpr std::size_t kBase = 5000;
  constexpr std::size_t kQueries = 50;
  const auto all = strata::testing::heterogeneous_gaussian(kBase + kQueries, kDim, 12);
  const std::vector<float> data(all.begin(), all.begin() + kBase * kDim);
  const std::vector<float> queries(all.begin() + kBase * kDim, all.end());
  const auto truth = strata::testing::exact_knn(data, queries, kDim, 10);
  ProductQuantizerOptions o;
  o.subspaces = 16;
  auto pq = ProductQuantizer::train(data.data(), kBase, kDim, o);
  ASSERT_TRUE(pq);
  const double err = relative_error(*pq, data.data(), kBase);
  std::vector<std::uint8_t> codes(kBase * pq->code_size());
  pq->encode_batch(data.data(), kBase, codes.data());
  const auto report = strata::testing::measure_recall<float>(
      kQueries, kBase, 10, 100,
      [&](std::size_t q, std::vector<float>& out) {
        pq->prepare(queries.data() + q * kDim, DistanceMetric::kEuclidean)
            .distances(codes.data(), kBase, out.data());
      },
      [&](std::size_t q) { return truth[q].data(); }, data.data(), queries.data(), kDim);
  std::cout << "PQ 16x256 random 64-d: relative squared error " << err << ", recall@10 codes only "
            << report.codes_only << ", rescoring top 100 " << report.rescored << "\n";
  EXPECT_LT(err, 0.30);
  EXPECT_GE(report.rescored, 0.90);
}

TEST(ProductQuantizer, SerializationRoundTrip) {
  const auto data = strata::testing::heterogeneous_gaussian(400, 20, 9);
  ProductQuantizerOptions o;
  o.subspaces = 3;
  o.centroids = 32;
  auto pq = ProductQuantizer::train(data.data(), 400, 20, o);
  ASSERT_TRUE(pq);
  std::string bytes;
  pq->serialize(bytes);
  auto back = ProductQuantizer::deserialize(bytes);
  ASSERT_TRUE(back) << back.status().to_string();
  EXPECT_EQ(back->subspaces(), 3u);
  EXPECT_EQ(back->centroids(), 32u);
  std::string again;
  back->serialize(again);
  EXPECT_EQ(bytes, again);
  std::vector<std::uint8_t> a(3);
  std::vector<std::uint8_t> b(3);
  pq->encode(data.data() + 20, a.data());
  back->encode(data.data() + 20, b.data());
  EXPECT_EQ(a, b);
}

TEST(ProductQuantizer, DamagedBytesAreCorruption) {
  const auto data = strata::testing::heterogeneous_gaussian(64, 4, 2);
  ProductQuantizerOptions o;
  o.subspaces = 2;
  o.centroids = 4;
  auto pq = ProductQuantizer::train(data.data(), 64, 4, o);
  ASSERT_TRUE(pq);
  std::string good;
  pq->serialize(good);
  for (const std::string& bad : strata::testing::damaged_copies(good)) {
    EXPECT_EQ(ProductQuantizer::deserialize(bad).status().code(), StatusCode::kCorruption);
  }
  std::string scalar_tag = good;
  scalar_tag[0] = 'S';
  EXPECT_FALSE(ProductQuantizer::deserialize(scalar_tag));
}

TEST(ProductQuantizer, ForgedContentsAreCorruption) {
  auto forge = [](std::uint32_t dim, std::uint32_t m, std::uint32_t ks, std::size_t floats,
                  float value = 0.5f) {
    std::string out;
    ByteWriter w(out);
    begin_envelope(w, ProductQuantizer::kTag, ProductQuantizer::kFormatVersion);
    w.put_u32(dim);
    w.put_u32(m);
    w.put_u32(ks);
    for (std::size_t i = 0; i < floats; ++i) w.put_f32(value);
    w.finish();
    return out;
  };
  EXPECT_TRUE(ProductQuantizer::deserialize(forge(4, 2, 2, 8)));
  EXPECT_EQ(ProductQuantizer::deserialize(forge(4, 2, 2, 7)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ProductQuantizer::deserialize(forge(4, 5, 2, 8)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ProductQuantizer::deserialize(forge(4, 0, 2, 8)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ProductQuantizer::deserialize(forge(4, 2, 1, 4)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ProductQuantizer::deserialize(forge(4, 2, 300, 1200)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ProductQuantizer::deserialize(forge(0xFFFFFFFFu, 2, 256, 8)).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(ProductQuantizer::deserialize(forge(65536, 1, 256, 8)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ProductQuantizer::deserialize(forge(4, 2, 2, 8, INFINITY)).status().code(),
            StatusCode::kCorruption);
}

}  // namespace
}  // namespace strata::detail
