// Conversions between strata metadata / vectors and JSON values, shared by the JSON Lines reader and
// the --json output of the command-line tool.
#pragma once

#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "strata/status.hpp"
#include "strata/types.hpp"

namespace strata::cli {

// A JSON object whose values are strings, integers (int64), floats, booleans or lists of strings.
// InvalidArgument names the offending key otherwise.
Result<Metadata> metadata_from_json(const nlohmann::json& object);

// Output keeps keys in the order written ("id" before "distance"), which reads better than sorted.
using OutputJson = nlohmann::ordered_json;

OutputJson metadata_to_json(const Metadata& metadata);

// Floats as the shortest decimal that reads back to the same float ("0.1", not 0.10000000149011612).
OutputJson float_to_json(float value);
OutputJson vector_to_json(std::span<const float> vector);

// Serialises without throwing on invalid UTF-8 in ids or metadata (replaced by U+FFFD).
std::string dump_json(const OutputJson& value, int indent = -1);

}  // namespace strata::cli
