// Filter factories and evaluation. The JSON form lives in filter_json.cpp.
#include "strata/filter.hpp"

#include <algorithm>
#include <memory>
#include <utility>

#include "strata/detail/filter_node.hpp"

namespace strata {
namespace detail {

FilterValueSet FilterValueSet::build(const std::vector<MetadataValue>& values) {
  FilterValueSet set;
  for (const MetadataValue& v : values) {
    if (const auto* s = std::get_if<std::string>(&v)) {
      set.strings.push_back(*s);
    } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
      set.integers.push_back(*i);
    } else if (const auto* d = std::get_if<double>(&v)) {
      if (*d != *d) continue;  // NaN equals nothing
      if (auto exact = exact_int64(*d)) {
        set.integers.push_back(*exact);
      } else {
        set.doubles.push_back(*d);
      }
    } else if (const auto* b = std::get_if<bool>(&v)) {
      (*b ? set.has_true : set.has_false) = true;
    } else {
      set.lists.push_back(std::get<std::vector<std::string>>(v));
    }
  }
  auto sort_unique = [](auto& xs) {
    std::sort(xs.begin(), xs.end());
    xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  };
  sort_unique(set.strings);
  sort_unique(set.integers);
  sort_unique(set.doubles);
  return set;
}

bool FilterValueSet::contains(const MetadataValue& field) const noexcept {
  if (const auto* s = std::get_if<std::string>(&field)) {
    return std::binary_search(strings.begin(), strings.end(), *s);
  }
  if (const auto* i = std::get_if<std::int64_t>(&field)) {
    return std::binary_search(integers.begin(), integers.end(), *i);
  }
  if (const auto* d = std::get_if<double>(&field)) {
    // An integral double can only equal an operand stored in `integers`, and vice versa.
    if (auto exact = exact_int64(*d)) return std::binary_search(integers.begin(), integers.end(), *exact);
    // NaN must be ruled out here: it is unordered with everything, so binary_search would "find" it.
    return *d == *d && std::binary_search(doubles.begin(), doubles.end(), *d);
  }
  if (const auto* b = std::get_if<bool>(&field)) return *b ? has_true : has_false;
  const auto* list = std::get_if<std::vector<std::string>>(&field);
  if (list == nullptr) return false;  // unreachable while MetadataValue has these five alternatives
  for (const std::string& element : *list) {
    if (std::binary_search(strings.begin(), strings.end(), element)) return true;
  }
  return std::find(lists.begin(), lists.end(), *list) != lists.end();
}

bool evaluate(const FilterNode& node, const Metadata& metadata) noexcept {
  switch (node.op) {
    case FilterOp::kAnd:
      for (const auto& child : node.children) {
        if (!evaluate(*child, metadata)) return false;
      }
      return true;
    case FilterOp::kOr:
      for (const auto& child : node.children) {
        if (evaluate(*child, metadata)) return true;
      }
      return false;
    case FilterOp::kNot:
      return !evaluate(*node.children.front(), metadata);
    default:
      break;
  }
  const auto it = metadata.find(node.key);
  if (it == metadata.end()) return node.op == FilterOp::kNe || node.op == FilterOp::kNotIn;
  const MetadataValue& field = it->second;
  switch (node.op) {
    case FilterOp::kEq:
      return values_equal(field, node.value);
    case FilterOp::kNe:
      return !values_equal(field, node.value);
    case FilterOp::kLt:
      return std::is_lt(order_values(field, node.value));
    case FilterOp::kLte:
      return std::is_lteq(order_values(field, node.value));
    case FilterOp::kGt:
      return std::is_gt(order_values(field, node.value));
    case FilterOp::kGte:
      return std::is_gteq(order_values(field, node.value));
    case FilterOp::kIn:
      return node.value_set.contains(field);
    case FilterOp::kNotIn:
      return !node.value_set.contains(field);
    case FilterOp::kExists:
      return true;
    default:
      return false;  // unreachable: the tree operators returned above
  }
}

}  // namespace detail

namespace {

using detail::FilterNode;
using detail::FilterOp;

std::shared_ptr<const FilterNode> make_leaf(FilterOp op, std::string key, MetadataValue value) {
  auto node = std::make_shared<FilterNode>();
  node->op = op;
  node->key = std::move(key);
  node->value = std::move(value);
  return node;
}

std::shared_ptr<const FilterNode> make_set(FilterOp op, std::string key, std::vector<MetadataValue> values) {
  auto node = std::make_shared<FilterNode>();
  node->op = op;
  node->key = std::move(key);
  node->value_set = detail::FilterValueSet::build(values);
  node->values = std::move(values);
  return node;
}

// and_/or_ splice in operands of the same kind, so chains like `f = f && g` stay one flat node
// (shallow recursion in evaluate and in the destructor), and a single operand stands for itself.
std::shared_ptr<const FilterNode> combine(FilterOp op,
                                          std::vector<std::shared_ptr<const FilterNode>> operands) {
  auto node = std::make_shared<FilterNode>();
  node->op = op;
  for (auto& operand : operands) {
    if (operand->op == op) {
      node->children.insert(node->children.end(), operand->children.begin(), operand->children.end());
    } else {
      node->children.push_back(std::move(operand));
    }
  }
  if (node->children.size() == 1) return std::move(node->children.front());
  return node;
}

}  // namespace

Filter Filter::eq(std::string key, MetadataValue value) {
  return Filter(make_leaf(FilterOp::kEq, std::move(key), std::move(value)));
}
Filter Filter::ne(std::string key, MetadataValue value) {
  return Filter(make_leaf(FilterOp::kNe, std::move(key), std::move(value)));
}
Filter Filter::lt(std::string key, MetadataValue value) {
  return Filter(make_leaf(FilterOp::kLt, std::move(key), std::move(value)));
}
Filter Filter::lte(std::string key, MetadataValue value) {
  return Filter(make_leaf(FilterOp::kLte, std::move(key), std::move(value)));
}
Filter Filter::gt(std::string key, MetadataValue value) {
  return Filter(make_leaf(FilterOp::kGt, std::move(key), std::move(value)));
}
Filter Filter::gte(std::string key, MetadataValue value) {
  return Filter(make_leaf(FilterOp::kGte, std::move(key), std::move(value)));
}
Filter Filter::in(std::string key, std::vector<MetadataValue> values) {
  return Filter(make_set(FilterOp::kIn, std::move(key), std::move(values)));
}
Filter Filter::not_in(std::string key, std::vector<MetadataValue> values) {
  return Filter(make_set(FilterOp::kNotIn, std::move(key), std::move(values)));
}
Filter Filter::exists(std::string key) { return Filter(make_leaf(FilterOp::kExists, std::move(key), {})); }

Filter Filter::and_(std::vector<Filter> operands) {
  std::vector<std::shared_ptr<const FilterNode>> nodes;
  nodes.reserve(operands.size());
  for (Filter& operand : operands) nodes.push_back(std::move(operand.node_));
  return Filter(combine(FilterOp::kAnd, std::move(nodes)));
}

Filter Filter::or_(std::vector<Filter> operands) {
  std::vector<std::shared_ptr<const FilterNode>> nodes;
  nodes.reserve(operands.size());
  for (Filter& operand : operands) nodes.push_back(std::move(operand.node_));
  return Filter(combine(FilterOp::kOr, std::move(nodes)));
}

Filter Filter::not_(Filter operand) {
  if (operand.node_->op == FilterOp::kNot) return Filter(operand.node_->children.front());
  auto node = std::make_shared<FilterNode>();
  node->op = FilterOp::kNot;
  node->children.push_back(std::move(operand.node_));
  return Filter(std::move(node));
}

bool Filter::matches(const Metadata& metadata) const { return detail::evaluate(*node_, metadata); }

}  // namespace strata
