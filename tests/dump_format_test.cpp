// Dump format: round trips through streams, detection of truncation, bit flips and foreign input.
#include "io/dump_format.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <bit>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "io/metadata_codec.hpp"

namespace strata::io {
namespace {

// Draws only from the engine (whose output the standard fixes) and sequences every draw, so the
// entries, and the checked-in fuzz seed built from them, are the same on every platform.
std::vector<VectorEntry> random_entries(std::size_t n, std::size_t dims, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<VectorEntry> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    VectorEntry& e = out[i];
    if (i % 10 == 0) {
      const std::size_t length = rng() % 40;
      e.id.assign(length, static_cast<char>(rng()));  // arbitrary bytes, including NUL
    } else {
      e.id = std::string("id-").append(std::to_string(rng()));
    }
    e.vector.resize(dims);
    for (float& x : e.vector)
      x = static_cast<float>(static_cast<std::int64_t>(rng() % 2000001) - 1000000) / 1000.0f;
    const std::size_t fields = rng() % 6;
    for (std::size_t f = 0; f < fields; ++f) {
      const std::string key = std::string("k").append(std::to_string(rng() % 10));
      const auto kind = rng() % 5;
      const std::uint64_t a = rng();
      const std::uint64_t b = rng();
      switch (kind) {
        case 0:
          e.metadata[key] = std::string(a % 20, static_cast<char>('a' + b % 26));
          break;
        case 1:
          e.metadata[key] = static_cast<std::int64_t>(a);
          break;
        case 2:
          e.metadata[key] = std::bit_cast<double>(a);
          break;  // any bit pattern, NaNs included
        case 3:
          e.metadata[key] = (a & 1) != 0;
          break;
        case 4:
          e.metadata[key] = std::vector<std::string>(a % 3, std::string("tag").append(std::to_string(b % 5)));
          break;
      }
    }
  }
  return out;
}

std::string write_dump(const std::vector<VectorEntry>& entries, DumpHeader h) {
  std::ostringstream out;
  auto w = DumpWriter::start(out, h);
  EXPECT_TRUE(w.is_ok()) << w.status().to_string();
  for (const auto& e : entries) EXPECT_TRUE(w->write(e).is_ok());
  EXPECT_TRUE(w->finish().is_ok());
  return out.str();
}

// Reads a whole dump; the first error, or OK with the entries.
Status read_dump(const std::string& bytes, std::vector<VectorEntry>* entries = nullptr,
                 DumpHeader* header = nullptr) {
  std::istringstream in(bytes);
  auto r = DumpReader::open(in, "test.dump");
  if (!r.is_ok()) return r.status();
  if (header != nullptr) *header = r->header();
  VectorEntry e;
  for (;;) {
    Result<bool> more = r->next(e);
    if (!more.is_ok()) return more.status();
    if (!*more) break;
    if (entries != nullptr) entries->push_back(e);
  }
  Result<bool> again = r->next(e);  // stays at the end
  EXPECT_TRUE(again.is_ok() && !*again);
  return Status::ok();
}

// Bitwise, so NaN metadata values and vector components compare equal to themselves.
bool same_entries(const std::vector<VectorEntry>& a, const std::vector<VectorEntry>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::string ea, eb;
    encode_entry(a[i].id, a[i].vector, a[i].metadata, ea);
    encode_entry(b[i].id, b[i].vector, b[i].metadata, eb);
    if (ea != eb) return false;
  }
  return true;
}

DumpHeader header(std::size_t dims, std::optional<std::uint64_t> count = std::nullopt,
                  DistanceMetric metric = DistanceMetric::kCosine) {
  DumpHeader h;
  h.dimensions = dims;
  h.metric = metric;
  h.entry_count = count;
  return h;
}

std::vector<VectorEntry> small_entries() {
  std::vector<VectorEntry> entries = {
      {"a", {1.0f, 0.0f, -1.0f}, {{"genre", std::string("jazz")}, {"year", std::int64_t{1959}}}},
      {"", {0.5f, 0.25f, 0.125f}, {}},
      {"\xC3\xA9l\xC3\xA9ment", {-0.0f, 1e-40f, 3.0f}, {{"tags", std::vector<std::string>{"x", ""}}}},
  };
  return entries;
}

TEST(DumpFormatTest, RoundTripsThousandsOfRandomEntries) {
  for (bool declared : {false, true}) {
    const auto entries = random_entries(5000, 24, 7);
    const std::string bytes = write_dump(
        entries,
        header(24, declared ? std::optional<std::uint64_t>(5000) : std::nullopt, DistanceMetric::kManhattan));
    std::vector<VectorEntry> back;
    DumpHeader h;
    Status s = read_dump(bytes, &back, &h);
    ASSERT_TRUE(s.is_ok()) << s.to_string();
    EXPECT_EQ(h.version, kDumpFormatVersion);
    EXPECT_EQ(h.dimensions, 24u);
    EXPECT_EQ(h.metric, DistanceMetric::kManhattan);
    EXPECT_EQ(h.entry_count, declared ? std::optional<std::uint64_t>(5000) : std::nullopt);
    EXPECT_TRUE(same_entries(entries, back));
  }
}

TEST(DumpFormatTest, RoundTripsEveryMetricAndAnEmptyDump) {
  for (DistanceMetric m : {DistanceMetric::kEuclidean, DistanceMetric::kCosine, DistanceMetric::kDotProduct,
                           DistanceMetric::kManhattan}) {
    std::vector<VectorEntry> back;
    DumpHeader h;
    ASSERT_TRUE(read_dump(write_dump({}, header(1, 0, m)), &back, &h).is_ok());
    EXPECT_TRUE(back.empty());
    EXPECT_EQ(h.metric, m);
  }
}

// Pins the header layout: a change here is a format change (docs/dump-format.md).
TEST(DumpFormatTest, HeaderLayoutIsStable) {
  const std::string bytes = write_dump({}, header(3, 0, DistanceMetric::kDotProduct));
  ASSERT_EQ(bytes.size(), 36u + 21u);
  EXPECT_EQ(bytes.substr(0, 32), std::string("\x89STRATA\n"
                                             "\x01\x00\x00\x00"
                                             "\x24\x00\x00\x00"
                                             "\x03\x00\x00\x00"
                                             "\x02\x00\x00\x00"
                                             "\x00\x00\x00\x00\x00\x00\x00\x00",
                                             32));
  EXPECT_EQ(bytes[36], 'E');
}

TEST(DumpFormatTest, EveryTruncationIsCorruption) {
  const std::string bytes = write_dump(small_entries(), header(3));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    Status s = read_dump(bytes.substr(0, n));
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << "prefix of " << n << " bytes: " << s.to_string();
    EXPECT_NE(s.message().find("test.dump"), std::string::npos) << s.message();
  }
  EXPECT_TRUE(read_dump(bytes).is_ok());
}

TEST(DumpFormatTest, EverySingleBitFlipIsDetected) {
  const std::string bytes = write_dump(small_entries(), header(3, 3));
  for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::string flipped = bytes;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    Status s = read_dump(flipped);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << "bit " << bit << ": " << s.to_string();
  }
}

TEST(DumpFormatTest, RandomDamageIsDetected) {
  const std::string bytes = write_dump(random_entries(200, 8, 3), header(8));
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string damaged = bytes;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      damaged[rng() % damaged.size()] = static_cast<char>(rng());
    }
    if (damaged == bytes) continue;
    EXPECT_FALSE(read_dump(damaged).is_ok()) << "trial " << trial;
  }
}

TEST(DumpFormatTest, DroppedOrReorderedRecordsAreDetected) {
  const auto entries = small_entries();
  const std::string full = write_dump(entries, header(3));
  std::string swapped = write_dump({entries[1], entries[0], entries[2]}, header(3));
  // Splice the trailer of the original onto the reordered records: record checksums still pass.
  swapped.replace(swapped.size() - 21, 21, full.substr(full.size() - 21));
  Status s = read_dump(swapped);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("whole-file checksum"), std::string::npos) << s.message();
}

TEST(DumpFormatTest, ForeignInputIsNotADump) {
  for (const std::string& input : {std::string(), std::string("hello, world"), std::string("\x89STRATA", 7),
                                   std::string("\x89PNG\r\n\x1a\n0000000000000000000000000000")}) {
    Status s = read_dump(input);
    EXPECT_EQ(s.code(), StatusCode::kCorruption);
    EXPECT_NE(s.message().find("not a strata dump"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("test.dump"), std::string::npos) << s.message();
  }
}

TEST(DumpFormatTest, NewerVersionIsNotSupported) {
  std::string bytes = write_dump(small_entries(), header(3));
  bytes[8] = 2;  // version, then a valid header checksum as a newer writer would produce
  const auto crc = static_cast<std::uint32_t>(::crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), 32));
  std::string crc_bytes;
  put_fixed32(crc, crc_bytes);
  bytes.replace(32, 4, crc_bytes);
  Status s = read_dump(bytes);
  EXPECT_EQ(s.code(), StatusCode::kNotSupported) << s.to_string();
  EXPECT_NE(s.message().find("version 2"), std::string::npos) << s.message();

  std::ostringstream out;
  DumpHeader h = header(3);
  h.version = 2;
  EXPECT_EQ(DumpWriter::start(out, h).status().code(), StatusCode::kInvalidArgument);
}

TEST(DumpFormatTest, BytesAfterTheTrailerAreCorruption) {
  Status s = read_dump(write_dump(small_entries(), header(3)) + "x");
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("after the trailer"), std::string::npos) << s.message();
}

TEST(DumpFormatTest, DeclaredCountIsEnforced) {
  std::ostringstream out;
  auto w = DumpWriter::start(out, header(3, 2));
  ASSERT_TRUE(w.is_ok());
  for (const auto& e : small_entries()) ASSERT_TRUE(w->write(e).is_ok());
  EXPECT_EQ(w->finish().code(), StatusCode::kInvalidArgument);
  Status s = read_dump(out.str());
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("more records than"), std::string::npos) << s.message();
}

TEST(DumpFormatTest, WriterRejectsBadInputAndReportsStreamErrors) {
  std::ostringstream out;
  EXPECT_EQ(DumpWriter::start(out, header(0)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DumpWriter::start(out, header(kMaxDumpDimensions + 1)).status().code(),
            StatusCode::kInvalidArgument);
  auto w = DumpWriter::start(out, header(3));
  ASSERT_TRUE(w.is_ok());
  EXPECT_EQ(w->write({"x", {1.0f}, {}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w->records_written(), 0u);

  out.setstate(std::ios::badbit);
  EXPECT_EQ(w->write(small_entries()[0]).code(), StatusCode::kIOError);
  EXPECT_EQ(w->finish().code(), StatusCode::kIOError);

  // A stream that throws on failure must still give a Status, not an exception.
  struct FullDisk : std::streambuf {
    int_type overflow(int_type) override { return traits_type::eof(); }
  } full;
  std::ostream throwing(&full);
  throwing.exceptions(std::ios::badbit | std::ios::failbit);
  EXPECT_EQ(DumpWriter::start(throwing, header(3)).status().code(), StatusCode::kIOError);
}

TEST(DumpFormatTest, ReaderNeverThrowsOnAStreamWithExceptions) {
  const std::string bytes = write_dump(small_entries(), header(3));
  std::istringstream in(bytes.substr(0, bytes.size() - 5));
  in.exceptions(std::ios::badbit | std::ios::failbit);
  auto r = DumpReader::open(in, "x");
  ASSERT_TRUE(r.is_ok());
  VectorEntry e;
  Status last;
  for (int i = 0; i < 10; ++i) {
    Result<bool> more = r->next(e);
    if (!more.is_ok() || !*more) {
      last = more.status();
      break;
    }
  }
  EXPECT_FALSE(last.is_ok());
}

TEST(DumpFormatTest, ErrorsAreSticky) {
  std::string bytes = write_dump(small_entries(), header(3));
  bytes[40] = static_cast<char>(bytes[40] ^ 1);  // inside the first record
  std::istringstream in(bytes);
  auto r = DumpReader::open(in, "x");
  ASSERT_TRUE(r.is_ok());
  VectorEntry e;
  EXPECT_EQ(r->next(e).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(r->next(e).status().code(), StatusCode::kCorruption);
}

// The checked-in fuzz seeds (fuzz/corpus/dump) are these dumps. Set STRATA_WRITE_FUZZ_SEEDS=1 to
// rewrite them after an intentional format change.
TEST(DumpFormatTest, FuzzSeedsMatchTheWriter) {
  const std::filesystem::path dir =
      std::filesystem::path(__FILE__).parent_path().parent_path() / "fuzz" / "corpus" / "dump";
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"empty_streamed.dump", write_dump({}, header(4, std::nullopt, DistanceMetric::kEuclidean))},
      {"small_counted.dump", write_dump(small_entries(), header(3, 3, DistanceMetric::kCosine))},
      {"random_streamed.dump",
       write_dump(random_entries(5, 2, 5), header(2, std::nullopt, DistanceMetric::kDotProduct))},
  };
  const bool write = std::getenv("STRATA_WRITE_FUZZ_SEEDS") != nullptr;
  if (write) std::filesystem::create_directories(dir);
  for (const auto& [name, bytes] : seeds) {
    if (write) {
      std::ofstream(dir / name, std::ios::binary) << bytes;
      continue;
    }
    std::ifstream in(dir / name, std::ios::binary);
    ASSERT_TRUE(in) << "missing seed " << (dir / name);
    std::stringstream stored;
    stored << in.rdbuf();
    EXPECT_EQ(stored.str(), bytes) << name;
    EXPECT_TRUE(read_dump(stored.str()).is_ok()) << name;
  }
}

}  // namespace
}  // namespace strata::io
