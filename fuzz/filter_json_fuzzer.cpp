// Fuzzes Filter::from_json and the to_json round trip (docs/filters.md). For every input that parses:
// to_json must parse again, be a fixed point (to_json of the re-parsed filter is the same text), and
// both filters must agree on matches() for metadata built from the filter's own keys and operands, so
// that the comparisons are actually exercised. Any disagreement aborts with both texts.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "strata/detail/filter_node.hpp"
#include "strata/filter.hpp"

namespace {

using strata::Filter;
using strata::Metadata;
using strata::MetadataValue;
using strata::detail::FilterNode;
using strata::detail::FilterOp;

// Bounds the work per input, so the fuzzer spends its time on parsing rather than on evaluation.
constexpr std::size_t kMaxKeys = 16;
constexpr std::size_t kMaxCandidatesPerKey = 24;
constexpr int kMetadataMaps = 8;

[[noreturn]] void fail(const char* what, std::string_view input, std::string_view json,
                       std::string_view detail) {
  std::fprintf(stderr, "filter_json_fuzzer: %s\ninput:   %.*s\nto_json: %.*s\ndetail:  %.*s\n", what,
               static_cast<int>(input.size()), input.data(), static_cast<int>(json.size()), json.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// Values a field could hold that sit on, next to and across the operand: equal, just below and above
// (numerically or bytewise), the other numeric type, and values of other types.
void add_candidates(const MetadataValue& operand, std::vector<MetadataValue>& out) {
  if (const auto* i = std::get_if<std::int64_t>(&operand)) {
    out.emplace_back(*i);
    if (*i > std::numeric_limits<std::int64_t>::min()) out.emplace_back(*i - 1);
    if (*i < std::numeric_limits<std::int64_t>::max()) out.emplace_back(*i + 1);
    out.emplace_back(static_cast<double>(*i));
    out.emplace_back(std::to_string(*i));
  } else if (const auto* d = std::get_if<double>(&operand)) {
    out.emplace_back(*d);
    out.emplace_back(std::nextafter(*d, -std::numeric_limits<double>::infinity()));
    out.emplace_back(std::nextafter(*d, std::numeric_limits<double>::infinity()));
    if (auto exact = strata::detail::exact_int64(*d)) out.emplace_back(*exact);
  } else if (const auto* s = std::get_if<std::string>(&operand)) {
    out.emplace_back(*s);
    out.emplace_back(*s + "a");
    if (!s->empty()) out.emplace_back(s->substr(0, s->size() - 1));
    out.emplace_back(std::vector<std::string>{"x", *s});
  } else if (const auto* b = std::get_if<bool>(&operand)) {
    out.emplace_back(*b);
    out.emplace_back(!*b);
  } else if (const auto* l = std::get_if<std::vector<std::string>>(&operand)) {
    out.emplace_back(*l);
    if (!l->empty()) out.emplace_back(l->front());
    out.emplace_back(std::vector<std::string>{});
  }
}

void collect(const FilterNode& node, std::map<std::string, std::vector<MetadataValue>>& candidates) {
  for (const auto& child : node.children) collect(*child, candidates);
  if (node.op == FilterOp::kAnd || node.op == FilterOp::kOr || node.op == FilterOp::kNot) return;
  if (candidates.size() >= kMaxKeys && !candidates.contains(node.key)) return;
  std::vector<MetadataValue>& out = candidates[node.key];
  if (out.size() >= kMaxCandidatesPerKey) return;
  out.emplace_back(std::int64_t{0});  // another type than most operands
  add_candidates(node.value, out);
  for (const MetadataValue& v : node.values) add_candidates(v, out);
}

// A few metadata maps: each key is absent or takes one of its candidates, chosen by a generator
// seeded from the input so that every run of an input is the same.
std::vector<Metadata> metadata_for(const Filter& filter, std::string_view input) {
  std::map<std::string, std::vector<MetadataValue>> candidates;
  collect(filter.node(), candidates);
  std::uint64_t state = std::hash<std::string_view>{}(input);
  const auto next = [&state] {  // splitmix64
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  std::vector<Metadata> maps(kMetadataMaps);  // maps[0] stays empty
  for (int m = 1; m < kMetadataMaps; ++m) {
    for (const auto& [key, values] : candidates) {
      const std::uint64_t pick = next() % (values.size() + 1);
      if (pick < values.size()) maps[m].emplace(key, values[pick]);
    }
  }
  return maps;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  strata::Result<Filter> parsed = Filter::from_json(input);
  if (!parsed.is_ok()) {
    if (parsed.status().message().empty()) fail("error without a message", input, "", "");
    return 0;
  }
  const Filter& filter = *parsed;
  const std::string json = filter.to_json();
  strata::Result<Filter> reparsed = Filter::from_json(json);
  if (!reparsed.is_ok()) fail("to_json output does not parse", input, json, reparsed.status().to_string());
  const std::string json_again = reparsed->to_json();
  if (json_again != json) fail("to_json is not a fixed point", input, json, json_again);

  for (const Metadata& metadata : metadata_for(filter, input)) {
    if (filter.matches(metadata) != reparsed->matches(metadata)) {
      std::string shown;
      for (const auto& [key, value] : metadata) {
        shown += Filter::eq(key, value).to_json();
        shown += ' ';
      }
      fail("the round trip changed matches() on this metadata", input, json, shown);
    }
  }
  return 0;
}
