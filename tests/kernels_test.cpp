// Tests every kernel table this CPU supports against exact sums and against the scalar reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "strata/detail/distance.hpp"

#if defined(__unix__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace strata::detail {
namespace {

constexpr std::uint32_t kSeed = 20240611;

// Every length up to 300 covers each tail of every SIMD width; the rest are common embedding sizes.
std::vector<std::size_t> test_lengths() {
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 300; ++n) lengths.push_back(n);
  for (std::size_t n : {384, 511, 512, 513, 768, 1023, 1536, 4096}) lengths.push_back(n);
  return lengths;
}

std::vector<float> random_floats(std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<std::int8_t> random_int8(std::size_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> dist(-128, 127);
  std::vector<std::int8_t> v(n);
  for (std::int8_t& x : v) x = static_cast<std::int8_t>(dist(rng));
  return v;
}

std::vector<std::uint8_t> random_bytes(std::size_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> dist(0, 255);
  std::vector<std::uint8_t> v(n);
  for (std::uint8_t& x : v) x = static_cast<std::uint8_t>(dist(rng));
  return v;
}

// A float sum of n terms in any order is within a few ulp of sqrt(n) times the sum of |terms| in practice
// (the worst case is n ulp); comparing against the sum of magnitudes keeps cancellation in dot products
// from making the bound meaninglessly tight.
double float_tolerance(std::size_t n, double sum_of_magnitudes) {
  return 1e-6 * std::sqrt(static_cast<double>(n) + 1.0) * sum_of_magnitudes + 1e-30;
}

struct ExactFloat {
  double l2 = 0;
  double dot = 0;
  double dot_magnitude = 0;
  double l1 = 0;
};

ExactFloat exact_floats(const float* a, const float* b, std::size_t n) {
  ExactFloat e;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = double{a[i]} - double{b[i]};
    e.l2 += d * d;
    e.dot += double{a[i]} * double{b[i]};
    e.dot_magnitude += std::abs(double{a[i]} * double{b[i]});
    e.l1 += std::abs(d);
  }
  return e;
}

std::int64_t exact_int8_dot(const std::int8_t* a, const std::int8_t* b, std::size_t n) {
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += std::int64_t{a[i]} * b[i];
  return sum;
}

std::int64_t exact_int8_l2(const std::int8_t* a, const std::int8_t* b, std::size_t n) {
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += (std::int64_t{a[i]} - b[i]) * (std::int64_t{a[i]} - b[i]);
  return sum;
}

std::uint32_t exact_hamming(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
  std::uint32_t count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    count += static_cast<std::uint32_t>(std::popcount(static_cast<std::uint8_t>(a[i] ^ b[i])));
  }
  return count;
}

class KernelTableTest : public ::testing::TestWithParam<const KernelTable*> {
 protected:
  const KernelTable& table() const { return *GetParam(); }
  const KernelTable& reference() const { return scalar_kernels(); }

  // Checks the three float kernels on a and b (which may be misaligned) against exact and scalar sums.
  void check_floats(const float* a, const float* b, std::size_t n) const {
    const ExactFloat e = exact_floats(a, b, n);
    const double l2 = table().l2_squared(a, b, n);
    const double dot = table().dot(a, b, n);
    const double l1 = table().l1(a, b, n);
    EXPECT_NEAR(l2, e.l2, float_tolerance(n, e.l2)) << "l2_squared n=" << n;
    EXPECT_NEAR(dot, e.dot, float_tolerance(n, e.dot_magnitude)) << "dot n=" << n;
    EXPECT_NEAR(l1, e.l1, float_tolerance(n, e.l1)) << "l1 n=" << n;
    EXPECT_NEAR(l2, reference().l2_squared(a, b, n), float_tolerance(n, e.l2)) << "l2_squared n=" << n;
    EXPECT_NEAR(dot, reference().dot(a, b, n), float_tolerance(n, e.dot_magnitude)) << "dot n=" << n;
    EXPECT_NEAR(l1, reference().l1(a, b, n), float_tolerance(n, e.l1)) << "l1 n=" << n;
  }

  void check_int8(const std::int8_t* a, const std::int8_t* b, std::size_t n) const {
    const auto dot = table().int8_dot(a, b, n);
    const auto l2 = table().int8_l2_squared(a, b, n);
    EXPECT_EQ(dot, exact_int8_dot(a, b, n)) << "int8_dot n=" << n;
    EXPECT_EQ(l2, exact_int8_l2(a, b, n)) << "int8_l2_squared n=" << n;
    EXPECT_EQ(dot, reference().int8_dot(a, b, n)) << "int8_dot n=" << n;
    EXPECT_EQ(l2, reference().int8_l2_squared(a, b, n)) << "int8_l2_squared n=" << n;
  }

  void check_hamming(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) const {
    const auto count = table().hamming(a, b, n);
    EXPECT_EQ(count, exact_hamming(a, b, n)) << "hamming n=" << n;
    EXPECT_EQ(count, reference().hamming(a, b, n)) << "hamming n=" << n;
  }
};

TEST_P(KernelTableTest, HasEveryKernel) {
  EXPECT_NE(table().isa, nullptr);
  EXPECT_NE(table().l2_squared, nullptr);
  EXPECT_NE(table().dot, nullptr);
  EXPECT_NE(table().l1, nullptr);
  EXPECT_NE(table().int8_dot, nullptr);
  EXPECT_NE(table().int8_l2_squared, nullptr);
  EXPECT_NE(table().hamming, nullptr);
}

TEST_P(KernelTableTest, FloatKernelsMatchReference) {
  std::mt19937 rng(kSeed);
  for (std::size_t n : test_lengths()) {
    const auto a = random_floats(n, rng);
    const auto b = random_floats(n, rng);
    check_floats(a.data(), b.data(), n);
  }
}

TEST_P(KernelTableTest, FloatKernelsHandleLargeMagnitudes) {
  std::mt19937 rng(kSeed + 1);
  for (std::size_t n : {7, 64, 100, 768}) {
    auto a = random_floats(n, rng);
    auto b = random_floats(n, rng);
    for (std::size_t i = 0; i < n; ++i) {
      a[i] *= 1e15f;
      b[i] *= 1e-15f;
    }
    check_floats(a.data(), b.data(), n);
  }
}

TEST_P(KernelTableTest, FloatKernelsOfIdenticalVectors) {
  std::mt19937 rng(kSeed + 2);
  for (std::size_t n : {1, 17, 128, 769}) {
    const auto a = random_floats(n, rng);
    EXPECT_EQ(table().l2_squared(a.data(), a.data(), n), 0.0f);
    EXPECT_EQ(table().l1(a.data(), a.data(), n), 0.0f);
  }
}

TEST_P(KernelTableTest, FloatKernelsAcceptMisalignedPointers) {
  std::mt19937 rng(kSeed + 3);
  for (std::size_t n : test_lengths()) {
    const auto a = random_floats(n + 1, rng);
    const auto b = random_floats(n + 1, rng);
    check_floats(a.data() + 1, b.data() + 1, n);
    check_floats(a.data() + 1, b.data(), n);
  }
}

TEST_P(KernelTableTest, Int8KernelsAreExact) {
  std::mt19937 rng(kSeed + 4);
  for (std::size_t n : test_lengths()) {
    const auto a = random_int8(n + 1, rng);
    const auto b = random_int8(n + 1, rng);
    check_int8(a.data(), b.data(), n);
    check_int8(a.data() + 1, b.data(), n);  // misaligned by one byte
  }
}

TEST_P(KernelTableTest, Int8KernelsAreExactAtExtremes) {
  for (std::size_t n : {1, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 300, 4096}) {
    const std::vector<std::int8_t> low(n, -128);
    const std::vector<std::int8_t> high(n, 127);
    check_int8(low.data(), low.data(), n);   // largest dot product: 2^14 per element
    check_int8(low.data(), high.data(), n);  // largest difference: 255^2 per element
    check_int8(high.data(), high.data(), n);
    std::vector<std::int8_t> mixed(n);
    for (std::size_t i = 0; i < n; ++i) {
      mixed[i] = static_cast<std::int8_t>(i % 3 == 0 ? -128 : (i % 3 == 1 ? 127 : 0));
    }
    check_int8(mixed.data(), low.data(), n);
    check_int8(mixed.data(), high.data(), n);
  }
}

// The largest n for which every sum stays exact in int32: 2^16 - 1 for the dot product (2^14 per element),
// but only 33025 for the squared difference (255^2 per element).
TEST_P(KernelTableTest, Int8KernelsAreExactUpToTheirLimits) {
  const std::vector<std::int8_t> low(65535, -128);
  const std::vector<std::int8_t> high(65535, 127);
  EXPECT_EQ(table().int8_dot(low.data(), low.data(), 65535), std::int64_t{16384} * 65535);
  EXPECT_EQ(table().int8_l2_squared(low.data(), high.data(), 33025), std::int64_t{65025} * 33025);
  // Past the limit, every table wraps the same way.
  EXPECT_EQ(table().int8_l2_squared(low.data(), high.data(), 65535),
            reference().int8_l2_squared(low.data(), high.data(), 65535));
}

TEST_P(KernelTableTest, HammingIsExact) {
  std::mt19937 rng(kSeed + 5);
  for (std::size_t n : test_lengths()) {
    const auto a = random_bytes(n + 1, rng);
    const auto b = random_bytes(n + 1, rng);
    check_hamming(a.data(), b.data(), n);
    check_hamming(a.data() + 1, b.data(), n);  // misaligned by one byte
  }
  for (std::size_t n : {1, 7, 8, 9, 31, 32, 33, 64, 192, 4096}) {
    const std::vector<std::uint8_t> zeros(n, 0);
    const std::vector<std::uint8_t> ones(n, 0xFF);
    EXPECT_EQ(table().hamming(zeros.data(), ones.data(), n), 8 * n);
    EXPECT_EQ(table().hamming(ones.data(), ones.data(), n), 0u);
  }
}

#if defined(__unix__)
// Places n elements so that they end exactly where a PROT_NONE page begins: a kernel that reads past the end
// (rather than masking or finishing in scalar code) crashes here instead of silently reading garbage.
class GuardedBuffer {
 public:
  explicit GuardedBuffer(std::size_t bytes) {
    page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    data_pages_ = (bytes + page_ - 1) / page_ + 1;
    size_ = (data_pages_ + 1) * page_;
    void* base = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return;
    base_ = static_cast<unsigned char*>(base);
    mprotect(base_ + data_pages_ * page_, page_, PROT_NONE);
  }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  ~GuardedBuffer() {
    if (base_ != nullptr) munmap(base_, size_);
  }
  bool ok() const { return base_ != nullptr; }
  // The last `bytes` bytes before the guard page.
  void* end_aligned(std::size_t bytes) const { return base_ + data_pages_ * page_ - bytes; }

 private:
  unsigned char* base_ = nullptr;
  std::size_t page_ = 0;
  std::size_t data_pages_ = 0;
  std::size_t size_ = 0;
};

TEST_P(KernelTableTest, KernelsDoNotReadPastTheEnd) {
  std::mt19937 rng(kSeed + 6);
  for (std::size_t n = 0; n <= 70; ++n) {
    GuardedBuffer fa(n * sizeof(float));
    GuardedBuffer fb(n * sizeof(float));
    ASSERT_TRUE(fa.ok() && fb.ok());
    auto* a = static_cast<float*>(fa.end_aligned(n * sizeof(float)));
    auto* b = static_cast<float*>(fb.end_aligned(n * sizeof(float)));
    const auto va = random_floats(n, rng);
    const auto vb = random_floats(n, rng);
    std::copy(va.begin(), va.end(), a);
    std::copy(vb.begin(), vb.end(), b);
    check_floats(a, b, n);

    auto* ia = static_cast<std::int8_t*>(fa.end_aligned(n));
    auto* ib = static_cast<std::int8_t*>(fb.end_aligned(n));
    const auto wa = random_int8(n, rng);
    const auto wb = random_int8(n, rng);
    std::copy(wa.begin(), wa.end(), ia);
    std::copy(wb.begin(), wb.end(), ib);
    check_int8(ia, ib, n);

    auto* ha = static_cast<std::uint8_t*>(fa.end_aligned(n));
    auto* hb = static_cast<std::uint8_t*>(fb.end_aligned(n));
    check_hamming(ha, hb, n);
  }
}
#endif

std::string table_name(const ::testing::TestParamInfo<const KernelTable*>& info) {
  std::string name = info.param->isa;
  const auto not_alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0; };
  std::replace_if(name.begin(), name.end(), not_alnum, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Supported, KernelTableTest, ::testing::ValuesIn(supported_kernels()), table_name);

TEST(KernelDispatch, BestTableIsFirstSupportedAndScalarIsLast) {
  const auto tables = supported_kernels();
  ASSERT_FALSE(tables.empty());
  EXPECT_EQ(&kernels(), tables.front());
  EXPECT_EQ(tables.back(), &scalar_kernels());
  EXPECT_EQ(&kernels(), &kernels());
  for (const KernelTable* t : tables) EXPECT_NE(t, nullptr);
}

TEST(Normalize, ScalesToUnitLengthAndReturnsTheOriginalLength) {
  std::mt19937 rng(kSeed + 7);
  for (std::size_t n : {1, 3, 16, 100, 768, 1536}) {
    auto v = random_floats(n, rng);
    const auto original = v;
    double expected_length = 0;
    for (float x : v) expected_length += double{x} * x;
    expected_length = std::sqrt(expected_length);
    const float length = normalize(v.data(), n);
    EXPECT_NEAR(length, expected_length, 1e-6 * expected_length);
    double norm = 0;
    for (float x : v) norm += double{x} * x;
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-6) << "n=" << n;
    for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(v[i], original[i] / expected_length, 1e-6);
  }
}

TEST(Normalize, HandlesLargeAndTinyComponents) {
  std::vector<float> big = {3e30f, 4e30f};
  EXPECT_NEAR(normalize(big.data(), big.size()), 5e30f, 5e24f);
  EXPECT_NEAR(big[0], 0.6f, 1e-6f);
  EXPECT_NEAR(big[1], 0.8f, 1e-6f);
  std::vector<float> tiny = {3e-30f, 4e-30f};
  EXPECT_NEAR(normalize(tiny.data(), tiny.size()), 5e-30f, 5e-36f);
  EXPECT_NEAR(tiny[0], 0.6f, 1e-6f);
  EXPECT_NEAR(tiny[1], 0.8f, 1e-6f);
}

TEST(Normalize, LeavesZeroVectorUnchanged) {
  std::vector<float> zeros(10, 0.0f);
  EXPECT_EQ(normalize(zeros.data(), zeros.size()), 0.0f);
  for (float x : zeros) EXPECT_EQ(x, 0.0f);
  EXPECT_EQ(normalize(nullptr, 0), 0.0f);
}

}  // namespace
}  // namespace strata::detail
