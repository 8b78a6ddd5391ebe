// Filter: operator semantics, type rules, the JSON grammar, round trips and malformed input.
#include "strata/filter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "strata/detail/filter_node.hpp"

// Counts allocations so a test can check that matches() makes none.
std::atomic<long> g_allocations{0};

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// GCC flags free() in a replacement operator delete once it is inlined next to a new-expression.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace strata {
namespace {

using List = std::vector<std::string>;
using V = MetadataValue;

constexpr std::int64_t kTwo53 = std::int64_t{1} << 53;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

Metadata one(const std::string& key, MetadataValue value) { return Metadata{{key, std::move(value)}}; }

Filter parse_ok(std::string_view json) {
  Result<Filter> f = Filter::from_json(json);
  EXPECT_TRUE(f.is_ok()) << json << " -> " << f.status().to_string();
  return f.is_ok() ? *f : Filter::or_({});
}

// ---- operators and type rules ----

TEST(FilterTest, ComparisonsOnIntegers) {
  const Metadata m = one("n", std::int64_t{5});
  EXPECT_TRUE(Filter::eq("n", std::int64_t{5}).matches(m));
  EXPECT_FALSE(Filter::eq("n", std::int64_t{6}).matches(m));
  EXPECT_TRUE(Filter::ne("n", std::int64_t{6}).matches(m));
  EXPECT_FALSE(Filter::ne("n", std::int64_t{5}).matches(m));
  EXPECT_TRUE(Filter::lt("n", std::int64_t{6}).matches(m));
  EXPECT_FALSE(Filter::lt("n", std::int64_t{5}).matches(m));
  EXPECT_TRUE(Filter::lte("n", std::int64_t{5}).matches(m));
  EXPECT_FALSE(Filter::lte("n", std::int64_t{4}).matches(m));
  EXPECT_TRUE(Filter::gt("n", std::int64_t{4}).matches(m));
  EXPECT_FALSE(Filter::gt("n", std::int64_t{5}).matches(m));
  EXPECT_TRUE(Filter::gte("n", std::int64_t{5}).matches(m));
  EXPECT_FALSE(Filter::gte("n", std::int64_t{6}).matches(m));
  EXPECT_TRUE(Filter::in("n", {std::int64_t{1}, std::int64_t{5}}).matches(m));
  EXPECT_FALSE(Filter::in("n", {std::int64_t{1}, std::int64_t{2}}).matches(m));
  EXPECT_FALSE(Filter::in("n", {}).matches(m));
  EXPECT_TRUE(Filter::not_in("n", {std::int64_t{1}}).matches(m));
  EXPECT_FALSE(Filter::not_in("n", {std::int64_t{5}}).matches(m));
  EXPECT_TRUE(Filter::not_in("n", {}).matches(m));
  EXPECT_TRUE(Filter::exists("n").matches(m));
  EXPECT_FALSE(Filter::exists("m").matches(m));
}

TEST(FilterTest, IntegersAndDoublesCompareNumerically) {
  const Metadata i = one("x", std::int64_t{3});
  const Metadata d = one("x", 3.0);
  EXPECT_TRUE(Filter::eq("x", 3.0).matches(i));
  EXPECT_TRUE(Filter::eq("x", std::int64_t{3}).matches(d));
  EXPECT_TRUE(Filter::lt("x", 3.5).matches(i));
  EXPECT_TRUE(Filter::gt("x", 2.5).matches(i));
  EXPECT_FALSE(Filter::gt("x", 3.0).matches(i));
  EXPECT_TRUE(Filter::gte("x", 3.0).matches(i));
  EXPECT_TRUE(Filter::lte("x", std::int64_t{3}).matches(d));
  EXPECT_TRUE(Filter::in("x", {3.0}).matches(i));
  EXPECT_TRUE(Filter::in("x", {std::int64_t{3}}).matches(d));
  EXPECT_TRUE(Filter::in("x", {-0.0}).matches(one("x", std::int64_t{0})));
  EXPECT_TRUE(Filter::eq("x", 0.0).matches(one("x", -0.0)));
  // Negative non-integral values: truncation goes toward zero.
  EXPECT_TRUE(Filter::gt("x", -2.5).matches(one("x", std::int64_t{-2})));
  EXPECT_TRUE(Filter::lt("x", -2.5).matches(one("x", std::int64_t{-3})));
  EXPECT_TRUE(Filter::lt("x", std::int64_t{-2}).matches(one("x", -2.5)));
}

TEST(FilterTest, LargeIntegersCompareExactlyWithDoubles) {
  const double two53 = 0x1p53;  // 2^53 + 1 rounds to this when cast to double
  const Metadata big = one("x", kTwo53 + 1);
  EXPECT_FALSE(Filter::eq("x", two53).matches(big));
  EXPECT_TRUE(Filter::ne("x", two53).matches(big));
  EXPECT_TRUE(Filter::gt("x", two53).matches(big));
  EXPECT_FALSE(Filter::lte("x", two53).matches(big));
  EXPECT_FALSE(Filter::in("x", {two53}).matches(big));
  EXPECT_TRUE(Filter::in("x", {two53}).matches(one("x", kTwo53)));
  EXPECT_TRUE(Filter::lt("x", kTwo53 + 1).matches(one("x", two53)));
  EXPECT_FALSE(Filter::eq("x", kTwo53 + 1).matches(one("x", two53)));

  // INT64_MAX is below 2^63, the nearest double; INT64_MIN is exactly -2^63.
  EXPECT_TRUE(Filter::lt("x", 0x1p63).matches(one("x", kInt64Max)));
  EXPECT_FALSE(Filter::eq("x", 0x1p63).matches(one("x", kInt64Max)));
  EXPECT_FALSE(Filter::in("x", {0x1p63}).matches(one("x", kInt64Max)));
  EXPECT_TRUE(Filter::eq("x", -0x1p63).matches(one("x", kInt64Min)));
  EXPECT_TRUE(Filter::in("x", {-0x1p63}).matches(one("x", kInt64Min)));
  EXPECT_TRUE(Filter::gt("x", -1e300).matches(one("x", kInt64Min)));
  EXPECT_TRUE(Filter::lt("x", 1e300).matches(one("x", kInt64Max)));
  EXPECT_TRUE(Filter::in("x", {1e19}).matches(one("x", 1e19)));
  EXPECT_TRUE(Filter::gt("x", kInt64Max).matches(one("x", 1e19)));
}

// compare_int_double against long double arithmetic, exact for int64 and double on x86-64.
TEST(FilterTest, CompareIntDoubleMatchesReference) {
  if (std::numeric_limits<long double>::digits < 64) GTEST_SKIP() << "long double too narrow for a reference";
  std::mt19937_64 rng(7);
  std::vector<std::int64_t> ints = {0,           1,         -1,        kTwo53,       kTwo53 + 1,
                                    -kTwo53 - 1, kInt64Max, kInt64Min, kInt64Max - 1};
  std::vector<double> doubles = {0.0,    -0.0,    0.5,   -0.5,   0x1p53, 0x1p53 + 2, 0x1p63,         -0x1p63,
                                 0x1p64, -0x1p64, 1e300, -1e300, kInf,   -kInf,      0x1p62 + 0x1p10};
  for (int i = 0; i < 200; ++i) {
    const auto r = static_cast<std::int64_t>(rng());
    ints.push_back(r);
    ints.push_back(r >> (rng() % 64));
    doubles.push_back(static_cast<double>(r));
    doubles.push_back(static_cast<double>(r >> (rng() % 64)) + 0.25);
  }
  for (std::int64_t i : ints) {
    for (double d : doubles) {
      const auto li = static_cast<long double>(i);
      const auto ld = static_cast<long double>(d);
      const std::partial_ordering expected = li <=> ld;
      EXPECT_EQ(detail::compare_int_double(i, d), expected) << i << " vs " << d;
    }
  }
  EXPECT_EQ(detail::compare_int_double(1, kNaN), std::partial_ordering::unordered);
}

TEST(FilterTest, StringsCompareBytewise) {
  const Metadata m = one("s", std::string("b"));
  EXPECT_TRUE(Filter::eq("s", std::string("b")).matches(m));
  EXPECT_TRUE(Filter::gt("s", std::string("a")).matches(m));
  EXPECT_TRUE(Filter::gt("s", std::string("")).matches(m));
  EXPECT_TRUE(Filter::lt("s", std::string("ba")).matches(m));
  EXPECT_TRUE(Filter::gt("s", std::string("Z")).matches(m));         // 'Z' < 'b' in ASCII
  EXPECT_TRUE(Filter::lt("s", std::string("\xc3\xa9")).matches(m));  // bytes >= 0x80 sort last
  EXPECT_TRUE(Filter::gte("s", std::string("b")).matches(m));
  EXPECT_TRUE(Filter::in("s", {std::string("a"), std::string("b")}).matches(m));
  EXPECT_FALSE(Filter::eq("s", std::string("B")).matches(m));
}

TEST(FilterTest, TypeMismatchNeverMatches) {
  const Metadata str = one("x", std::string("5"));
  const Metadata num = one("x", std::int64_t{5});
  const Metadata flag = one("x", true);
  for (const Metadata* m : {&str, &num, &flag}) {
    const MetadataValue& value = m->at("x");
    for (const MetadataValue& other :
         {V(std::string("5")), V(std::int64_t{5}), V(5.0), V(true), V(List{"5"})}) {
      const bool same_kind =
          value.index() == other.index() || (value.index() == 1 && other.index() == 2);  // int64 vs double
      if (same_kind) continue;
      SCOPED_TRACE(Filter::eq("x", other).to_json() + " on " + Filter::eq("x", value).to_json());
      EXPECT_FALSE(Filter::eq("x", other).matches(*m));
      EXPECT_TRUE(Filter::ne("x", other).matches(*m));
      EXPECT_FALSE(Filter::lt("x", other).matches(*m));
      EXPECT_FALSE(Filter::lte("x", other).matches(*m));
      EXPECT_FALSE(Filter::gt("x", other).matches(*m));
      EXPECT_FALSE(Filter::gte("x", other).matches(*m));
      EXPECT_FALSE(Filter::in("x", {other}).matches(*m));
      EXPECT_TRUE(Filter::not_in("x", {other}).matches(*m));
    }
  }
}

TEST(FilterTest, BoolsOnlyEqualBools) {
  const Metadata t = one("b", true);
  EXPECT_TRUE(Filter::eq("b", true).matches(t));
  EXPECT_FALSE(Filter::eq("b", false).matches(t));
  EXPECT_TRUE(Filter::ne("b", false).matches(t));
  EXPECT_FALSE(Filter::eq("b", std::int64_t{1}).matches(t));
  EXPECT_FALSE(Filter::eq("b", true).matches(one("b", std::int64_t{1})));
  EXPECT_FALSE(Filter::gt("b", false).matches(t));  // bools have no order
  EXPECT_FALSE(Filter::gte("b", true).matches(t));
  EXPECT_TRUE(Filter::in("b", {false, true}).matches(t));
  EXPECT_FALSE(Filter::in("b", {false}).matches(t));
  EXPECT_TRUE(Filter::in("b", {false}).matches(one("b", false)));
}

TEST(FilterTest, ListFields) {
  const Metadata m = one("tags", List{"red", "blue"});
  EXPECT_TRUE(Filter::eq("tags", std::string("red")).matches(m));
  EXPECT_TRUE(Filter::eq("tags", std::string("blue")).matches(m));
  EXPECT_FALSE(Filter::eq("tags", std::string("green")).matches(m));
  EXPECT_FALSE(Filter::ne("tags", std::string("red")).matches(m));
  EXPECT_TRUE(Filter::ne("tags", std::string("green")).matches(m));
  EXPECT_TRUE(Filter::in("tags", {std::string("green"), std::string("blue")}).matches(m));
  EXPECT_FALSE(Filter::in("tags", {std::string("green")}).matches(m));
  EXPECT_FALSE(Filter::not_in("tags", {std::string("blue")}).matches(m));
  EXPECT_TRUE(Filter::not_in("tags", {std::string("green")}).matches(m));
  EXPECT_FALSE(Filter::lt("tags", std::string("zzz")).matches(m));
  EXPECT_FALSE(Filter::gt("tags", std::string("")).matches(m));
  // A list operand matches the whole list, in order.
  EXPECT_TRUE(Filter::eq("tags", List{"red", "blue"}).matches(m));
  EXPECT_FALSE(Filter::eq("tags", List{"blue", "red"}).matches(m));
  EXPECT_FALSE(Filter::eq("tags", List{"red"}).matches(m));
  EXPECT_TRUE(Filter::in("tags", {List{"x"}, List{"red", "blue"}}).matches(m));
  EXPECT_FALSE(Filter::eq("tags", List{"red"}).matches(one("tags", std::string("red"))));
  EXPECT_TRUE(Filter::eq("tags", List{}).matches(one("tags", List{})));
  EXPECT_FALSE(Filter::eq("tags", std::string("")).matches(one("tags", List{})));
  EXPECT_FALSE(Filter::eq("tags", std::int64_t{1}).matches(m));
}

TEST(FilterTest, NaNNeverCompares) {
  const Metadata m = one("x", 1.0);
  const Metadata nan_field = one("x", kNaN);
  for (const Metadata* meta : {&m, &nan_field}) {
    EXPECT_FALSE(Filter::eq("x", kNaN).matches(*meta));
    EXPECT_TRUE(Filter::ne("x", kNaN).matches(*meta));
    EXPECT_FALSE(Filter::lt("x", kNaN).matches(*meta));
    EXPECT_FALSE(Filter::lte("x", kNaN).matches(*meta));
    EXPECT_FALSE(Filter::gt("x", kNaN).matches(*meta));
    EXPECT_FALSE(Filter::gte("x", kNaN).matches(*meta));
    EXPECT_FALSE(Filter::in("x", {kNaN}).matches(*meta));
    EXPECT_TRUE(Filter::not_in("x", {kNaN}).matches(*meta));
  }
  EXPECT_FALSE(Filter::lt("x", std::int64_t{5}).matches(nan_field));
  EXPECT_FALSE(Filter::gte("x", std::int64_t{5}).matches(nan_field));
  EXPECT_FALSE(Filter::in("x", {1.0, std::int64_t{2}, 2.5}).matches(nan_field));
}

TEST(FilterTest, MissingKeys) {
  const Metadata m = one("other", std::int64_t{1});
  EXPECT_FALSE(Filter::eq("x", std::int64_t{1}).matches(m));
  EXPECT_TRUE(Filter::ne("x", std::int64_t{1}).matches(m));
  EXPECT_FALSE(Filter::lt("x", std::int64_t{1}).matches(m));
  EXPECT_FALSE(Filter::lte("x", std::int64_t{1}).matches(m));
  EXPECT_FALSE(Filter::gt("x", std::int64_t{1}).matches(m));
  EXPECT_FALSE(Filter::gte("x", std::int64_t{1}).matches(m));
  EXPECT_FALSE(Filter::in("x", {std::int64_t{1}}).matches(m));
  EXPECT_TRUE(Filter::not_in("x", {std::int64_t{1}}).matches(m));
  EXPECT_FALSE(Filter::exists("x").matches(m));
  EXPECT_TRUE(Filter::not_(Filter::exists("x")).matches(m));
  EXPECT_FALSE(Filter::eq("x", std::int64_t{1}).matches(Metadata{}));
  EXPECT_TRUE(Filter::ne("x", std::int64_t{1}).matches(Metadata{}));
}

TEST(FilterTest, LogicalOperators) {
  const Metadata m = {{"a", std::int64_t{1}}, {"b", std::string("x")}};
  const Filter a = Filter::eq("a", std::int64_t{1});
  const Filter b = Filter::eq("b", std::string("y"));
  EXPECT_TRUE(Filter::and_({}).matches(m));
  EXPECT_FALSE(Filter::or_({}).matches(m));
  EXPECT_TRUE(Filter::and_({}).matches(Metadata{}));
  EXPECT_FALSE(Filter::or_({}).matches(Metadata{}));
  EXPECT_FALSE((a && b).matches(m));
  EXPECT_TRUE((a || b).matches(m));
  EXPECT_TRUE((a && !b).matches(m));
  EXPECT_FALSE(!a.matches(m));
  EXPECT_TRUE((!!a).matches(m));
  EXPECT_TRUE(Filter::and_({a}).matches(m));
  EXPECT_FALSE(Filter::or_({b}).matches(m));
  EXPECT_TRUE(Filter::or_({b, b, Filter::and_({a, !b})}).matches(m));
  EXPECT_FALSE(Filter::not_(Filter::and_({})).matches(m));
  EXPECT_TRUE(Filter::not_(Filter::or_({})).matches(m));
  EXPECT_TRUE(((a || b) && (!b || Filter::exists("zzz"))).matches(m));
}

TEST(FilterTest, FactoriesFlattenTheTree) {
  const Filter a = Filter::exists("a");
  Filter chain = a;
  for (int i = 0; i < 1000; ++i) chain = chain && Filter::exists(std::to_string(i));
  EXPECT_EQ(chain.node().op, detail::FilterOp::kAnd);
  EXPECT_EQ(chain.node().children.size(), 1001u);
  EXPECT_EQ((!!a).node().op, detail::FilterOp::kExists);
  EXPECT_EQ(Filter::or_({a}).node().op, detail::FilterOp::kExists);
  EXPECT_EQ(((a || a) || (a || a)).node().children.size(), 4u);
  EXPECT_EQ(((a && a) || a).node().children.size(), 2u);
}

// ---- JSON ----

TEST(FilterJsonTest, ImplicitEqualityAndValueTypes) {
  Filter f = parse_ok(R"({"category": "book", "n": 5, "price": 9.5, "used": false, "tags": ["a", "b"]})");
  const Metadata m = {{"category", std::string("book")},
                      {"n", 5.0},
                      {"price", 9.5},
                      {"used", false},
                      {"tags", List{"a", "b"}}};
  EXPECT_TRUE(f.matches(m));
  Metadata changed = m;
  changed["used"] = true;
  EXPECT_FALSE(f.matches(changed));

  const auto value_of = [](std::string_view json) { return parse_ok(json).node().value; };
  EXPECT_EQ(value_of(R"({"x": 5})"), V(std::int64_t{5}));
  EXPECT_EQ(value_of(R"({"x": -5})"), V(std::int64_t{-5}));
  EXPECT_EQ(value_of(R"({"x": 5.0})"), V(5.0));
  EXPECT_EQ(value_of(R"({"x": 1e3})"), V(1000.0));
  EXPECT_EQ(value_of(R"({"x": 9223372036854775807})"), V(kInt64Max));
  EXPECT_EQ(value_of(R"({"x": -9223372036854775808})"), V(kInt64Min));
  EXPECT_EQ(value_of(R"({"x": 9223372036854775808})"), V(0x1p63));
  EXPECT_EQ(value_of(R"({"x": 18446744073709551615})"), V(0x1p64));
}

TEST(FilterJsonTest, FieldOperators) {
  const Metadata m = {{"price", std::int64_t{10}}, {"name", std::string("kiwi")}, {"tags", List{"a", "b"}}};
  struct Case {
    const char* json;
    bool expected;
  };
  const Case cases[] = {
      {R"({"price": {"$eq": 10}})", true},
      {R"({"price": {"$eq": 10.0}})", true},
      {R"({"price": {"$ne": 10}})", false},
      {R"({"price": {"$ne": "10"}})", true},
      {R"({"price": {"$lt": 10.5}})", true},
      {R"({"price": {"$lt": 10}})", false},
      {R"({"price": {"$lte": 10}})", true},
      {R"({"price": {"$gt": 9}})", true},
      {R"({"price": {"$gt": 10}})", false},
      {R"({"price": {"$gte": 10}})", true},
      {R"({"price": {"$gt": 5, "$lt": 20}})", true},
      {R"({"price": {"$gt": 5, "$lt": 10}})", false},
      {R"({"name": {"$gte": "kiwi", "$lt": "l"}})", true},
      {R"({"price": {"$in": [1, 10, "x", true]}})", true},
      {R"({"price": {"$in": []}})", false},
      {R"({"price": {"$nin": [1, 2]}})", true},
      {R"({"price": {"$nin": [10.0]}})", false},
      {R"({"missing": {"$nin": [1]}})", true},
      {R"({"missing": {"$ne": 1}})", true},
      {R"({"price": {"$exists": true}})", true},
      {R"({"price": {"$exists": false}})", false},
      {R"({"missing": {"$exists": false}})", true},
      {R"({"tags": "a"})", true},
      {R"({"tags": ["a", "b"]})", true},
      {R"({"tags": ["b", "a"]})", false},
      {R"({"tags": {"$eq": ["a", "b"]}})", true},
      {R"({"tags": {"$in": ["z", "b"]}})", true},
      {R"({"tags": {"$in": [["a", "b"]]}})", true},
      {R"({"tags": {"$nin": ["a"]}})", false},
      {R"({})", true},
  };
  for (const Case& c : cases) EXPECT_EQ(parse_ok(c.json).matches(m), c.expected) << c.json;
}

TEST(FilterJsonTest, LogicalOperators) {
  const Metadata m = {{"a", std::int64_t{1}}, {"b", std::int64_t{2}}};
  struct Case {
    const char* json;
    bool expected;
  };
  const Case cases[] = {
      {R"({"$and": []})", true},
      {R"({"$or": []})", false},
      {R"({"$and": [{"a": 1}, {"b": 2}]})", true},
      {R"({"$and": [{"a": 1}, {"b": 3}]})", false},
      {R"({"$or": [{"a": 5}, {"b": 2}]})", true},
      {R"({"$or": [{"a": 5}, {"b": 5}]})", false},
      {R"({"$not": {"a": 1}})", false},
      {R"({"$not": {"a": 5}})", true},
      {R"({"$not": {}})", false},
      {R"({"a": 1, "$or": [{"b": 5}, {"$not": {"b": 5}}]})", true},
      {R"({"$or": [{"$and": [{"a": 1}, {"b": {"$gt": 1}}]}, {"c": 1}], "$not": {"c": {"$exists": true}}})",
       true},
      {R"({"$and": [{"$and": [{"$and": [{"a": {"$in": [1]}}]}]}]})", true},
  };
  for (const Case& c : cases) EXPECT_EQ(parse_ok(c.json).matches(m), c.expected) << c.json;
}

TEST(FilterJsonTest, DollarFieldNamesAreEscapedByDoubling) {
  const Filter f = parse_ok(R"({"$$price": 5, "$$$x": true})");
  EXPECT_TRUE(f.matches({{"$price", std::int64_t{5}}, {"$$x", true}}));
  EXPECT_FALSE(f.matches({{"$$price", std::int64_t{5}}, {"$$x", true}}));
  EXPECT_EQ(Filter::eq("$price", std::int64_t{5}).to_json(), R"({"$$price":5})");
}

TEST(FilterJsonTest, CanonicalForm) {
  EXPECT_EQ(Filter::and_({}).to_json(), "{}");
  EXPECT_EQ(Filter::or_({}).to_json(), R"({"$or":[]})");
  EXPECT_EQ((Filter::eq("category", std::string("book")) && Filter::lt("price", 10.0)).to_json(),
            R"({"category":"book","price":{"$lt":10.0}})");
  EXPECT_EQ((Filter::gt("p", std::int64_t{1}) && Filter::lt("p", std::int64_t{5})).to_json(),
            R"({"$and":[{"p":{"$gt":1}},{"p":{"$lt":5}}]})");
  EXPECT_EQ(Filter::not_(Filter::exists("k")).to_json(), R"({"k":{"$exists":false}})");
  EXPECT_EQ(Filter::not_(Filter::eq("k", true)).to_json(), R"({"$not":{"k":true}})");
  EXPECT_EQ(Filter::in("k", {std::int64_t{1}, std::string("a"), List{"x"}}).to_json(),
            R"({"k":{"$in":[1,"a",["x"]]}})");
  EXPECT_EQ(Filter::eq("k", List{"a", "b"}).to_json(), R"({"k":["a","b"]})");
  EXPECT_EQ(Filter::lt("k", true).to_json(), R"({"$or":[]})");
  const std::string json = R"({"a":1,"$or":[{"b":{"$ne":"x"}},{"c":{"$nin":[1.5]}}],"d":{"$exists":true}})";
  EXPECT_EQ(parse_ok(json).to_json(), json);
}

// A spread of filters, including ones JSON cannot state directly (NaN, infinities, '$' keys, bool
// comparisons), checked before and after a round trip on a spread of metadata.
TEST(FilterJsonTest, RoundTripPreservesMeaning) {
  const std::vector<Filter> filters = {
      Filter::eq("a", std::int64_t{1}),
      Filter::eq("a", 1.0),
      Filter::eq("a", -0.0),
      Filter::eq("a", 0.1),
      Filter::eq("a", kTwo53 + 1),
      Filter::gt("a", 0x1p53),
      Filter::lt("a", kInt64Max),
      Filter::gte("a", kInt64Min),
      Filter::lte("a", 1e300),
      Filter::eq("a", 1e19),
      Filter::ne("s", std::string("x")),
      Filter::lt("s", std::string("m")),
      Filter::gte("s", std::string("\xc3\xa9t\xc3\xa9")),
      Filter::eq("s", std::string("quote\" back\\slash \n tab\t \x01")),
      Filter::eq("tags", std::string("red")),
      Filter::eq("tags", List{"red", "blue"}),
      Filter::eq("tags", List{}),
      Filter::in("tags", {std::string("blue"), List{"x"}}),
      Filter::not_in("a", {std::int64_t{1}, 2.5, std::string("1"), true}),
      Filter::in("a", {}),
      Filter::eq("b", true),
      Filter::ne("b", false),
      Filter::lt("b", true),
      Filter::gte("tags", List{"a"}),
      Filter::exists("b"),
      !Filter::exists("b"),
      Filter::eq("$weird", std::int64_t{1}),
      Filter::eq("", std::string("empty key")),
      Filter::eq("a", kNaN),
      Filter::ne("a", kNaN),
      Filter::lt("a", kNaN),
      Filter::in("a", {kNaN, std::int64_t{1}}),
      Filter::not_in("a", {kNaN}),
      Filter::eq("a", kInf),
      Filter::eq("a", -kInf),
      Filter::ne("a", kInf),
      Filter::lt("a", kInf),
      Filter::lt("a", -kInf),
      Filter::lte("a", kInf),
      Filter::lte("a", -kInf),
      Filter::gt("a", kInf),
      Filter::gt("a", -kInf),
      Filter::gte("a", kInf),
      Filter::gte("a", -kInf),
      Filter::in("a", {kInf, -kInf, std::int64_t{3}}),
      Filter::not_in("a", {-kInf}),
      Filter::and_({}),
      Filter::or_({}),
      Filter::eq("a", std::int64_t{1}) && Filter::eq("b", true),
      Filter::gt("a", std::int64_t{0}) && Filter::lt("a", std::int64_t{5}),
      Filter::eq("a", std::int64_t{1}) || !Filter::eq("s", std::string("x")),
      (Filter::exists("a") || Filter::exists("b")) && (Filter::exists("s") || Filter::exists("tags")),
      !(Filter::lt("a", 2.5) && Filter::in("s", {std::string("x"), std::string("y")})),
      Filter::or_({Filter::and_({}), Filter::or_({})}),
  };
  const std::vector<Metadata> metadata = {
      {},
      {{"a", std::int64_t{1}}},
      {{"a", 1.0}, {"b", true}},
      {{"a", -0.0}, {"b", false}},
      {{"a", 0.1}},
      {{"a", 2.5}, {"s", std::string("x")}},
      {{"a", kTwo53 + 1}},
      {{"a", 0x1p53}},
      {{"a", kInt64Max}},
      {{"a", kInt64Min}},
      {{"a", 1e19}},
      {{"a", kInf}},
      {{"a", -kInf}},
      {{"a", kNaN}},
      {{"a", DBL_MAX}},
      {{"a", -DBL_MAX}},
      {{"a", std::string("1")}},
      {{"a", true}},
      {{"s", std::string("a")}, {"tags", List{"red", "blue"}}},
      {{"s", std::string("\xc3\xa9t\xc3\xa9")}, {"tags", List{"x"}}},
      {{"s", std::string("quote\" back\\slash \n tab\t \x01")}, {"tags", List{}}},
      {{"tags", List{"blue"}}, {"$weird", std::int64_t{1}}, {"", std::string("empty key")}},
  };
  for (const Filter& f : filters) {
    const std::string json = f.to_json();
    Result<Filter> back = Filter::from_json(json);
    ASSERT_TRUE(back.is_ok()) << json << " -> " << back.status().to_string();
    EXPECT_EQ(back->to_json(), json) << "canonical form is not stable";
    for (std::size_t i = 0; i < metadata.size(); ++i) {
      EXPECT_EQ(back->matches(metadata[i]), f.matches(metadata[i])) << json << " on metadata #" << i;
    }
  }
}

TEST(FilterJsonTest, MalformedInputIsInvalidArgument) {
  struct Case {
    std::string json;
    std::string message;  // expected to appear in the error
  };
  const std::vector<Case> cases = {
      {"", "empty input"},
      {" \n\t ", "empty input"},
      {"{", "invalid JSON"},
      {R"({"a": 1)", "invalid JSON"},
      {R"({"a": 1}x)", "invalid JSON"},
      {R"({"a": 1} {})", "invalid JSON"},
      {R"({'a': 1})", "invalid JSON"},
      {R"({"a": 01})", "invalid JSON"},
      {R"({"a": 1e400})", "invalid JSON"},
      {R"({"a": NaN})", "invalid JSON"},
      {"{\"a\": \"\xff\"}", "ill-formed UTF-8 byte; last read: '\"?'"},
      {std::string("{\"a\": 1}\0", 9), "invalid JSON"},
      {"[]", "expected a JSON object, got an array"},
      {"5", "expected a JSON object, got a number"},
      {"null", "expected a JSON object, got null"},
      {R"("a")", "expected a JSON object, got a string"},
      {R"({"a": 1, "a": 2})", R"(duplicate key "a")"},
      {R"({"a": {"$gt": 1, "$gt": 2}})", R"(duplicate key "$gt")"},
      {R"({"a": null})", R"(value of "a" must be a string, number, boolean or array of strings, got null)"},
      {R"({"a": [1, 2]})", R"(got an array holding a number at index 0 (use "$in")"},
      {R"({"a": ["x", null]})", "an array holding null at index 1"},
      {R"({"a": ["x", ["y"]]})", "an array holding an array at index 1"},
      {R"({"a": {"b": 1}})", R"(value of "a" is an object with key "b", which is not an operator)"},
      {R"({"a": {"$eq": 1, "b": 1}})", R"(key "b", which is not an operator)"},
      {R"({"a": {}})", R"(no operators in the object given for "a")"},
      {R"({"a": {"$foo": 1}})", R"(unknown operator "$foo" on "a")"},
      {R"({"a": {"$": 1}})", R"(unknown operator "$" on "a")"},
      {R"({"$foo": 1})", R"(unknown operator "$foo")"},
      {R"({"$eq": 1})", R"(operator "$eq" needs a field)"},
      {R"({"$in": [1]})", R"(operator "$in" needs a field)"},
      {R"({"a": {"$not": {"$eq": 1}}})", R"("$not" on "a" is not supported)"},
      {R"({"price": {"$lt": true}})", R"("$lt" on "price" expects a number or a string, got a boolean)"},
      {R"({"price": {"$gte": [1]}})", R"("$gte" on "price" expects a number or a string, got an array)"},
      {R"({"price": {"$gt": null}})", R"("$gt" on "price" expects a number or a string, got null)"},
      {R"({"price": {"$lte": {}}})", R"("$lte" on "price" expects a number or a string, got an object)"},
      {R"({"a": {"$eq": null}})",
       R"("$eq" on "a" expects a string, number, boolean or array of strings, got null)"},
      {R"({"a": {"$ne": [1]}})", R"("$ne" on "a" expects)"},
      {R"({"a": {"$eq": {"$eq": 1}}})", R"("$eq" on "a" expects)"},
      {R"({"a": {"$in": 5}})", R"("$in" on "a" expects an array, got a number)"},
      {R"({"a": {"$nin": "x"}})", R"("$nin" on "a" expects an array, got a string)"},
      {R"({"a": {"$in": [1, null]}})", "element 1 is null"},
      {R"({"a": {"$in": [{"b": 1}]}})", "element 0 is an object"},
      {R"({"a": {"$in": [["x", 1]]}})", "element 0 is an array holding a number at index 1"},
      {R"({"a": {"$exists": 1}})", R"("$exists" on "a" expects true or false, got a number)"},
      {R"({"a": {"$exists": "yes"}})", R"("$exists" on "a" expects true or false, got a string)"},
      {R"({"$and": {}})", R"("$and" expects an array of filter objects, got an object)"},
      {R"({"$or": [1]})", R"("$or" expects an array of filter objects, got a number at index 0)"},
      {R"({"$or": [{}, []]})", "got an array at index 1"},
      {R"({"$not": []})", R"("$not" expects a filter object, got an array)"},
      {R"({"$not": true})", R"("$not" expects a filter object, got a boolean)"},
      {R"({"$and": [{"a": 1}, {"$or": [{"price": {"$lt": false}}]}]})",
       R"("$lt" on "price" expects a number or a string, got a boolean (in $and[1].$or[0]))"},
      {R"({"$not": {"a": {"$in": 1}}})", "(in $not)"},
      {R"({"$or": [{"a": 1}], "$and": [{"$not": {"b": null}}]})", "(in $and[0].$not)"},
  };
  for (const Case& c : cases) {
    Result<Filter> f = Filter::from_json(c.json);
    ASSERT_FALSE(f.is_ok()) << c.json;
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument) << c.json;
    EXPECT_NE(f.status().message().find(c.message), std::string::npos)
        << c.json << "\n  got: " << f.status().message() << "\n  want: " << c.message;
    EXPECT_EQ(f.status().message().rfind("filter: ", 0), 0u) << f.status().message();
  }
}

TEST(FilterTest, MatchesDoesNotAllocate) {
  const Filter f = (Filter::eq("category", std::string("book")) && Filter::lt("price", 10.0) &&
                    Filter::in("tags", {std::string("sale"), std::string("new"), List{"x", "y"}}) &&
                    Filter::not_in("n", {std::int64_t{1}, 2.5, true})) ||
                   !Filter::exists("category") || Filter::gte("title", std::string("m"));
  const Metadata m = {{"category", std::string("book")},
                      {"price", std::int64_t{7}},
                      {"tags", List{"old", "new"}},
                      {"n", 3.0},
                      {"title", std::string("a long title string")}};
  ASSERT_TRUE(f.matches(m));
  const long before = g_allocations.load();
  bool all = true;
  for (int i = 0; i < 1000; ++i) all = f.matches(m) && all;
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_TRUE(all);
}

std::string nested_nots(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += R"({"$not":)";
  s += "{}";
  s.append(n, '}');
  return s;
}

TEST(FilterJsonTest, DeepNestingIsRejectedWithoutRecursion) {
  // n $not wrappers around {} nest n + 1 levels; 64 levels are allowed.
  Result<Filter> ok = Filter::from_json(nested_nots(63));
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_FALSE(ok->matches({}));  // 63 negations of true
  for (const std::string& deep :
       {nested_nots(64), nested_nots(100000), std::string(100000, '['), std::string(100000, '{'),
        "{\"a\":" + std::string(100000, '['), std::string(100000, '[') + std::string(100000, ']')}) {
    Result<Filter> f = Filter::from_json(deep);
    ASSERT_FALSE(f.is_ok());
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(f.status().message().find("nesting deeper than 64 levels"), std::string::npos)
        << f.status().message();
  }
  // Brackets inside strings do not count.
  const std::string brackets = R"({"a": ")" + std::string(1000, '[') + R"(\"{"})";
  Result<Filter> in_string = Filter::from_json(brackets);
  ASSERT_TRUE(in_string.is_ok()) << in_string.status().to_string();
  EXPECT_TRUE(in_string->matches(one("a", std::string(1000, '[') + "\"{")));
}

TEST(FilterJsonTest, ArbitraryBytesNeverCrash) {
  std::mt19937 rng(11);
  const std::string alphabet = "{}[]\":,$ab01-.eE \\ntrufalse";
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 40, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    Result<Filter> f = Filter::from_json(s);
    if (f.is_ok()) {
      Result<Filter> back = Filter::from_json(f->to_json());
      EXPECT_TRUE(back.is_ok()) << s;
    } else {
      EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument) << s;
    }
  }
}

}  // namespace
}  // namespace strata
