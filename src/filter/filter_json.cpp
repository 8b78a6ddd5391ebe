// The JSON form of filters (docs/filters.md): Filter::from_json, which never throws and names the
// problem and its place in every error, and Filter::to_json, which emits a canonical form.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "strata/detail/filter_node.hpp"
#include "strata/filter.hpp"

namespace strata {
namespace {

// ordered_json keeps the document's key order, so conditions are evaluated in the order written.
using Json = nlohmann::ordered_json;
using detail::FilterNode;
using detail::FilterOp;

// Deeper documents are rejected before nlohmann builds them. This bounds the recursion of the
// converter below and of nlohmann's own recursive code (destruction, dump) on parsed documents.
constexpr int kMaxDepth = 64;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }
std::string quote(std::string_view s) { return dump(Json(std::string(s))); }

// True when brackets nest deeper than kMaxDepth outside string literals. Malformed input is left
// for nlohmann to diagnose; this only has to be right for well-formed documents.
bool nesting_too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// Keeps nlohmann's description of the first syntax error. Run only after a parse has failed, since
// the DOM parser with exceptions disabled reports no reason.
class SyntaxErrorCapture final : public nlohmann::json_sax<Json> {
 public:
  bool null() override { return true; }
  bool boolean(bool /*value*/) override { return true; }
  bool number_integer(number_integer_t /*value*/) override { return true; }
  bool number_unsigned(number_unsigned_t /*value*/) override { return true; }
  bool number_float(number_float_t /*value*/, const string_t& /*text*/) override { return true; }
  bool string(string_t& /*value*/) override { return true; }
  bool binary(binary_t& /*value*/) override { return true; }
  bool start_object(std::size_t /*size*/) override { return true; }
  bool key(string_t& /*key*/) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t /*size*/) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const Json::exception& ex) override {
    message_ = ex.what();
    return false;
  }

  // "parse error at line 1, column 3: syntax error ...", without nlohmann's "[json.exception...]" tag.
  // nlohmann quotes the bytes it last read, which may be invalid UTF-8; messages stay ASCII.
  std::string message() const {
    const auto tag_end = message_.find("] ");
    std::string out = tag_end == std::string::npos ? message_ : message_.substr(tag_end + 2);
    for (char& c : out) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
    return out;
  }

 private:
  std::string message_ = "unknown syntax error";
};

bool is_operator(std::string_view key) { return key.starts_with('$') && !key.starts_with("$$"); }

// Field names starting with '$' are written with the '$' doubled, so they cannot be read as operators.
std::string unescape_field(std::string_view key) {
  return std::string(key.starts_with("$$") ? key.substr(1) : key);
}
std::string escape_field(const std::string& field) { return field.starts_with('$') ? "$" + field : field; }

// A JSON string, number or boolean as a metadata value; nullopt for anything else.
std::optional<MetadataValue> scalar_value(const Json& j) {
  if (const auto* s = j.get_ptr<const Json::string_t*>()) return MetadataValue(*s);
  if (const auto* b = j.get_ptr<const Json::boolean_t*>()) return MetadataValue(*b);
  if (const auto* u = j.get_ptr<const Json::number_unsigned_t*>()) {
    if (*u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return MetadataValue(static_cast<std::int64_t>(*u));
    }
    return MetadataValue(static_cast<double>(*u));
  }
  if (const auto* i = j.get_ptr<const Json::number_integer_t*>()) return MetadataValue(std::int64_t{*i});
  if (const auto* d = j.get_ptr<const Json::number_float_t*>()) return MetadataValue(*d);
  return std::nullopt;
}

// A scalar or an array of strings (a list value); nullopt for anything else.
std::optional<MetadataValue> eq_value(const Json& j) {
  if (!j.is_array()) return scalar_value(j);
  std::vector<std::string> list;
  list.reserve(j.size());
  for (const Json& element : j) {
    const auto* s = element.get_ptr<const Json::string_t*>();
    if (s == nullptr) return std::nullopt;
    list.push_back(*s);
  }
  return MetadataValue(std::move(list));
}

// What a rejected value was, for messages: "null", or "array holding a number at index 2".
std::string describe(const Json& j) {
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (!j[i].is_string()) return fmt::format("an array holding {} at index {}", describe(j[i]), i);
    }
  }
  if (j.is_object()) return "an object";
  if (j.is_array()) return "an array";
  if (j.is_null()) return "null";
  return fmt::format("a {}", j.type_name());
}

constexpr std::string_view kValueKinds = "a string, number, boolean or array of strings";

// Converts a parsed document to a Filter, tracking where it is for error messages.
class Converter {
 public:
  // `object` is a filter object: every key/value pair must match.
  Result<Filter> conditions(const Json& object, int depth) {
    if (depth > kMaxDepth) return error(fmt::format("nesting deeper than {} levels", kMaxDepth));
    std::vector<Filter> parts;
    parts.reserve(object.size());
    for (auto it = object.begin(); it != object.end(); ++it) {
      Result<Filter> part = is_operator(it.key()) ? logical(it.key(), it.value(), depth)
                                                  : field(unescape_field(it.key()), it.value());
      if (!part) return part.status();
      parts.push_back(std::move(*part));
    }
    return Filter::and_(std::move(parts));
  }

 private:
  Status error(std::string_view what) const {
    if (where_.empty()) return Status::invalid_argument(fmt::format("filter: {}", what));
    return Status::invalid_argument(fmt::format("filter: {} (in {})", what, where_));
  }

  // Converts `object` as the filter found at `step` ("$not", "$and[2]") below the current place.
  Result<Filter> nested(std::string_view step, const Json& object, int depth) {
    const std::size_t saved = where_.size();
    if (!where_.empty()) where_ += '.';
    where_ += step;
    Result<Filter> result = conditions(object, depth + 1);
    where_.resize(saved);
    return result;
  }

  Result<Filter> logical(const std::string& op, const Json& operand, int depth) {
    if (op == "$and" || op == "$or") {
      if (!operand.is_array()) {
        return error(fmt::format("\"{}\" expects an array of filter objects, got {}", op, describe(operand)));
      }
      std::vector<Filter> parts;
      parts.reserve(operand.size());
      for (std::size_t i = 0; i < operand.size(); ++i) {
        if (!operand[i].is_object()) {
          return error(fmt::format("\"{}\" expects an array of filter objects, got {} at index {}", op,
                                   describe(operand[i]), i));
        }
        Result<Filter> part = nested(fmt::format("{}[{}]", op, i), operand[i], depth);
        if (!part) return part.status();
        parts.push_back(std::move(*part));
      }
      return op == "$and" ? Filter::and_(std::move(parts)) : Filter::or_(std::move(parts));
    }
    if (op == "$not") {
      if (!operand.is_object()) {
        return error(fmt::format("\"$not\" expects a filter object, got {}", describe(operand)));
      }
      Result<Filter> inner = nested(op, operand, depth);
      if (!inner) return inner.status();
      return Filter::not_(std::move(*inner));
    }
    if (is_field_operator(op)) {
      return error(
          fmt::format("operator {} needs a field, as in {{\"price\": {{{}: ...}}}}", quote(op), quote(op)));
    }
    return error(fmt::format("unknown operator {}", quote(op)));
  }

  Result<Filter> field(const std::string& name, const Json& value) {
    if (!value.is_object()) {
      std::optional<MetadataValue> v = eq_value(value);
      if (!v) {
        return error(fmt::format("value of {} must be {}, got {}{}", quote(name), kValueKinds,
                                 describe(value),
                                 value.is_array() ? " (use \"$in\" to match any of several values)" : ""));
      }
      return Filter::eq(name, std::move(*v));
    }
    if (value.empty()) return error(fmt::format("no operators in the object given for {}", quote(name)));
    std::vector<Filter> parts;
    parts.reserve(value.size());
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!is_operator(it.key())) {
        return error(
            fmt::format("value of {} is an object with key {}, which is not an operator; nested objects "
                        "are not supported",
                        quote(name), quote(it.key())));
      }
      Result<Filter> part = field_operator(name, it.key(), it.value());
      if (!part) return part.status();
      parts.push_back(std::move(*part));
    }
    return Filter::and_(std::move(parts));
  }

  static bool is_field_operator(std::string_view op) {
    constexpr std::array<std::string_view, 9> kFieldOperators = {"$eq",  "$ne", "$lt",  "$lte",   "$gt",
                                                                 "$gte", "$in", "$nin", "$exists"};
    return std::ranges::find(kFieldOperators, op) != kFieldOperators.end();
  }

  Result<Filter> field_operator(const std::string& name, const std::string& op, const Json& operand) {
    const auto expects = [&](std::string_view what, const std::string& got) {
      return error(fmt::format("{} on {} expects {}, got {}", quote(op), quote(name), what, got));
    };
    if (op == "$eq" || op == "$ne") {
      std::optional<MetadataValue> v = eq_value(operand);
      if (!v) return expects(kValueKinds, describe(operand));
      return op == "$eq" ? Filter::eq(name, std::move(*v)) : Filter::ne(name, std::move(*v));
    }
    if (op == "$lt" || op == "$lte" || op == "$gt" || op == "$gte") {
      if (!operand.is_number() && !operand.is_string()) {
        return expects("a number or a string", describe(operand));
      }
      MetadataValue v = *scalar_value(operand);
      if (op == "$lt") return Filter::lt(name, std::move(v));
      if (op == "$lte") return Filter::lte(name, std::move(v));
      if (op == "$gt") return Filter::gt(name, std::move(v));
      return Filter::gte(name, std::move(v));
    }
    if (op == "$in" || op == "$nin") {
      if (!operand.is_array()) return expects("an array", describe(operand));
      std::vector<MetadataValue> values;
      values.reserve(operand.size());
      for (std::size_t i = 0; i < operand.size(); ++i) {
        std::optional<MetadataValue> v = eq_value(operand[i]);
        if (!v) {
          return error(fmt::format("{} on {} expects an array of values ({} each); element {} is {}",
                                   quote(op), quote(name), kValueKinds, i, describe(operand[i])));
        }
        values.push_back(std::move(*v));
      }
      return op == "$in" ? Filter::in(name, std::move(values)) : Filter::not_in(name, std::move(values));
    }
    if (op == "$exists") {
      const auto* b = operand.get_ptr<const Json::boolean_t*>();
      if (b == nullptr) return expects("true or false", describe(operand));
      return *b ? Filter::exists(name) : Filter::not_(Filter::exists(name));
    }
    if (op == "$and" || op == "$or" || op == "$not") {
      return error(
          fmt::format("{} on {} is not supported; logical operators take whole filters, as in "
                      "{{{}: ...}} at the top level",
                      quote(op), quote(name), quote(op)));
    }
    return error(fmt::format("unknown operator {} on {}", quote(op), quote(name)));
  }

  std::string where_;  // path through $and/$or/$not to the object being converted, "" at the top
};

Result<Filter> parse(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::invalid_argument("filter: empty input");
  }
  // nlohmann stops at a NUL byte as if the input ended there, which would hide what follows it.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    return Status::invalid_argument(fmt::format("filter: invalid JSON: NUL byte at offset {}", nul));
  }
  if (nesting_too_deep(text)) {
    return Status::invalid_argument(fmt::format("filter: nesting deeper than {} levels", kMaxDepth));
  }
  // nlohmann keeps the last of duplicate keys, which would silently drop a condition.
  std::vector<std::unordered_set<std::string>> open_objects;
  std::optional<std::string> duplicate;
  const Json::parser_callback_t find_duplicates = [&](int, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == Json::parse_event_t::key && !open_objects.empty() && !duplicate) {
      if (const auto* key = parsed.get_ptr<const Json::string_t*>()) {
        if (!open_objects.back().insert(*key).second) duplicate = *key;
      }
    }
    return true;
  };
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  const Json doc = Json::parse(begin, end, find_duplicates, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    SyntaxErrorCapture capture;
    (void)Json::sax_parse(begin, end, &capture);
    return Status::invalid_argument(fmt::format("filter: invalid JSON: {}", capture.message()));
  }
  if (duplicate) return Status::invalid_argument(fmt::format("filter: duplicate key {}", quote(*duplicate)));
  if (!doc.is_object()) {
    return Status::invalid_argument(fmt::format("filter: expected a JSON object, got {}", describe(doc)));
  }
  return Converter().conditions(doc, 1);
}

// ---- to_json ----

Filter always() { return Filter::and_({}); }
Filter never() { return Filter::or_({}); }

bool is_finite_value(const MetadataValue& v) {
  const auto* d = std::get_if<double>(&v);
  return d == nullptr || std::isfinite(*d);
}

// A filter equal to `node` without NaN or infinite operands, which JSON cannot write; nullopt when
// `node` has none. NaN equals and orders against nothing; an infinity is the values beyond ±DBL_MAX.
std::optional<Filter> finite_equivalent(const FilterNode& node) {
  const std::string& k = node.key;
  if (node.op == FilterOp::kIn || node.op == FilterOp::kNotIn) {
    std::vector<MetadataValue> finite;
    std::vector<Filter> alternatives;
    for (const MetadataValue& v : node.values) {
      if (is_finite_value(v)) {
        finite.push_back(v);
      } else if (!std::isnan(std::get<double>(v))) {
        alternatives.push_back(Filter::eq(k, v));  // rewritten in turn when written
      }
    }
    if (finite.size() == node.values.size()) return std::nullopt;
    alternatives.insert(alternatives.begin(), Filter::in(k, std::move(finite)));
    Filter any = Filter::or_(std::move(alternatives));
    return node.op == FilterOp::kIn ? any : Filter::not_(std::move(any));
  }
  if (node.op > FilterOp::kGte || is_finite_value(node.value)) return std::nullopt;
  const double d = std::get<double>(node.value);
  if (std::isnan(d)) return node.op == FilterOp::kNe ? always() : never();
  const bool positive = d > 0;
  // The field holds exactly this infinity: it is beyond the largest finite double on its side.
  Filter is_inf = positive ? Filter::gt(k, DBL_MAX) : Filter::lt(k, -DBL_MAX);
  Filter is_other_number = positive ? Filter::lte(k, DBL_MAX) : Filter::gte(k, -DBL_MAX);
  switch (node.op) {
    case FilterOp::kEq:
      return is_inf;
    case FilterOp::kNe:
      return Filter::not_(is_inf);
    case FilterOp::kLt:
      return positive ? is_other_number : never();
    case FilterOp::kLte:
      return positive ? is_other_number || is_inf : is_inf;
    case FilterOp::kGt:
      return positive ? never() : is_other_number;
    default:
      return positive ? is_inf : is_other_number || is_inf;  // kGte
  }
}

Json value_json(const MetadataValue& v) {
  return std::visit([](const auto& x) { return Json(x); }, v);
}

Json field_json(const std::string& field, Json condition) {
  Json out = Json::object();
  out[escape_field(field)] = std::move(condition);
  return out;
}

Json operator_json(const std::string& field, const char* op, Json operand) {
  Json condition = Json::object();
  condition[op] = std::move(operand);
  return field_json(field, std::move(condition));
}

Json node_json(const FilterNode& node) {
  if (std::optional<Filter> finite = finite_equivalent(node)) return node_json(finite->node());
  const auto list_json = [&] {
    Json list = Json::array();
    for (const MetadataValue& v : node.values) list.push_back(value_json(v));
    return list;
  };
  const auto ordered = [&](const char* op) {
    // Bools and lists have no order, so such a comparison never matches.
    if (!std::holds_alternative<std::string>(node.value) &&
        !std::holds_alternative<std::int64_t>(node.value) && !std::holds_alternative<double>(node.value)) {
      return node_json(never().node());
    }
    return operator_json(node.key, op, value_json(node.value));
  };
  switch (node.op) {
    case FilterOp::kEq:
      return field_json(node.key, value_json(node.value));
    case FilterOp::kNe:
      return operator_json(node.key, "$ne", value_json(node.value));
    case FilterOp::kLt:
      return ordered("$lt");
    case FilterOp::kLte:
      return ordered("$lte");
    case FilterOp::kGt:
      return ordered("$gt");
    case FilterOp::kGte:
      return ordered("$gte");
    case FilterOp::kIn:
      return operator_json(node.key, "$in", list_json());
    case FilterOp::kNotIn:
      return operator_json(node.key, "$nin", list_json());
    case FilterOp::kExists:
      return operator_json(node.key, "$exists", true);
    case FilterOp::kNot: {
      const FilterNode& child = *node.children.front();
      if (child.op == FilterOp::kExists) return operator_json(child.key, "$exists", false);
      Json out = Json::object();
      out["$not"] = node_json(child);
      return out;
    }
    case FilterOp::kOr: {
      Json list = Json::array();
      for (const auto& child : node.children) list.push_back(node_json(*child));
      Json out = Json::object();
      out["$or"] = std::move(list);
      return out;
    }
    case FilterOp::kAnd: {
      // Operands with distinct keys share one object, the way people write filters by hand.
      Json merged = Json::object();
      Json list = Json::array();
      bool disjoint = true;
      for (const auto& child : node.children) {
        Json part = node_json(*child);
        for (auto it = part.begin(); disjoint && it != part.end(); ++it) {
          if (merged.contains(it.key())) {
            disjoint = false;
          } else {
            merged[it.key()] = it.value();
          }
        }
        list.push_back(std::move(part));
      }
      if (disjoint) return merged;
      Json out = Json::object();
      out["$and"] = std::move(list);
      return out;
    }
  }
  return Json::object();  // unreachable: every op is handled above
}

}  // namespace

Result<Filter> Filter::from_json(std::string_view json) {
  try {
    return parse(json);
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("filter: out of memory while parsing");
  } catch (const std::exception& e) {
    // Not expected: parsing runs with exceptions disabled. Kept so none can cross the API.
    return Status::invalid_argument(fmt::format("filter: {}", e.what()));
  }
}

// Strings that are not valid UTF-8 are written with U+FFFD in place of the bad bytes.
std::string Filter::to_json() const { return dump(node_json(*node_)); }

}  // namespace strata
