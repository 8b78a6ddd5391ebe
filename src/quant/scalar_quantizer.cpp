// ScalarQuantizer: range training, encoding, query preparation and the persisted form.
#include "strata/detail/quant/scalar_quantizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "strata/detail/quant/byte_codec.hpp"

namespace strata::detail {
namespace {

constexpr float kLevels = 255.0f;  // steps between the lowest and highest of 256 levels

// Splits w into alpha * hi + beta * lo with hi, lo in [-127, 127]: lo quantizes the rounding residual
// of hi, so the pair carries about 15 bits per weight.
void split_weights(const std::vector<double>& w, std::vector<std::int8_t>& hi, std::vector<std::int8_t>& lo,
                   float& alpha, float& beta) {
  const std::size_t n = w.size();
  hi.assign(n, 0);
  lo.assign(n, 0);
  double max_w = 0.0;
  for (double x : w) max_w = std::max(max_w, std::abs(x));
  alpha = static_cast<float>(max_w / 127.0);
  beta = 0.0f;
  if (alpha == 0.0f) return;
  // The residual is taken against the float alpha actually used in distance(), so it absorbs that
  // rounding too.
  std::vector<double> residual(n);
  double max_r = 0.0;
  for (std::size_t d = 0; d < n; ++d) {
    const double h = std::clamp(std::nearbyint(w[d] / alpha), -127.0, 127.0);
    hi[d] = static_cast<std::int8_t>(h);
    residual[d] = w[d] - static_cast<double>(alpha) * h;
    max_r = std::max(max_r, std::abs(residual[d]));
  }
  beta = static_cast<float>(max_r / 127.0);
  if (beta == 0.0f) return;
  for (std::size_t d = 0; d < n; ++d) {
    lo[d] = static_cast<std::int8_t>(std::clamp(std::nearbyint(residual[d] / beta), -127.0, 127.0));
  }
}

}  // namespace

ScalarQuantizer::ScalarQuantizer(std::vector<float> lower, std::vector<float> step)
    : lower_(std::move(lower)), step_(std::move(step)) {
  const std::size_t dim = lower_.size();
  inv_step_.resize(dim);
  mid_.resize(dim);
  for (std::size_t d = 0; d < dim; ++d) {
    inv_step_[d] = step_[d] > 0.0f ? 1.0f / step_[d] : 0.0f;
    mid_[d] = lower_[d] + 128.0f * step_[d];
  }
}

Result<ScalarQuantizer> ScalarQuantizer::train(const float* data, std::size_t n, std::size_t dim,
                                               const ScalarQuantizerOptions& options) {
  if (n == 0 || dim == 0 || dim > kMaxDimensions) {
    return Status::invalid_argument(fmt::format(
        "ScalarQuantizer::train: n = {}, dim = {}; need n >= 1 and 1 <= dim <= {}", n, dim, kMaxDimensions));
  }
  if (!(options.clip_fraction >= 0.0 && options.clip_fraction < 0.5)) {
    return Status::invalid_argument(
        fmt::format("ScalarQuantizer::train: clip_fraction {} outside [0, 0.5)", options.clip_fraction));
  }
  for (std::size_t i = 0; i < n * dim; ++i) {
    if (!std::isfinite(data[i])) {
      return Status::invalid_argument(
          fmt::format("ScalarQuantizer::train: vector {} has a non-finite value", i / dim));
    }
  }
  std::vector<float> lower(dim);
  std::vector<float> step(dim);
  const auto low_rank =
      static_cast<std::size_t>(std::floor(options.clip_fraction * static_cast<double>(n - 1)));
  const std::size_t high_rank = n - 1 - low_rank;
  std::vector<float> column(n);
  for (std::size_t d = 0; d < dim; ++d) {
    for (std::size_t i = 0; i < n; ++i) column[i] = data[i * dim + d];
    float lo = 0.0f;
    float hi = 0.0f;
    if (low_rank == 0) {
      const auto [min_it, max_it] = std::minmax_element(column.begin(), column.end());
      lo = *min_it;
      hi = *max_it;
    } else {
      std::nth_element(column.begin(), column.begin() + static_cast<std::ptrdiff_t>(low_rank), column.end());
      lo = column[low_rank];
      std::nth_element(column.begin(), column.begin() + static_cast<std::ptrdiff_t>(high_rank), column.end());
      hi = column[high_rank];
    }
    lower[d] = lo;
    // Computed in double: for huge ranges (hi - lo) overflows float before the division.
    step[d] = static_cast<float>((static_cast<double>(hi) - static_cast<double>(lo)) / kLevels);
    if (!std::isfinite(step[d]) || !std::isfinite(lo + 255.0f * step[d])) {
      return Status::invalid_argument(fmt::format("ScalarQuantizer::train: dimension {} range too large", d));
    }
  }
  return ScalarQuantizer(std::move(lower), std::move(step));
}

void ScalarQuantizer::encode(const float* x, std::uint8_t* code) const noexcept {
  const std::size_t dim = dimensions();
  double norm = 0.0;
  for (std::size_t d = 0; d < dim; ++d) {
    float t = (x[d] - lower_[d]) * inv_step_[d];
    // Written so that NaN lands on level 0 rather than in an undefined conversion.
    t = t >= 0.0f ? t : 0.0f;
    t = t <= kLevels ? t : kLevels;
    const int c = static_cast<int>(std::nearbyint(t)) - 128;
    code[d] = static_cast<std::uint8_t>(static_cast<std::int8_t>(c));
    const double v = static_cast<double>(step_[d]) * c;
    norm += v * v;
  }
  const auto norm_f = static_cast<float>(norm);
  std::memcpy(code + dim, &norm_f, sizeof(norm_f));
}

void ScalarQuantizer::encode_batch(const float* x, std::size_t n, std::uint8_t* codes) const noexcept {
  for (std::size_t i = 0; i < n; ++i) encode(x + i * dimensions(), codes + i * code_size());
}

void ScalarQuantizer::decode(const std::uint8_t* code, float* x) const noexcept {
  const std::size_t dim = dimensions();
  for (std::size_t d = 0; d < dim; ++d) {
    x[d] = mid_[d] + step_[d] * static_cast<float>(static_cast<std::int8_t>(code[d]));
  }
}

Result<ScalarQuantizer::Query> ScalarQuantizer::prepare(const float* q, DistanceMetric metric,
                                                        QueryPrecision precision,
                                                        const KernelTable& table) const {
  const std::size_t dim = dimensions();
  Query query;
  query.dot_ = table.int8_dot;
  query.dim_ = dim;
  std::vector<double> w(dim);
  double offset = 0.0;
  switch (metric) {
    case DistanceMetric::kEuclidean:
      // |q - mid - step o c|^2 = |q - mid|^2 - 2 ((q - mid) o step) . c + |step o c|^2
      for (std::size_t d = 0; d < dim; ++d) {
        const double centred = static_cast<double>(q[d]) - mid_[d];
        w[d] = centred * step_[d];
        offset += centred * centred;
      }
      query.weight_ = -2.0f;
      query.norm_weight_ = 1.0f;
      break;
    case DistanceMetric::kDotProduct:
    case DistanceMetric::kCosine:
      // q . (mid + step o c) = q . mid + (q o step) . c
      for (std::size_t d = 0; d < dim; ++d) {
        w[d] = static_cast<double>(q[d]) * step_[d];
        offset -= static_cast<double>(q[d]) * mid_[d];
      }
      if (metric == DistanceMetric::kCosine) offset += 1.0;
      query.weight_ = -1.0f;
      query.norm_weight_ = 0.0f;
      break;
    case DistanceMetric::kManhattan:
      return Status::not_supported("ScalarQuantizer: the Manhattan metric has no int8 dot-product form");
  }
  query.offset_ = static_cast<float>(offset);
  split_weights(w, query.hi_, query.lo_, query.alpha_, query.beta_);
  query.refined_ = precision == QueryPrecision::kHigh && query.beta_ != 0.0f;
  return query;
}

void ScalarQuantizer::serialize(std::string& out) const {
  ByteWriter writer(out);
  begin_envelope(writer, kTag, kFormatVersion);
  writer.put_u32(static_cast<std::uint32_t>(dimensions()));
  writer.put_floats(lower_.data(), lower_.size());
  writer.put_floats(step_.data(), step_.size());
  writer.finish();
}

Result<ScalarQuantizer> ScalarQuantizer::deserialize(std::string_view bytes) {
  std::string_view payload;
  STRATA_RETURN_IF_ERROR(open_envelope(bytes, kTag, kFormatVersion, "ScalarQuantizer", &payload));
  ByteReader reader(payload);
  std::uint32_t dim = 0;
  if (!reader.get_u32(dim) || dim == 0 || dim > kMaxDimensions) {
    return Status::corruption("ScalarQuantizer: bad dimension count");
  }
  if (reader.remaining() != std::size_t{8} * dim) {
    return Status::corruption(
        fmt::format("ScalarQuantizer: {} parameter bytes for {} dimensions", reader.remaining(), dim));
  }
  std::vector<float> lower(dim);
  std::vector<float> step(dim);
  if (!reader.get_floats(lower.data(), dim) || !reader.get_floats(step.data(), dim)) {
    return Status::corruption("ScalarQuantizer: non-finite range");
  }
  for (std::uint32_t d = 0; d < dim; ++d) {
    if (!(step[d] >= 0.0f) || !std::isfinite(lower[d] + 255.0f * step[d])) {
      return Status::corruption(fmt::format("ScalarQuantizer: bad range in dimension {}", d));
    }
  }
  return ScalarQuantizer(std::move(lower), std::move(step));
}

}  // namespace strata::detail
