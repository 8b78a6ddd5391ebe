// JSON <-> metadata conversions for the command-line tool.
#include "input/json_metadata.hpp"

#include <charconv>
#include <cstdint>
#include <limits>
#include <system_error>

#include <fmt/format.h>

namespace strata::cli {

namespace {

const char* json_type_name(const nlohmann::json& v) {
  if (v.is_number()) return "a number";
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "a list";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    default:
      return "an unsupported value";
  }
}

}  // namespace

Result<Metadata> metadata_from_json(const nlohmann::json& object) {
  if (!object.is_object()) {
    return Status::invalid_argument(
        fmt::format("\"metadata\" must be an object, got {}", json_type_name(object)));
  }
  Metadata metadata;
  for (const auto& [key, value] : object.items()) {
    switch (value.type()) {
      case nlohmann::json::value_t::string:
        metadata.emplace(key, value.get<std::string>());
        break;
      case nlohmann::json::value_t::boolean:
        metadata.emplace(key, value.get<bool>());
        break;
      case nlohmann::json::value_t::number_integer:
        metadata.emplace(key, value.get<std::int64_t>());
        break;
      case nlohmann::json::value_t::number_unsigned: {
        const auto u = value.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          return Status::invalid_argument(
              fmt::format("metadata \"{}\": integer {} does not fit in 64 bits", key, u));
        }
        metadata.emplace(key, static_cast<std::int64_t>(u));
        break;
      }
      case nlohmann::json::value_t::number_float:
        metadata.emplace(key, value.get<double>());
        break;
      case nlohmann::json::value_t::array: {
        std::vector<std::string> list;
        list.reserve(value.size());
        for (const auto& element : value) {
          if (!element.is_string()) {
            return Status::invalid_argument(fmt::format(
                "metadata \"{}\": a list may hold only strings, found {}", key, json_type_name(element)));
          }
          list.push_back(element.get<std::string>());
        }
        metadata.emplace(key, std::move(list));
        break;
      }
      default:
        return Status::invalid_argument(
            fmt::format("metadata \"{}\": expected a string, number, boolean or list of strings, got {}", key,
                        json_type_name(value)));
    }
  }
  return metadata;
}

OutputJson metadata_to_json(const Metadata& metadata) {
  OutputJson object = OutputJson::object();
  for (const auto& [key, value] : metadata) {
    std::visit([&, &k = key](const auto& v) { object[k] = v; }, value);
  }
  return object;
}

OutputJson float_to_json(float value) {
  // nlohmann prints doubles in shortest form, so go through the float's own shortest decimal.
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  auto d = static_cast<double>(value);
  if (ec == std::errc()) std::from_chars(buffer, end, d);
  return d;
}

OutputJson vector_to_json(std::span<const float> vector) {
  OutputJson array = OutputJson::array();
  for (const float f : vector) array.push_back(float_to_json(f));
  return array;
}

std::string dump_json(const OutputJson& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace strata::cli
