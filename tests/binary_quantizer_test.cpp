// Tests BinaryQuantizer: bit layout, Hamming distances, reconstruction error, ranking quality with
// rescoring on bigann10k and synthetic data, and the persisted form.
#include "strata/detail/quant/binary_quantizer.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "strata/detail/quant/byte_codec.hpp"
#include "support/bigann.hpp"
#include "support/quant_eval.hpp"

namespace strata::detail {
namespace {

using strata::testing::exact_l2;

TEST(BinaryQuantizer, TrainRejectsBadInput) {
  const std::vector<float> data = {1, 2, INFINITY, 4};
  EXPECT_EQ(BinaryQuantizer::train(data.data(), 0, 2).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BinaryQuantizer::train(data.data(), 2, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BinaryQuantizer::train(data.data(), 2, 2).status().code(), StatusCode::kInvalidArgument);
}

TEST(BinaryQuantizer, BitLayoutAndHamming) {
  constexpr std::size_t kDim = 130;  // three words, the last with two used bits
  const auto data = strata::testing::heterogeneous_gaussian(200, kDim, 5);
  auto bq = BinaryQuantizer::train(data.data(), 200, kDim);
  ASSERT_TRUE(bq);
  EXPECT_EQ(bq->words(), 3u);
  EXPECT_EQ(bq->code_size(), 24u);
  std::vector<std::uint64_t> codes(std::size_t{200} * 3);
  bq->encode_batch(data.data(), 200, codes.data());
  for (std::size_t i = 0; i < 200; ++i) {
    const std::uint64_t* code = codes.data() + i * 3;
    for (std::size_t d = 0; d < kDim; ++d) {
      ASSERT_EQ((code[d / 64] >> (d % 64)) & 1u, data[i * kDim + d] > bq->mean()[d] ? 1u : 0u);
    }
    ASSERT_EQ(code[2] >> 2, 0u) << "padding bits must stay clear";
  }
  for (const KernelTable* table : supported_kernels()) {
    const BinaryQuantizer::Query query = bq->prepare(data.data() + 7 * kDim, *table);
    std::vector<std::uint32_t> batch(200);
    query.distances(codes.data(), 200, batch.data());
    for (std::size_t i = 0; i < 200; ++i) {
      std::uint32_t want = 0;
      for (std::size_t w = 0; w < 3; ++w)
        want += std::popcount(codes[std::size_t{7} * 3 + w] ^ codes[i * 3 + w]);
      ASSERT_EQ(query.distance(codes.data() + i * 3), want) << table->isa;
      ASSERT_EQ(batch[i], want);
    }
  }
}

// Decoding to each side's mean keeps the error well under the variance; for a Gaussian the expected
// remainder is 1 - 2/pi = 0.36 of it.
TEST(BinaryQuantizer, DecodeErrorOnRandomData) {
  constexpr std::size_t kDim = 64;
  const auto data = strata::testing::heterogeneous_gaussian(4000, kDim, 2);
  auto bq = BinaryQuantizer::train(data.data(), 4000, kDim);
  ASSERT_TRUE(bq);
  std::vector<std::uint64_t> code(bq->words());
  std::vector<float> back(kDim);
  double err = 0.0;
  double var = 0.0;
  for (std::size_t i = 0; i < 4000; ++i) {
    bq->encode(data.data() + i * kDim, code.data());
    bq->decode(code.data(), back.data());
    err += exact_l2(data.data() + i * kDim, back.data(), kDim);
    var += exact_l2(data.data() + i * kDim, bq->mean().data(), kDim);
  }
  std::cout << "Binary random gaussian: relative squared error " << err / var << "\n";
  EXPECT_NEAR(err / var, 1.0 - 2.0 / M_PI, 0.03);
}

// The asymmetric query reproduces every metric on the decoded vector.
TEST(BinaryQuantizer, AsymmetricDistanceMatchesDecodedVector) {
  constexpr std::size_t kDim = 100;
  const auto data = strata::testing::unit_gaussian(520, kDim, 4);
  auto bq = BinaryQuantizer::train(data.data(), 500, kDim);
  ASSERT_TRUE(bq);
  std::vector<std::uint64_t> codes(500 * bq->words());
  bq->encode_batch(data.data(), 500, codes.data());
  std::vector<float> back(kDim);
  for (DistanceMetric metric : {DistanceMetric::kEuclidean, DistanceMetric::kDotProduct,
                                DistanceMetric::kCosine, DistanceMetric::kManhattan}) {
    for (std::size_t qi = 500; qi < 520; ++qi) {
      const float* q = data.data() + qi * kDim;
      const BinaryQuantizer::AsymmetricQuery query = bq->prepare_asymmetric(q, metric);
      std::vector<float> batch(500);
      query.distances(codes.data(), 500, batch.data());
      for (std::size_t i = 0; i < 500; ++i) {
        const std::uint64_t* code = codes.data() + i * bq->words();
        bq->decode(code, back.data());
        double want = 0.0;
        for (std::size_t d = 0; d < kDim; ++d) {
          const double diff = double{q[d]} - back[d];
          switch (metric) {
            case DistanceMetric::kEuclidean:
              want += diff * diff;
              break;
            case DistanceMetric::kManhattan:
              want += std::abs(diff);
              break;
            default:
              want -= double{q[d]} * back[d];
              break;
          }
        }
        if (metric == DistanceMetric::kCosine) want += 1.0;
        ASSERT_NEAR(query.distance(code), want, 1e-5) << static_cast<int>(metric);
        ASSERT_EQ(batch[i], query.distance(code));
      }
    }
  }
}

// 128 bits per SIFT vector cannot rank as well as the 0.95 hoped for at 100 candidates: the bounds below
// are what is true (measured values in the comments), so that a regression shows.
TEST(BinaryQuantizer, RecallOnBigann) {
  STRATA_LOAD_BIGANN_OR_SKIP(ds);
  const std::size_t dim = ds.base.dim;
  const std::size_t n = ds.base.rows;
  auto bq = BinaryQuantizer::train(ds.base.data.data(), n, dim);
  ASSERT_TRUE(bq);
  std::vector<std::uint64_t> codes(n * bq->words());
  bq->encode_batch(ds.base.data.data(), n, codes.data());
  auto truth = [&](std::size_t q) {
    static thread_local std::vector<std::int64_t> ids;
    ids.assign(ds.groundtruth.row(q), ds.groundtruth.row(q) + 10);
    return ids.data();
  };
  auto hamming = [&](std::size_t q, std::vector<std::uint32_t>& out) {
    bq->prepare(ds.queries.row(q)).distances(codes.data(), n, out.data());
  };
  auto asymmetric = [&](std::size_t q, std::vector<float>& out) {
    bq->prepare_asymmetric(ds.queries.row(q), DistanceMetric::kEuclidean)
        .distances(codes.data(), n, out.data());
  };
  const float* base = ds.base.data.data();
  const float* queries = ds.queries.data.data();
  std::vector<strata::testing::RecallReport> ham;
  std::vector<strata::testing::RecallReport> asym;
  for (std::size_t rerank : {100, 200, 500}) {
    ham.push_back(strata::testing::measure_recall<std::uint32_t>(100, n, 10, rerank, hamming, truth, base,
                                                                 queries, dim));
    asym.push_back(
        strata::testing::measure_recall<float>(100, n, 10, rerank, asymmetric, truth, base, queries, dim));
    std::cout << "Binary bigann10k recall@10, rescoring top " << rerank << ": Hamming " << ham.back().rescored
              << ", asymmetric " << asym.back().rescored << "\n";
  }
  std::cout << "Binary bigann10k recall@10 codes only: Hamming " << ham[0].codes_only << ", asymmetric "
            << asym[0].codes_only << "\n";
  EXPECT_GE(ham[0].codes_only, 0.28);   // 0.317
  EXPECT_GE(ham[0].rescored, 0.66);     // 0.694
  EXPECT_GE(ham[2].rescored, 0.87);     // 0.897
  EXPECT_GE(asym[0].codes_only, 0.40);  // 0.435
  EXPECT_GE(asym[0].rescored, 0.83);    // 0.858
  EXPECT_GE(asym[1].rescored, 0.90);    // 0.923
  EXPECT_GE(asym[2].rescored, 0.95);    // 0.971
}

TEST(BinaryQuantizer, RecallOnRandomUnitVectors) {
  constexpr std::size_t kDim = 256;
  constexpr std::size_t kBase = 5000;
  constexpr std::size_t kQueries = 50;
  const auto all = strata::testing::unit_gaussian(kBase + kQueries, kDim, 21);
  const std::vector<float> data(all.begin(), all.begin() + kBase * kDim);
  const std::vector<float> queries(all.begin() + kBase * kDim, all.end());
  const auto truth = strata::testing::exact_knn(data, queries, kDim, 10);
  auto bq = BinaryQuantizer::train(data.data(), kBase, kDim);
  ASSERT_TRUE(bq);
  std::vector<std::uint64_t> codes(kBase * bq->words());
  bq->encode_batch(data.data(), kBase, codes.data());
  const auto ham = strata::testing::measure_recall<std::uint32_t>(
      kQueries, kBase, 10, 100,
      [&](std::size_t q, std::vector<std::uint32_t>& out) {
        bq->prepare(queries.data() + q * kDim).distances(codes.data(), kBase, out.data());
      },
      [&](std::size_t q) { return truth[q].data(); }, data.data(), queries.data(), kDim);
  const auto asym = strata::testing::measure_recall<float>(
      kQueries, kBase, 10, 100,
      [&](std::size_t q, std::vector<float>& out) {
        bq->prepare_asymmetric(queries.data() + q * kDim, DistanceMetric::kCosine)
            .distances(codes.data(), kBase, out.data());
      },
      [&](std::size_t q) { return truth[q].data(); }, data.data(), queries.data(), kDim);
  std::cout << "Binary random unit 256-d recall@10 (codes only / rescoring top 100): Hamming "
            << ham.codes_only << " / " << ham.rescored << ", asymmetric " << asym.codes_only << " / "
            << asym.rescored << "\n";
  // Structureless data is the worst case for one bit per dimension.
  EXPECT_GE(ham.rescored, 0.44);   // 0.488
  EXPECT_GE(asym.rescored, 0.70);  // 0.74
}

TEST(BinaryQuantizer, SerializationRoundTrip) {
  const auto data = strata::testing::heterogeneous_gaussian(100, 70, 9);
  auto bq = BinaryQuantizer::train(data.data(), 100, 70);
  ASSERT_TRUE(bq);
  std::string bytes;
  bq->serialize(bytes);
  auto back = BinaryQuantizer::deserialize(bytes);
  ASSERT_TRUE(back) << back.status().to_string();
  std::string again;
  back->serialize(again);
  EXPECT_EQ(bytes, again);
  std::vector<float> a(70);
  std::vector<float> b(70);
  std::vector<std::uint64_t> code(2);
  bq->encode(data.data(), code.data());
  bq->decode(code.data(), a.data());
  back->decode(code.data(), b.data());
  EXPECT_EQ(a, b);
}

TEST(BinaryQuantizer, DamagedBytesAreCorruption) {
  const auto data = strata::testing::heterogeneous_gaussian(20, 3, 2);
  auto bq = BinaryQuantizer::train(data.data(), 20, 3);
  ASSERT_TRUE(bq);
  std::string good;
  bq->serialize(good);
  for (const std::string& bad : strata::testing::damaged_copies(good)) {
    EXPECT_EQ(BinaryQuantizer::deserialize(bad).status().code(), StatusCode::kCorruption);
  }
  auto forge = [](std::uint32_t dim, std::size_t floats, float value) {
    std::string out;
    ByteWriter w(out);
    begin_envelope(w, BinaryQuantizer::kTag, BinaryQuantizer::kFormatVersion);
    w.put_u32(dim);
    for (std::size_t i = 0; i < floats; ++i) w.put_f32(value);
    w.finish();
    return out;
  };
  EXPECT_TRUE(BinaryQuantizer::deserialize(forge(2, 6, 1.0f)));
  EXPECT_EQ(BinaryQuantizer::deserialize(forge(2, 5, 1.0f)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(BinaryQuantizer::deserialize(forge(0, 0, 1.0f)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(BinaryQuantizer::deserialize(forge(1u << 31, 6, 1.0f)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(BinaryQuantizer::deserialize(forge(2, 6, NAN)).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace strata::detail
