// The expression tree behind strata::Filter and the value comparisons it is evaluated with. Not API.
// Filters are evaluated once per visited graph node during search, so evaluation never allocates:
// keys are found by heterogeneous lookup and in/not_in operands are pre-sorted for binary search.
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/types.hpp"

namespace strata::detail {

enum class FilterOp : std::uint8_t {
  kEq,
  kNe,  // !kEq, so it also matches a missing key
  kLt,
  kLte,
  kGt,
  kGte,
  kIn,     // kEq against any of `values`
  kNotIn,  // !kIn, so it also matches a missing key
  kExists,
  kAnd,  // all children; true when there are none
  kOr,   // any child; false when there are none
  kNot,  // exactly one child
};

// The operands of in/not_in, normalised so that membership costs a binary search per field value.
// Doubles holding an exact int64 live in `integers`, so an int64 field needs a single search.
struct FilterValueSet {
  std::vector<std::string> strings;             // sorted, unique
  std::vector<std::int64_t> integers;           // sorted, unique
  std::vector<double> doubles;                  // sorted, unique; no NaN, no value with an exact int64
  std::vector<std::vector<std::string>> lists;  // matched against list fields by whole-list equality
  bool has_true = false;
  bool has_false = false;

  static FilterValueSet build(const std::vector<MetadataValue>& values);
  // True when some operand equals `field` under the kEq rules.
  bool contains(const MetadataValue& field) const noexcept;
};

// One node of a filter. Nodes are immutable once built and shared between filters, so combining
// filters never copies subtrees. Factories flatten nested and/or and collapse single operands.
struct FilterNode {
  FilterOp op = FilterOp::kAnd;
  std::string key;                                          // comparisons, in/not_in, exists
  MetadataValue value;                                      // kEq .. kGte
  std::vector<MetadataValue> values;                        // kIn, kNotIn: as given (for to_json)
  FilterValueSet value_set;                                 // kIn, kNotIn: for matching
  std::vector<std::shared_ptr<const FilterNode>> children;  // kAnd, kOr, kNot
};

// True when `metadata` satisfies the tree rooted at `node`. Recursion depth is the tree's depth.
bool evaluate(const FilterNode& node, const Metadata& metadata) noexcept;

// `d` as an int64 when it is integral and within range (no rounding), else nullopt. NaN gives nullopt.
inline std::optional<std::int64_t> exact_int64(double d) noexcept {
  if (!(d >= -0x1p63 && d < 0x1p63)) return std::nullopt;
  const auto t = static_cast<std::int64_t>(d);
  if (static_cast<double>(t) != d) return std::nullopt;
  return t;
}

// Exact comparison of an int64 with a double. Converting `i` to double would round above 2^53 and
// make 2^53 + 1 compare equal to 2^53; instead compare against the double's integral part.
inline std::partial_ordering compare_int_double(std::int64_t i, double d) noexcept {
  if (d != d) return std::partial_ordering::unordered;
  if (d >= 0x1p63) return std::partial_ordering::less;
  if (d < -0x1p63) return std::partial_ordering::greater;
  const auto t = static_cast<std::int64_t>(d);  // truncation toward zero, exact in this range
  if (i != t) return i <=> t;
  return 0.0 <=> (d - static_cast<double>(t));  // the fractional part, computed exactly
}

// The order of a field value relative to an operand: numbers numerically (int64 and double mixed),
// strings bytewise; unordered for NaN and for every other pairing (bools and lists have no order).
inline std::partial_ordering order_values(const MetadataValue& field, const MetadataValue& operand) noexcept {
  if (const auto* fi = std::get_if<std::int64_t>(&field)) {
    if (const auto* oi = std::get_if<std::int64_t>(&operand)) return *fi <=> *oi;
    if (const auto* od = std::get_if<double>(&operand)) return compare_int_double(*fi, *od);
  } else if (const auto* fd = std::get_if<double>(&field)) {
    if (const auto* od = std::get_if<double>(&operand)) return *fd <=> *od;
    // NOLINTNEXTLINE(modernize-use-nullptr): the 0 is an ordering's literal zero, not a pointer.
    if (const auto* oi = std::get_if<std::int64_t>(&operand)) return 0 <=> compare_int_double(*oi, *fd);
  } else if (const auto* fs = std::get_if<std::string>(&field)) {
    // char_traits<char> compares as unsigned char, so this is a bytewise order.
    if (const auto* os = std::get_if<std::string>(&operand)) return fs->compare(*os) <=> 0;
  }
  return std::partial_ordering::unordered;
}

// The kEq rule: numbers numerically, strings and bools with their own type only, a string operand
// against any element of a list field, a list operand against a whole list field.
inline bool values_equal(const MetadataValue& field, const MetadataValue& operand) noexcept {
  if (const auto* os = std::get_if<std::string>(&operand)) {
    if (const auto* fs = std::get_if<std::string>(&field)) return *fs == *os;
    if (const auto* fl = std::get_if<std::vector<std::string>>(&field)) {
      return std::find(fl->begin(), fl->end(), *os) != fl->end();
    }
    return false;
  }
  if (const auto* ob = std::get_if<bool>(&operand)) {
    const auto* fb = std::get_if<bool>(&field);
    return fb != nullptr && *fb == *ob;
  }
  if (const auto* ol = std::get_if<std::vector<std::string>>(&operand)) {
    const auto* fl = std::get_if<std::vector<std::string>>(&field);
    return fl != nullptr && *fl == *ol;
  }
  return order_values(field, operand) == std::partial_ordering::equivalent;
}

}  // namespace strata::detail
