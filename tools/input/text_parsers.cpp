// Parsers of untrusted text input for the command-line tool (see text_parsers.hpp).
#include "input/text_parsers.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "input/json_metadata.hpp"

namespace strata::cli {

namespace {

constexpr std::size_t kMaxQuotedChars = 40;  // of a bad token, in error messages

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// A token quoted in an error message: printable and short, so the message stays on one line.
std::string quote(std::string_view token) {
  if (token.size() > kMaxQuotedChars) return "'" + printable(token.substr(0, kMaxQuotedChars)) + "...'";
  return "'" + printable(token) + "'";
}

double number_to_double(const nlohmann::json& v) {
  if (v.is_number_integer()) {
    return v.is_number_unsigned() ? static_cast<double>(v.get<std::uint64_t>())
                                  : static_cast<double>(v.get<std::int64_t>());
  }
  return v.get<double>();
}

// nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 1, column 7:";
// keep the column (the line is the file's, which the caller adds) and drop the jargon.
std::string clean_json_error(std::string_view what) {
  if (const auto pos = what.find("] "); pos != std::string_view::npos) what.remove_prefix(pos + 2);
  constexpr std::string_view kPrefix = "parse error at line 1, ";
  std::string message = "invalid JSON: ";
  if (what.substr(0, kPrefix.size()) == kPrefix) what.remove_prefix(kPrefix.size());
  message += printable(what.substr(0, 300));
  return message;
}

}  // namespace

std::optional<float> parse_float(std::string_view text) {
  text = trim(text);
  // from_chars rejects a leading '+', which Python and many CSV writers never emit but users type.
  if (text.size() >= 2 && text.front() == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  // Only decimal notation: from_chars would also take "inf", "nan" and "infinity".
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
      return std::nullopt;
    }
  }
  // Parse as double so that values below the float range round to zero instead of failing.
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (!std::isfinite(value) || std::fabs(value) > static_cast<double>(std::numeric_limits<float>::max())) {
    return std::nullopt;
  }
  return static_cast<float>(value);
}

Result<std::vector<float>> parse_vector_text(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '[') {
    if (text.back() != ']') return Status::invalid_argument("vector: '[' without a closing ']'");
    text = trim(text.substr(1, text.size() - 2));
  }
  if (text.empty()) return Status::invalid_argument("vector: no values");
  std::vector<float> values;
  std::size_t index = 0;
  for (;;) {
    const std::size_t comma = text.find(',');
    const std::string_view token = text.substr(0, comma);
    const std::optional<float> value = parse_float(token);
    if (!value) {
      return Status::invalid_argument(
          fmt::format("vector: element {} ({}) is not a finite number", index, quote(trim(token))));
    }
    values.push_back(*value);
    ++index;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return values;
}

Result<std::vector<std::string>> split_csv_line(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  for (;;) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      const std::size_t column = i + 1;
      ++i;
      for (;;) {
        if (i >= line.size()) {
          return Status::invalid_argument(fmt::format("unterminated quote opened at column {}", column));
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(line[i++]);
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',') {
        return Status::invalid_argument(
            fmt::format("unexpected character after the closing quote at column {}", i + 1));
      }
    } else {
      const std::size_t comma = line.find(',', i);
      const std::size_t end = comma == std::string_view::npos ? line.size() : comma;
      std::string_view raw = line.substr(i, end - i);
      while (!raw.empty() && is_blank(raw.back())) raw.remove_suffix(1);
      if (raw.find('"') != std::string_view::npos) {
        return Status::invalid_argument(fmt::format("a quote inside the unquoted field {}", quote(raw)));
      }
      field.assign(raw);
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return fields;
}

Result<std::optional<ParsedRecord>> CsvRowParser::parse_line(std::string_view line) {
  if (dimensions_ == 0) return Status::invalid_argument("CSV input needs the database's dimensions");
  if (trim(line).empty()) return std::optional<ParsedRecord>();
  Result<std::vector<std::string>> split = split_csv_line(line);
  if (!split) return split.status();
  std::vector<std::string>& fields = *split;

  if (!seen_first_line_) {
    seen_first_line_ = true;
    bool rest_numeric = true;
    for (std::size_t i = 1; i < fields.size() && rest_numeric; ++i)
      rest_numeric = parse_float(fields[i]).has_value();
    const bool data =
        rest_numeric && (parse_float(fields[0]).has_value() || fields.size() == dimensions_ + 1);
    if (!data) {
      if (fields.size() == dimensions_ + 1) {
        has_id_ = true;
      } else if (fields.size() == dimensions_) {
        has_id_ = false;
      } else {
        return Status::invalid_argument(
            fmt::format("the header has {} columns; expected {} (a vector) or {} (an id, then a vector)",
                        fields.size(), dimensions_, dimensions_ + 1));
      }
      return std::optional<ParsedRecord>();
    }
  }
  if (!has_id_) {
    if (fields.size() == dimensions_ + 1) {
      has_id_ = true;
    } else if (fields.size() == dimensions_) {
      has_id_ = false;
    } else {
      return Status::invalid_argument(
          fmt::format("{} fields; expected {} numbers, or an id and {} numbers (the database has {} "
                      "dimensions)",
                      fields.size(), dimensions_, dimensions_, dimensions_));
    }
  }
  const std::size_t first_value = *has_id_ ? 1 : 0;
  if (fields.size() != dimensions_ + first_value) {
    return Status::invalid_argument(fmt::format("{} fields; expected {} ({}{} numbers)", fields.size(),
                                                dimensions_ + first_value, *has_id_ ? "an id and " : "",
                                                dimensions_));
  }
  ParsedRecord record;
  if (*has_id_) {
    if (fields[0].empty()) return Status::invalid_argument("the id (field 1) is empty");
    record.id = std::move(fields[0]);
  }
  record.vector.reserve(dimensions_);
  for (std::size_t i = first_value; i < fields.size(); ++i) {
    const std::optional<float> value = parse_float(fields[i]);
    if (!value) {
      return Status::invalid_argument(
          fmt::format("field {} ({}) is not a finite number", i + 1, quote(fields[i])));
    }
    record.vector.push_back(*value);
  }
  return std::optional<ParsedRecord>(std::move(record));
}

Result<std::optional<ParsedRecord>> parse_jsonl_record(std::string_view line, std::size_t dimensions) {
  line = trim(line);
  if (line.empty()) return std::optional<ParsedRecord>();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    return Status::invalid_argument(clean_json_error(e.what()));
  }
  if (!doc.is_object()) return Status::invalid_argument("a record must be a JSON object");
  ParsedRecord record;
  bool has_vector = false;
  for (const auto& [key, value] : doc.items()) {
    if (key == "id") {
      if (value.is_string()) {
        record.id = value.get<std::string>();
        if (record.id->empty()) return Status::invalid_argument("\"id\" is empty");
      } else if (value.is_number_unsigned()) {
        record.id = std::to_string(value.get<std::uint64_t>());
      } else if (value.is_number_integer()) {
        record.id = std::to_string(value.get<std::int64_t>());
      } else {
        return Status::invalid_argument("\"id\" must be a string or an integer");
      }
    } else if (key == "vector") {
      if (!value.is_array()) return Status::invalid_argument("\"vector\" must be a list of numbers");
      if (value.empty()) return Status::invalid_argument("\"vector\" is empty");
      if (dimensions != 0 && value.size() != dimensions) {
        return Status::invalid_argument(fmt::format(
            "\"vector\" has {} values; the database has {} dimensions", value.size(), dimensions));
      }
      record.vector.reserve(value.size());
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_number()) {
          return Status::invalid_argument(fmt::format("\"vector\"[{}] is not a number", i));
        }
        const double d = number_to_double(value[i]);
        if (!std::isfinite(d) || std::fabs(d) > static_cast<double>(std::numeric_limits<float>::max())) {
          return Status::invalid_argument(fmt::format("\"vector\"[{}] is outside the float range", i));
        }
        record.vector.push_back(static_cast<float>(d));
      }
      has_vector = true;
    } else if (key == "metadata") {
      if (value.is_null()) continue;
      Result<Metadata> metadata = metadata_from_json(value);
      if (!metadata) return metadata.status();
      record.metadata = std::move(*metadata);
    } else {
      return Status::invalid_argument(
          fmt::format(R"(unknown key "{}" (a record has "id", "vector" and "metadata"))",
                      printable(key.substr(0, kMaxQuotedChars))));
    }
  }
  if (!has_vector) return Status::invalid_argument("the record has no \"vector\"");
  return std::optional<ParsedRecord>(std::move(record));
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == 0x7f) {
        out += fmt::format("\\x{:02x}", c);
      } else {
        out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    // Keep a well-formed UTF-8 sequence (no overlongs, surrogates or values past U+10FFFF).
    std::size_t length = 0;
    std::uint32_t min = 0;
    std::uint32_t code = 0;
    if ((c & 0xe0) == 0xc0) {
      length = 2, min = 0x80, code = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      length = 3, min = 0x800, code = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      length = 4, min = 0x10000, code = c & 0x07;
    }
    bool valid = length != 0 && i + length <= text.size();
    for (std::size_t j = 1; valid && j < length; ++j) {
      const auto cc = static_cast<unsigned char>(text[i + j]);
      valid = (cc & 0xc0) == 0x80;
      code = (code << 6) | (cc & 0x3f);
    }
    valid = valid && code >= min && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    }
  }
  return out;
}

}  // namespace strata::cli
