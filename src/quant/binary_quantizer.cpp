// BinaryQuantizer: mean training, bit packing, decoding and the persisted form.
#include "strata/detail/quant/binary_quantizer.hpp"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <utility>

#include "strata/detail/quant/byte_codec.hpp"

namespace strata::detail {

BinaryQuantizer::BinaryQuantizer(std::vector<float> mean, std::vector<float> below, std::vector<float> above)
    : mean_(std::move(mean)), below_(std::move(below)), above_(std::move(above)) {}

Result<BinaryQuantizer> BinaryQuantizer::train(const float* data, std::size_t n, std::size_t dim) {
  if (n == 0 || dim == 0 || dim > kMaxDimensions) {
    return Status::invalid_argument(fmt::format(
        "BinaryQuantizer::train: n = {}, dim = {}; need n >= 1 and 1 <= dim <= {}", n, dim, kMaxDimensions));
  }
  std::vector<double> sum(dim, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t d = 0; d < dim; ++d) {
      const float v = data[i * dim + d];
      if (!std::isfinite(v)) {
        return Status::invalid_argument(
            fmt::format("BinaryQuantizer::train: vector {} has a non-finite value", i));
      }
      sum[d] += v;
    }
  }
  std::vector<float> mean(dim);
  for (std::size_t d = 0; d < dim; ++d) mean[d] = static_cast<float>(sum[d] / static_cast<double>(n));
  std::vector<double> below_sum(dim, 0.0);
  std::vector<double> above_sum(dim, 0.0);
  std::vector<std::size_t> above_count(dim, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t d = 0; d < dim; ++d) {
      const float v = data[i * dim + d];
      if (v > mean[d]) {
        above_sum[d] += v;
        ++above_count[d];
      } else {
        below_sum[d] += v;
      }
    }
  }
  std::vector<float> below(dim);
  std::vector<float> above(dim);
  for (std::size_t d = 0; d < dim; ++d) {
    const std::size_t below_count = n - above_count[d];
    // A side no training value fell on decodes to the mean itself.
    below[d] =
        below_count > 0 ? static_cast<float>(below_sum[d] / static_cast<double>(below_count)) : mean[d];
    above[d] =
        above_count[d] > 0 ? static_cast<float>(above_sum[d] / static_cast<double>(above_count[d])) : mean[d];
  }
  return BinaryQuantizer(std::move(mean), std::move(below), std::move(above));
}

void BinaryQuantizer::encode(const float* x, std::uint64_t* code) const noexcept {
  const std::size_t dim = dimensions();
  for (std::size_t w = 0; w < words(); ++w) {
    std::uint64_t word = 0;
    const std::size_t end = std::min(dim, (w + 1) * 64);
    for (std::size_t d = w * 64; d < end; ++d) word |= std::uint64_t{x[d] > mean_[d]} << (d % 64);
    code[w] = word;
  }
}

void BinaryQuantizer::encode_batch(const float* x, std::size_t n, std::uint64_t* codes) const noexcept {
  for (std::size_t i = 0; i < n; ++i) encode(x + i * dimensions(), codes + i * words());
}

void BinaryQuantizer::decode(const std::uint64_t* code, float* x) const noexcept {
  for (std::size_t d = 0; d < dimensions(); ++d) {
    x[d] = ((code[d / 64] >> (d % 64)) & 1u) != 0 ? above_[d] : below_[d];
  }
}

BinaryQuantizer::Query BinaryQuantizer::prepare(const float* q, const KernelTable& table) const {
  Query query;
  query.hamming_ = table.hamming;
  query.bits_.resize(words());
  encode(q, query.bits_.data());
  return query;
}

BinaryQuantizer::AsymmetricQuery BinaryQuantizer::prepare_asymmetric(const float* q,
                                                                     DistanceMetric metric) const {
  // The per-dimension term of each metric; all are sums over dimensions.
  auto term = [metric](float qd, float xd) -> double {
    switch (metric) {
      case DistanceMetric::kEuclidean:
        return (double{qd} - xd) * (double{qd} - xd);
      case DistanceMetric::kManhattan:
        return std::abs(double{qd} - xd);
      case DistanceMetric::kCosine:
      case DistanceMetric::kDotProduct:
        return -double{qd} * xd;
    }
    return 0.0;
  };
  const std::size_t dim = dimensions();
  AsymmetricQuery query;
  query.bytes_ = code_size();
  query.table_.assign(query.bytes_ * 256, 0.0f);
  double constant = metric == DistanceMetric::kCosine ? 1.0 : 0.0;
  std::vector<double> gain(query.bytes_ * 8, 0.0);  // padding bits gain nothing
  for (std::size_t d = 0; d < dim; ++d) {
    const double low = term(q[d], below_[d]);
    constant += low;
    gain[d] = term(q[d], above_[d]) - low;
  }
  std::vector<double> sums(256);
  for (std::size_t j = 0; j < query.bytes_; ++j) {
    sums[0] = 0.0;
    // Each byte value adds its lowest set bit's gain to the entry without that bit.
    for (unsigned v = 1; v < 256; ++v)
      sums[v] = sums[v & (v - 1)] + gain[8 * j + static_cast<unsigned>(std::countr_zero(v))];
    for (unsigned v = 0; v < 256; ++v)
      query.table_[j * 256 + v] = static_cast<float>(sums[v] + (j == 0 ? constant : 0.0));
  }
  return query;
}

void BinaryQuantizer::AsymmetricQuery::distances(const std::uint64_t* codes, std::size_t count,
                                                 float* out) const noexcept {
  lookup_distances(table_.data(), 256, reinterpret_cast<const std::uint8_t*>(codes), bytes_, count, out);
}

void BinaryQuantizer::serialize(std::string& out) const {
  ByteWriter writer(out);
  begin_envelope(writer, kTag, kFormatVersion);
  writer.put_u32(static_cast<std::uint32_t>(dimensions()));
  writer.put_floats(mean_.data(), mean_.size());
  writer.put_floats(below_.data(), below_.size());
  writer.put_floats(above_.data(), above_.size());
  writer.finish();
}

Result<BinaryQuantizer> BinaryQuantizer::deserialize(std::string_view bytes) {
  std::string_view payload;
  STRATA_RETURN_IF_ERROR(open_envelope(bytes, kTag, kFormatVersion, "BinaryQuantizer", &payload));
  ByteReader reader(payload);
  std::uint32_t dim = 0;
  if (!reader.get_u32(dim) || dim == 0 || dim > kMaxDimensions) {
    return Status::corruption("BinaryQuantizer: bad dimension count");
  }
  if (reader.remaining() != std::size_t{12} * dim) {
    return Status::corruption(
        fmt::format("BinaryQuantizer: {} parameter bytes for {} dimensions", reader.remaining(), dim));
  }
  std::vector<float> mean(dim);
  std::vector<float> below(dim);
  std::vector<float> above(dim);
  if (!reader.get_floats(mean.data(), dim) || !reader.get_floats(below.data(), dim) ||
      !reader.get_floats(above.data(), dim)) {
    return Status::corruption("BinaryQuantizer: non-finite parameter");
  }
  return BinaryQuantizer(std::move(mean), std::move(below), std::move(above));
}

}  // namespace strata::detail
