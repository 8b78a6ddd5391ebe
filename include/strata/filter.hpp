// Filter: a predicate over vector metadata, built in C++ or parsed from JSON, used by filtered search.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/status.hpp"
#include "strata/types.hpp"

namespace strata {

namespace detail {
struct FilterNode;
}

// A boolean expression over metadata. Build one with the static factories and combine with
// and_/or_/not_ (or the operators &&, ||, !), or parse the JSON form documented in docs/filters.md:
//
//   Filter f = Filter::eq("category", "book") && Filter::lt("price", 10.0);
//   Result<Filter> g = Filter::from_json(R"({"category": "book", "price": {"$lt": 10}})");
//
// Comparison semantics: int64 and double compare numerically; strings compare bytewise; a value of
// another type never matches lt/lte/gt/gte/eq. On a list-of-strings field, eq and in match when
// any element matches. ne and not_in also match when the key is missing.
// Thread safety: immutable after construction; share and copy freely between threads.
class Filter {
 public:
  static Filter eq(std::string key, MetadataValue value);
  static Filter ne(std::string key, MetadataValue value);
  static Filter lt(std::string key, MetadataValue value);
  static Filter lte(std::string key, MetadataValue value);
  static Filter gt(std::string key, MetadataValue value);
  static Filter gte(std::string key, MetadataValue value);
  static Filter in(std::string key, std::vector<MetadataValue> values);
  static Filter not_in(std::string key, std::vector<MetadataValue> values);
  static Filter exists(std::string key);
  static Filter and_(std::vector<Filter> operands);  // true when all match (true when empty)
  static Filter or_(std::vector<Filter> operands);   // true when any matches (false when empty)
  static Filter not_(Filter operand);

  // Parses the JSON form; InvalidArgument naming the problem on malformed input.
  static Result<Filter> from_json(std::string_view json);
  // The JSON form of this filter; from_json(to_json()) gives an equivalent filter.
  std::string to_json() const;

  // True when `metadata` satisfies the filter.
  bool matches(const Metadata& metadata) const;

  friend Filter operator&&(Filter a, Filter b) { return and_({std::move(a), std::move(b)}); }
  friend Filter operator||(Filter a, Filter b) { return or_({std::move(a), std::move(b)}); }
  friend Filter operator!(Filter a) { return not_(std::move(a)); }

  // Internal representation, for strata's own code.
  const detail::FilterNode& node() const noexcept { return *node_; }

 private:
  explicit Filter(std::shared_ptr<const detail::FilterNode> node) : node_(std::move(node)) {}
  std::shared_ptr<const detail::FilterNode> node_;
};

}  // namespace strata
