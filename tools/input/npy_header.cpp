// .npy header parsing: a small parser for the Python literal numpy writes, then validation.
#include "input/npy_header.hpp"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "input/text_parsers.hpp"

namespace strata::cli {

namespace {

constexpr int kMaxNesting = 8;  // numpy nests at most a list of tuples; deeper input is garbage

// A Python literal as found in .npy headers: strings, True/False/None, integers, tuples and lists.
struct PyValue {
  enum class Kind { kString, kBool, kNone, kInt, kSequence };
  Kind kind = Kind::kNone;
  std::string text;
  bool boolean = false;
  std::int64_t integer = 0;
  std::vector<PyValue> items;
};

class PyLiteralParser {
 public:
  explicit PyLiteralParser(std::string_view text) : text_(text) {}

  // Parses the dict into its (key, value) pairs, in order.
  Result<std::vector<std::pair<std::string, PyValue>>> parse_dict() {
    skip_blanks();
    if (!consume('{')) return error("expected '{'");
    std::vector<std::pair<std::string, PyValue>> entries;
    for (;;) {
      skip_blanks();
      if (consume('}')) break;
      Result<PyValue> key = parse_value(1);
      if (!key) return key.status();
      if (key->kind != PyValue::Kind::kString) return error("dict keys must be strings");
      skip_blanks();
      if (!consume(':')) return error("expected ':'");
      Result<PyValue> value = parse_value(1);
      if (!value) return value.status();
      entries.emplace_back(std::move(key->text), std::move(*value));
      skip_blanks();
      if (consume('}')) break;
      if (!consume(',')) return error("expected ',' or '}'");
    }
    skip_blanks();
    if (pos_ != text_.size()) return error("unexpected text after the dict");
    return entries;
  }

 private:
  Status error(std::string_view what) const {
    return Status::invalid_argument(fmt::format("bad .npy header: {} at offset {}", what, pos_));
  }
  void skip_blanks() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool consume_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }

  Result<PyValue> parse_value(int depth) {
    if (depth > kMaxNesting) return error("nesting too deep");
    skip_blanks();
    if (pos_ >= text_.size()) return error("unexpected end");
    PyValue value;
    const char c = text_[pos_];
    if (c == '\'' || c == '"') {
      ++pos_;
      value.kind = PyValue::Kind::kString;
      for (;;) {
        if (pos_ >= text_.size()) return error("unterminated string");
        char ch = text_[pos_++];
        if (ch == c) break;
        if (ch == '\\') {
          if (pos_ >= text_.size()) return error("unterminated string");
          ch = text_[pos_++];
        }
        value.text.push_back(ch);
      }
    } else if (c == '(' || c == '[') {
      const char close = c == '(' ? ')' : ']';
      ++pos_;
      value.kind = PyValue::Kind::kSequence;
      for (;;) {
        skip_blanks();
        if (consume(close)) break;
        Result<PyValue> item = parse_value(depth + 1);
        if (!item) return item.status();
        value.items.push_back(std::move(*item));
        skip_blanks();
        if (consume(close)) break;
        if (!consume(',')) return error(fmt::format("expected ',' or '{}'", close));
      }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const bool negative = consume('-');
      if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') return error("bad integer");
      std::int64_t n = 0;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        const int digit = text_[pos_++] - '0';
        if (n > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return error("integer too large");
        n = n * 10 + digit;
      }
      consume('L');  // Python 2 wrote long integers as 10L
      value.kind = PyValue::Kind::kInt;
      value.integer = negative ? -n : n;
    } else if (consume_word("True")) {
      value.kind = PyValue::Kind::kBool;
      value.boolean = true;
    } else if (consume_word("False")) {
      value.kind = PyValue::Kind::kBool;
    } else if (consume_word("None")) {
      value.kind = PyValue::Kind::kNone;
    } else {
      return error("unexpected character");
    }
    return value;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

std::uint64_t read_le(std::string_view bytes, std::size_t offset, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  }
  return v;
}

Result<NpyDtype> parse_descr(const PyValue& descr) {
  if (descr.kind != PyValue::Kind::kString) {
    return Status::invalid_argument(
        ".npy: structured arrays are not supported; save a plain float32 or uint8 array");
  }
  const std::string& d = descr.text;
  if (d == "<f4") return NpyDtype::kFloat32;
  if (d == "|u1" || d == "<u1" || d == ">u1" || d == "=u1" || d == "u1") return NpyDtype::kUint8;
  if (d == ">f4") {
    return Status::invalid_argument(
        ".npy: big-endian float32 ('>f4') is not supported; save a.astype('<f4')");
  }
  return Status::invalid_argument(fmt::format(
      ".npy: dtype '{}' is not supported; use float32 ('<f4') or uint8 ('|u1'), e.g. np.save(path, "
      "a.astype(np.float32))",
      printable(d.substr(0, 20))));
}

}  // namespace

Result<NpyPreamble> parse_npy_preamble(std::string_view bytes) {
  constexpr std::string_view kMagic = "\x93NUMPY";
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic) {
    return Status::invalid_argument("not a .npy file (no \\x93NUMPY magic)");
  }
  if (bytes.size() < kNpyMinPreambleBytes) return Status::invalid_argument(".npy: truncated header");
  const auto major = static_cast<unsigned char>(bytes[6]);
  NpyPreamble preamble;
  if (major == 1) {
    preamble.preamble_bytes = 10;
    preamble.dict_bytes = read_le(bytes, 8, 2);
  } else if (major == 2 || major == 3) {
    if (bytes.size() < kNpyMaxPreambleBytes) return Status::invalid_argument(".npy: truncated header");
    preamble.preamble_bytes = 12;
    preamble.dict_bytes = read_le(bytes, 8, 4);
  } else {
    return Status::invalid_argument(fmt::format(".npy: format version {} is not supported", major));
  }
  if (preamble.dict_bytes == 0 || preamble.dict_bytes > kNpyMaxDictBytes) {
    return Status::invalid_argument(fmt::format(".npy: implausible header length {}", preamble.dict_bytes));
  }
  return preamble;
}

Result<NpyHeader> parse_npy_dict(std::string_view dict) {
  // numpy pads the dict with spaces and a final newline; some writers pad with NULs.
  while (!dict.empty() && dict.back() == '\0') dict.remove_suffix(1);
  Result<std::vector<std::pair<std::string, PyValue>>> entries = PyLiteralParser(dict).parse_dict();
  if (!entries) return entries.status();
  const PyValue* descr = nullptr;
  const PyValue* fortran_order = nullptr;
  const PyValue* shape = nullptr;
  for (const auto& [key, value] : *entries) {
    if (key == "descr") {
      descr = &value;
    } else if (key == "fortran_order") {
      fortran_order = &value;
    } else if (key == "shape") {
      shape = &value;
    } else {
      return Status::invalid_argument(
          fmt::format(".npy: unexpected header key '{}'", printable(key.substr(0, 40))));
    }
  }
  if (descr == nullptr || fortran_order == nullptr || shape == nullptr) {
    return Status::invalid_argument(".npy: the header lacks 'descr', 'fortran_order' or 'shape'");
  }
  NpyHeader header;
  Result<NpyDtype> dtype = parse_descr(*descr);
  if (!dtype) return dtype.status();
  header.dtype = *dtype;
  if (fortran_order->kind != PyValue::Kind::kBool) {
    return Status::invalid_argument(".npy: 'fortran_order' must be True or False");
  }
  if (fortran_order->boolean) {
    return Status::invalid_argument(
        ".npy: Fortran-order arrays are not supported; save np.ascontiguousarray(a) instead");
  }
  if (shape->kind != PyValue::Kind::kSequence)
    return Status::invalid_argument(".npy: 'shape' must be a tuple");
  if (shape->items.size() != 2) {
    return Status::invalid_argument(fmt::format(
        ".npy: the array has {} dimensions; expected a 2-D array (rows, dimensions)", shape->items.size()));
  }
  for (const PyValue& extent : shape->items) {
    if (extent.kind != PyValue::Kind::kInt || extent.integer < 0) {
      return Status::invalid_argument(".npy: 'shape' must hold non-negative integers");
    }
  }
  header.rows = static_cast<std::size_t>(shape->items[0].integer);
  header.columns = static_cast<std::size_t>(shape->items[1].integer);
  if (header.columns == 0) return Status::invalid_argument(".npy: the array has 0 columns");
  // The data must be addressable: rows * columns * item size may not overflow.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() / 8;
  if (header.columns > limit / header.item_size() ||
      (header.rows != 0 && header.rows > limit / (header.columns * header.item_size()))) {
    return Status::invalid_argument(".npy: the array shape is implausibly large");
  }
  return header;
}

}  // namespace strata::cli
