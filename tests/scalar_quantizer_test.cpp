// Tests ScalarQuantizer (SQ8): error bounds, query distances against the decoded vectors, ranking quality
// on bigann10k and synthetic data, and the persisted form.
#include "strata/detail/quant/scalar_quantizer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "strata/detail/quant/byte_codec.hpp"
#include "support/bigann.hpp"
#include "support/quant_eval.hpp"

namespace strata::detail {
namespace {

using strata::testing::exact_dot;
using strata::testing::exact_l2;

// Every training vector decodes within half a level of itself in every dimension.
void expect_half_step_bound(const ScalarQuantizer& sq, const float* data, std::size_t n, const char* what) {
  const std::size_t dim = sq.dimensions();
  std::vector<double> mean(dim, 0.0);
  for (std::size_t i = 0; i < n * dim; ++i) mean[i % dim] += data[i] / static_cast<double>(n);
  std::vector<std::uint8_t> code(sq.code_size());
  std::vector<float> back(dim);
  double sq_error = 0.0;
  double variance = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sq.encode(data + i * dim, code.data());
    sq.decode(code.data(), back.data());
    for (std::size_t d = 0; d < dim; ++d) {
      const float x = data[i * dim + d];
      const float bound = 0.5f * sq.step()[d] * (1.0f + 1e-4f) + 1e-5f * std::abs(x);
      ASSERT_LE(std::abs(back[d] - x), bound) << "vector " << i << " dimension " << d;
      sq_error += (double{back[d]} - x) * (double{back[d]} - x);
      variance += (x - mean[d]) * (x - mean[d]);
    }
  }
  std::cout << "SQ8 " << what << ": squared reconstruction error / variance = " << sq_error / variance
            << "\n";
}

TEST(ScalarQuantizer, TrainRejectsBadInput) {
  const std::vector<float> data = {1, 2, 3, 4};
  EXPECT_EQ(ScalarQuantizer::train(data.data(), 0, 2).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ScalarQuantizer::train(data.data(), 2, 0).status().code(), StatusCode::kInvalidArgument);
  ScalarQuantizerOptions bad;
  bad.clip_fraction = 0.5;
  EXPECT_EQ(ScalarQuantizer::train(data.data(), 2, 2, bad).status().code(), StatusCode::kInvalidArgument);
  const std::vector<float> nan = {1, NAN, 3, 4};
  EXPECT_EQ(ScalarQuantizer::train(nan.data(), 2, 2).status().code(), StatusCode::kInvalidArgument);
}

TEST(ScalarQuantizer, HalfStepErrorOnRandomData) {
  constexpr std::size_t kDim = 100;
  const auto data = strata::testing::heterogeneous_gaussian(2000, kDim, 7);
  auto sq = ScalarQuantizer::train(data.data(), 2000, kDim);
  ASSERT_TRUE(sq) << sq.status().to_string();
  EXPECT_EQ(sq->code_size(), kDim + 4);
  expect_half_step_bound(*sq, data.data(), 2000, "random 100-d");
}

TEST(ScalarQuantizer, HalfStepErrorOnBigann) {
  STRATA_LOAD_BIGANN_OR_SKIP(ds);
  auto sq = ScalarQuantizer::train(ds.base.data.data(), ds.base.rows, ds.base.dim);
  ASSERT_TRUE(sq);
  expect_half_step_bound(*sq, ds.base.data.data(), ds.base.rows, "bigann10k");
}

TEST(ScalarQuantizer, ConstantDimensionsAndClampingAndClipping) {
  // Dimension 0 is constant, dimension 1 has one outlier among values in [0, 1].
  std::vector<float> data;
  for (int i = 0; i < 1000; ++i) {
    data.push_back(3.0f);
    data.push_back(i == 500 ? 1000.0f : static_cast<float>(i) / 999.0f);
  }
  ScalarQuantizerOptions clip;
  clip.clip_fraction = 0.01;
  auto sq = ScalarQuantizer::train(data.data(), 1000, 2, clip);
  ASSERT_TRUE(sq);
  EXPECT_EQ(sq->step()[0], 0.0f);
  EXPECT_LT(sq->lower()[1] + 255.0f * sq->step()[1], 1.01f);  // the outlier did not stretch the range
  std::vector<std::uint8_t> code(sq->code_size());
  std::vector<float> back(2);
  const float outside[2] = {-7.0f, 1e9f};
  sq->encode(outside, code.data());
  sq->decode(code.data(), back.data());
  EXPECT_EQ(back[0], 3.0f);
  EXPECT_NEAR(back[1], sq->lower()[1] + 255.0f * sq->step()[1], 1e-6f);
  const float nan[2] = {NAN, NAN};
  sq->encode(nan, code.data());  // defined behaviour: level 0
  sq->decode(code.data(), back.data());
  EXPECT_TRUE(std::isfinite(back[1]));
}

// The prepared query reproduces the metric on the decoded vector: only the query's 15-bit weights and
// float rounding stand between them.
TEST(ScalarQuantizer, QueryDistanceMatchesDecodedVector) {
  constexpr std::size_t kDim = 96;
  for (DistanceMetric metric :
       {DistanceMetric::kEuclidean, DistanceMetric::kDotProduct, DistanceMetric::kCosine}) {
    const auto data = metric == DistanceMetric::kEuclidean
                          ? strata::testing::heterogeneous_gaussian(600, kDim, 3)
                          : strata::testing::unit_gaussian(600, kDim, 3);
    auto sq = ScalarQuantizer::train(data.data(), 500, kDim);
    ASSERT_TRUE(sq);
    std::vector<std::uint8_t> codes(500 * sq->code_size());
    sq->encode_batch(data.data(), 500, codes.data());
    std::vector<float> back(kDim);
    double worst = 0.0;
    double worst_fast = 0.0;
    for (std::size_t qi = 500; qi < 600; ++qi) {
      const float* q = data.data() + qi * kDim;
      auto query = sq->prepare(q, metric);
      auto fast = sq->prepare(q, metric, ScalarQuantizer::QueryPrecision::kFast);
      ASSERT_TRUE(query);
      ASSERT_TRUE(fast);
      std::vector<float> batch(500);
      query->distances(codes.data(), 500, batch.data());
      for (std::size_t i = 0; i < 500; ++i) {
        const std::uint8_t* code = codes.data() + i * sq->code_size();
        sq->decode(code, back.data());
        double want = 0.0;
        double scale = 0.0;
        if (metric == DistanceMetric::kEuclidean) {
          want = exact_l2(q, back.data(), kDim);
          scale = exact_l2(q, sq->lower().data(), kDim) + exact_l2(back.data(), sq->lower().data(), kDim);
        } else {
          want = (metric == DistanceMetric::kCosine ? 1.0 : 0.0) - exact_dot(q, back.data(), kDim);
          scale = 1.0;
        }
        const double got = query->distance(code);
        ASSERT_EQ(batch[i], got);
        worst = std::max(worst, std::abs(got - want) / scale);
        worst_fast = std::max(worst_fast, std::abs(fast->distance(code) - want) / scale);
      }
    }
    std::cout << "SQ8 metric " << static_cast<int>(metric) << ": worst |query - decoded| / scale = " << worst
              << " (kFast " << worst_fast << ")\n";
    EXPECT_LT(worst, 2e-5);
    EXPECT_LT(worst_fast, 5e-3);
  }
}

TEST(ScalarQuantizer, ManhattanIsNotSupported) {
  const auto data = strata::testing::heterogeneous_gaussian(10, 8, 1);
  auto sq = ScalarQuantizer::train(data.data(), 10, 8);
  ASSERT_TRUE(sq);
  EXPECT_EQ(sq->prepare(data.data(), DistanceMetric::kManhattan).status().code(), StatusCode::kNotSupported);
}

// The int8 kernels are exact, so every kernel table gives bit-identical distances.
TEST(ScalarQuantizer, SameDistancesWithEveryKernelTable) {
  constexpr std::size_t kDim = 200;
  const auto data = strata::testing::heterogeneous_gaussian(101, kDim, 5);
  auto sq = ScalarQuantizer::train(data.data(), 100, kDim);
  ASSERT_TRUE(sq);
  std::vector<std::uint8_t> codes(100 * sq->code_size());
  sq->encode_batch(data.data(), 100, codes.data());
  const float* q = data.data() + 100 * kDim;
  auto reference =
      sq->prepare(q, DistanceMetric::kEuclidean, ScalarQuantizer::QueryPrecision::kHigh, scalar_kernels());
  ASSERT_TRUE(reference);
  for (const KernelTable* table : supported_kernels()) {
    auto query = sq->prepare(q, DistanceMetric::kEuclidean, ScalarQuantizer::QueryPrecision::kHigh, *table);
    ASSERT_TRUE(query);
    for (std::size_t i = 0; i < 100; ++i) {
      const std::uint8_t* code = codes.data() + i * sq->code_size();
      ASSERT_EQ(query->distance(code), reference->distance(code)) << table->isa;
    }
  }
}

// Recall@10 of ranking n encoded base vectors by SQ8 distance alone, and after rescoring the top 20.
strata::testing::RecallReport sq8_recall(const ScalarQuantizer& sq, const float* base, std::size_t n,
                                         const float* queries, std::size_t num_queries,
                                         const std::function<const std::int64_t*(std::size_t)>& truth,
                                         ScalarQuantizer::QueryPrecision precision) {
  const std::size_t dim = sq.dimensions();
  std::vector<std::uint8_t> codes(n * sq.code_size());
  sq.encode_batch(base, n, codes.data());
  return strata::testing::measure_recall<float>(
      num_queries, n, 10, 20,
      [&](std::size_t q, std::vector<float>& out) {
        sq.prepare(queries + q * dim, DistanceMetric::kEuclidean, precision)
            ->distances(codes.data(), n, out.data());
      },
      truth, base, queries, dim);
}

TEST(ScalarQuantizer, RecallOnBigann) {
  STRATA_LOAD_BIGANN_OR_SKIP(ds);
  auto sq = ScalarQuantizer::train(ds.base.data.data(), ds.base.rows, ds.base.dim);
  ASSERT_TRUE(sq);
  auto truth = [&](std::size_t q) {
    static thread_local std::vector<std::int64_t> ids;
    ids.assign(ds.groundtruth.row(q), ds.groundtruth.row(q) + 10);
    return ids.data();
  };
  const auto high = sq8_recall(*sq, ds.base.data.data(), ds.base.rows, ds.queries.data.data(),
                               ds.queries.rows, truth, ScalarQuantizer::QueryPrecision::kHigh);
  const auto fast = sq8_recall(*sq, ds.base.data.data(), ds.base.rows, ds.queries.data.data(),
                               ds.queries.rows, truth, ScalarQuantizer::QueryPrecision::kFast);
  std::cout << "SQ8 bigann10k recall@10 (codes only / rescoring top 20): kHigh " << high.codes_only << " / "
            << high.rescored << ", kFast " << fast.codes_only << " / " << fast.rescored << "\n";
  EXPECT_GE(high.codes_only, 0.98);  // 0.995
  EXPECT_GE(high.rescored, 0.995);   // 1
  EXPECT_GE(fast.codes_only, 0.97);  // 0.994
}

TEST(ScalarQuantizer, RecallOnRandomData) {
  constexpr std::size_t kDim = 128;
  constexpr std::size_t kBase = 10000;
  constexpr std::size_t kQueries = 100;
  const auto all = strata::testing::heterogeneous_gaussian(kBase + kQueries, kDim, 3);
  const std::vector<float> data(all.begin(), all.begin() + kBase * kDim);
  const std::vector<float> queries(all.begin() + kBase * kDim, all.end());
  const auto truth = strata::testing::exact_knn(data, queries, kDim, 10);
  auto sq = ScalarQuantizer::train(data.data(), kBase, kDim);
  ASSERT_TRUE(sq);
  auto want = [&](std::size_t q) { return truth[q].data(); };
  const auto high = sq8_recall(*sq, data.data(), kBase, queries.data(), kQueries, want,
                               ScalarQuantizer::QueryPrecision::kHigh);
  const auto fast = sq8_recall(*sq, data.data(), kBase, queries.data(), kQueries, want,
                               ScalarQuantizer::QueryPrecision::kFast);
  // Exact distances to the decoded vectors: the best any query encoding could do with these codes.
  std::vector<float> decoded(kBase * kDim);
  {
    std::vector<std::uint8_t> code(sq->code_size());
    for (std::size_t i = 0; i < kBase; ++i) {
      sq->encode(data.data() + i * kDim, code.data());
      sq->decode(code.data(), decoded.data() + i * kDim);
    }
  }
  const auto ideal = strata::testing::measure_recall<float>(
      kQueries, kBase, 10, 20,
      [&](std::size_t q, std::vector<float>& out) {
        for (std::size_t i = 0; i < kBase; ++i) {
          out[i] = static_cast<float>(exact_l2(queries.data() + q * kDim, decoded.data() + i * kDim, kDim));
        }
      },
      want, data.data(), queries.data(), kDim);
  std::cout << "SQ8 random 128-d recall@10 (codes only / rescoring top 20): kHigh " << high.codes_only
            << " / " << high.rescored << ", kFast " << fast.codes_only << " / " << fast.rescored
            << ", float query " << ideal.codes_only << " / " << ideal.rescored << "\n";
  EXPECT_GE(high.codes_only, ideal.codes_only - 0.005);  // 0.969 vs 0.970
  EXPECT_GE(high.codes_only, 0.96);
  EXPECT_GE(high.rescored, 0.995);   // 1
  EXPECT_GE(fast.codes_only, 0.94);  // 0.957
}

TEST(ScalarQuantizer, SerializationRoundTrip) {
  const auto data = strata::testing::heterogeneous_gaussian(300, 33, 9);
  auto sq = ScalarQuantizer::train(data.data(), 300, 33);
  ASSERT_TRUE(sq);
  std::string bytes;
  sq->serialize(bytes);
  auto back = ScalarQuantizer::deserialize(bytes);
  ASSERT_TRUE(back) << back.status().to_string();
  std::string again;
  back->serialize(again);
  EXPECT_EQ(bytes, again);
  std::vector<std::uint8_t> a(sq->code_size());
  std::vector<std::uint8_t> b(sq->code_size());
  sq->encode(data.data(), a.data());
  back->encode(data.data(), b.data());
  EXPECT_EQ(a, b);
}

TEST(ScalarQuantizer, DamagedBytesAreCorruption) {
  const auto data = strata::testing::heterogeneous_gaussian(50, 5, 2);
  auto sq = ScalarQuantizer::train(data.data(), 50, 5);
  ASSERT_TRUE(sq);
  std::string good;
  sq->serialize(good);
  for (const std::string& bad : strata::testing::damaged_copies(good)) {
    EXPECT_EQ(ScalarQuantizer::deserialize(bad).status().code(), StatusCode::kCorruption);
  }
  std::mt19937 rng(1);
  for (int i = 0; i < 2000; ++i) {
    std::string noise(rng() % 100, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    EXPECT_FALSE(ScalarQuantizer::deserialize(noise));
  }
}

// Well-formed envelopes (valid checksum) around bad contents.
TEST(ScalarQuantizer, ForgedContentsAreCorruption) {
  auto forge = [](std::uint8_t version, std::uint32_t dim, const std::vector<float>& floats) {
    std::string out;
    ByteWriter w(out);
    begin_envelope(w, ScalarQuantizer::kTag, version);
    w.put_u32(dim);
    w.put_floats(floats.data(), floats.size());
    w.finish();
    return out;
  };
  EXPECT_TRUE(ScalarQuantizer::deserialize(forge(1, 2, {0, 0, 1, 1})));
  EXPECT_EQ(ScalarQuantizer::deserialize(forge(2, 2, {0, 0, 1, 1})).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ScalarQuantizer::deserialize(forge(1, 0, {})).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ScalarQuantizer::deserialize(forge(1, 0xFFFFFFFFu, {0, 0, 1, 1})).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(ScalarQuantizer::deserialize(forge(1, 3, {0, 0, 1, 1})).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ScalarQuantizer::deserialize(forge(1, 2, {0, NAN, 1, 1})).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(ScalarQuantizer::deserialize(forge(1, 2, {0, 0, -1, 1})).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(ScalarQuantizer::deserialize(forge(1, 2, {3e38f, 0, 1e38f, 1})).status().code(),
            StatusCode::kCorruption);
}

}  // namespace
}  // namespace strata::detail
