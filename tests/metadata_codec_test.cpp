// Metadata and entry codec: round trips, the pinned byte layout, and rejection of malformed input.
#include "io/metadata_codec.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace strata::io {
namespace {

std::string encode(const Metadata& m) {
  std::string out;
  encode_metadata(m, out);
  return out;
}

// Compares doubles by bits, so NaN payloads and -0.0 count as preserved only when they are.
bool same(const Metadata& a, const Metadata& b) {
  if (a.size() != b.size()) return false;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    if (ia->first != ib->first || ia->second.index() != ib->second.index()) return false;
    if (const double* d = std::get_if<double>(&ia->second)) {
      if (std::bit_cast<std::uint64_t>(*d) != std::bit_cast<std::uint64_t>(std::get<double>(ib->second))) {
        return false;
      }
    } else if (ia->second != ib->second) {
      return false;
    }
  }
  return true;
}

Metadata round_trip(const Metadata& m) {
  Metadata back;
  Status s = decode_metadata(encode(m), back);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return back;
}

// Every value type and its edge cases; also the seed for the metadata fuzzer.
Metadata all_types() {
  return Metadata{
      {"", std::string("empty key")},
      {"empty", std::string()},
      {"unicode \xE2\x9C\x93",
       std::string("na\xC3\xAFve caf\xC3\xA9 \xF0\x9F\x98\x80 \xE4\xB8\xAD\xE6\x96\x87")},
      {std::string("nul\0key", 7), std::string("nul\0value", 9)},
      {"int_zero", std::int64_t{0}},
      {"int_neg", std::int64_t{-1}},
      {"int_max", std::numeric_limits<std::int64_t>::max()},
      {"int_min", std::numeric_limits<std::int64_t>::min()},
      {"dbl", 3.25},
      {"dbl_neg_zero", -0.0},
      {"dbl_nan", std::numeric_limits<double>::quiet_NaN()},
      {"dbl_inf", std::numeric_limits<double>::infinity()},
      {"dbl_ninf", -std::numeric_limits<double>::infinity()},
      {"dbl_denorm", std::numeric_limits<double>::denorm_min()},
      {"yes", true},
      {"no", false},
      {"list_empty", std::vector<std::string>{}},
      {"list", std::vector<std::string>{"a", "", "\xC3\xA9t\xC3\xA9", std::string(300, 'x')}},
  };
}

TEST(MetadataCodecTest, RoundTripsEveryTypeAndEdgeCase) {
  const Metadata m = all_types();
  EXPECT_TRUE(same(round_trip(m), m));
  EXPECT_TRUE(std::isnan(std::get<double>(round_trip(m).at("dbl_nan"))));
}

TEST(MetadataCodecTest, EmptyMapIsOneByte) {
  EXPECT_EQ(encode({}), std::string(1, '\0'));
  EXPECT_TRUE(round_trip({}).empty());
}

TEST(MetadataCodecTest, RoundTripsBigMapsAndLongStrings) {
  Metadata m;
  for (int i = 0; i < 20000; ++i) {
    const std::string key = std::string("key").append(std::to_string(i));
    switch (i % 5) {
      case 0:
        m[key] = std::string(static_cast<std::size_t>(i % 97), 'v');
        break;
      case 1:
        m[key] = std::int64_t{i} * 1'000'003 - 7'000'000;
        break;
      case 2:
        m[key] = i / 7.0;
        break;
      case 3:
        m[key] = (i % 2) == 0;
        break;
      case 4:
        m[key] = std::vector<std::string>(static_cast<std::size_t>(i % 4), key);
        break;
    }
  }
  m["big"] = std::string(1 << 20, 'z');
  EXPECT_TRUE(same(round_trip(m), m));
}

TEST(MetadataCodecTest, RoundTripsIntegerBoundaries) {
  std::vector<std::int64_t> values = {0, 1, -1, 63, -64, 64, -65, 127, 128, 8191, 8192, -8193};
  for (int shift = 1; shift < 63; ++shift) {
    values.push_back(std::int64_t{1} << shift);
    values.push_back(-(std::int64_t{1} << shift));
    values.push_back((std::int64_t{1} << shift) - 1);
  }
  values.push_back(std::numeric_limits<std::int64_t>::max());
  values.push_back(std::numeric_limits<std::int64_t>::min());
  for (std::int64_t v : values) {
    Metadata m{{"v", v}};
    EXPECT_EQ(std::get<std::int64_t>(round_trip(m).at("v")), v);
  }
}

// Pins the byte layout: a change here is a format change (docs/dump-format.md).
TEST(MetadataCodecTest, ByteLayoutIsStable) {
  Metadata m{{"a", std::int64_t{-2}},
             {"b", true},
             {"c", std::string("hi")},
             {"d", 1.0},
             {"e", std::vector<std::string>{"x", ""}},
             {"f", false}};
  const std::string expected(
      "\x06"
      "\x01"
      "a\x02\x03"
      "\x01"
      "b\x05"
      "\x01"
      "c\x01\x02hi"
      "\x01"
      "d\x03\x00\x00\x00\x00\x00\x00\xf0\x3f"
      "\x01"
      "e\x06\x02\x01x\x00"
      "\x01"
      "f\x04",
      35);
  EXPECT_EQ(encode(m), expected);
}

TEST(MetadataCodecTest, EncodeAppends) {
  std::string out = "prefix";
  encode_metadata({{"k", true}}, out);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  Metadata back;
  EXPECT_TRUE(decode_metadata(std::string_view(out).substr(6), back).is_ok());
}

TEST(MetadataCodecTest, VarintsAreCanonicalAndBounded) {
  for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{127}, std::uint64_t{128}, std::uint64_t{1} << 63,
                          ~std::uint64_t{0}}) {
    std::string bytes;
    put_varint(v, bytes);
    ByteReader r(bytes);
    std::uint64_t back = 0;
    ASSERT_TRUE(r.read_varint(back));
    EXPECT_EQ(back, v);
    EXPECT_TRUE(r.at_end());
  }
  std::uint64_t v = 0;
  ByteReader overlong(std::string_view("\x80\x00", 2));
  EXPECT_FALSE(overlong.read_varint(v));
  EXPECT_EQ(overlong.offset(), 0u);
  ByteReader overflow(std::string_view("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10));
  EXPECT_FALSE(overflow.read_varint(v));
  const std::string eleven_bytes = std::string(10, '\xff') + '\x01';  // ByteReader only views it
  ByteReader eleven(eleven_bytes);
  EXPECT_FALSE(eleven.read_varint(v));
  ByteReader truncated(std::string_view("\x80", 1));
  EXPECT_FALSE(truncated.read_varint(v));
}

void expect_corruption(std::string_view bytes, std::string_view needle = {}) {
  Metadata out{{"untouched", true}};
  Status s = decode_metadata(bytes, out);
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.to_string();
  EXPECT_EQ(s.message().rfind("metadata: ", 0), 0u) << s.message();
  if (!needle.empty()) {
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  }
  EXPECT_EQ(out.size(), 1u) << "a failed decode must leave the output unchanged";
}

TEST(MetadataCodecTest, EveryTruncationIsCorruption) {
  const std::string bytes = encode(all_types());
  for (std::size_t n = 0; n < bytes.size(); ++n) expect_corruption(std::string_view(bytes).substr(0, n));
}

TEST(MetadataCodecTest, RejectsMalformedInput) {
  expect_corruption(std::string_view("\x01\x01k\x09", 4), "unknown type tag 0x09");
  expect_corruption(std::string_view("\x00\x00", 2), "trailing");
  expect_corruption(std::string_view("\x02\x01"
                                     "b\x05\x01"
                                     "a\x05",
                                     7),
                    "out of order");
  expect_corruption(std::string_view("\x02\x01"
                                     "a\x05\x01"
                                     "a\x05",
                                     7),
                    "duplicated");
  // Counts and lengths far beyond the input must fail before anything is allocated for them.
  expect_corruption(std::string_view("\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 9), "entries declared");
  expect_corruption(std::string_view("\x01\x01k\x06\xff\xff\xff\xff\x0f", 9), "list of");
  expect_corruption(std::string_view("\x01\x01k\x01\xff\xff\xff\xff\x0f", 9), "string value");
  expect_corruption(std::string_view("\x01\xff\xff\xff\xff\x0f", 6), "key");
  expect_corruption(std::string_view("\x01\x01k\x02\x80\x00", 6), "non-canonical");
}

TEST(MetadataCodecTest, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(42);
  const std::string valid = encode(all_types());
  for (int trial = 0; trial < 20000; ++trial) {
    std::string bytes = valid;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    if (trial % 2 == 1) bytes.resize(rng() % bytes.size());
    Metadata out;
    Status s = decode_metadata(bytes, out);
    // A mutation may yield another valid encoding; canonical form means it re-encodes to itself.
    if (s.is_ok()) {
      EXPECT_EQ(encode(out), bytes);
    } else {
      EXPECT_EQ(s.code(), StatusCode::kCorruption);
    }
  }
}

TEST(EntryCodecTest, RoundTrip) {
  const std::vector<float> v = {1.5f, -0.0f, std::numeric_limits<float>::infinity(), 3e-42f};
  std::string bytes;
  encode_entry("id-\xC3\xA9", v, all_types(), bytes);
  VectorEntry e;
  ASSERT_TRUE(decode_entry(bytes, v.size(), e).is_ok());
  EXPECT_EQ(e.id, "id-\xC3\xA9");
  ASSERT_EQ(e.vector.size(), v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint32_t>(e.vector[i]), std::bit_cast<std::uint32_t>(v[i]));
  }
  EXPECT_TRUE(same(e.metadata, all_types()));
}

TEST(EntryCodecTest, ByteLayoutIsStable) {
  std::string bytes;
  encode_entry("ab", std::vector<float>{1.0f, -2.0f}, {}, bytes);
  EXPECT_EQ(bytes, std::string("\x02"
                               "ab\x02\x00\x00\x80\x3f\x00\x00\x00\xc0\x00",
                               13));
}

TEST(EntryCodecTest, RejectsWrongDimensionAndTruncation) {
  std::string bytes;
  encode_entry("x", std::vector<float>(8, 1.0f), {{"k", std::string("v")}}, bytes);
  VectorEntry e;
  Status s = decode_entry(bytes, 4, e);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("8 dimensions, expected 4"), std::string::npos) << s.message();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(decode_entry(std::string_view(bytes).substr(0, n), 8, e).code(), StatusCode::kCorruption) << n;
  }
  EXPECT_EQ(decode_entry(bytes + "x", 8, e).code(), StatusCode::kCorruption);
  EXPECT_TRUE(e.id.empty()) << "failed decodes must leave the entry unchanged";
}

// The checked-in fuzz seeds (fuzz/corpus/metadata) are these encodings. Set
// STRATA_WRITE_FUZZ_SEEDS=1 to rewrite them after an intentional format change.
TEST(MetadataCodecTest, FuzzSeedsMatchTheEncoder) {
  const std::filesystem::path dir =
      std::filesystem::path(__FILE__).parent_path().parent_path() / "fuzz" / "corpus" / "metadata";
  const std::vector<std::pair<std::string, Metadata>> seeds = {
      {"empty.bin", {}},
      {"all_types.bin", all_types()},
      {"small.bin", {{"genre", std::string("jazz")}, {"year", std::int64_t{1959}}, {"score", 8.5}}},
      {"lists.bin", {{"tags", std::vector<std::string>{"a", "bb", ""}}, {"x", std::vector<std::string>{}}}},
  };
  const bool write = std::getenv("STRATA_WRITE_FUZZ_SEEDS") != nullptr;
  if (write) std::filesystem::create_directories(dir);
  for (const auto& [name, m] : seeds) {
    const std::string bytes = encode(m);
    if (write) {
      std::ofstream(dir / name, std::ios::binary) << bytes;
      continue;
    }
    std::ifstream in(dir / name, std::ios::binary);
    ASSERT_TRUE(in) << "missing seed " << (dir / name);
    std::stringstream stored;
    stored << in.rdbuf();
    EXPECT_EQ(stored.str(), bytes) << name;
  }
}

}  // namespace
}  // namespace strata::io
