// libFuzzer target for the command-line tool's parsers of untrusted input: --vector literals, CSV and
// JSON Lines records, .npy headers, and whole input files in every format. Any bytes must give a
// Status, never a crash, and whatever parses must respect the declared dimensions.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "input/npy_header.hpp"
#include "input/text_parsers.hpp"
#include "input/vector_reader.hpp"

namespace {

using namespace strata::cli;

constexpr std::size_t kMaxRecords = 4096;  // keeps each input fast; the readers are streaming anyway

void check(bool condition) {
  if (!condition) std::abort();
}

void check_finite(const std::vector<float>& v) {
  for (const float f : v) check(std::isfinite(f));
}

template <typename Fn>
void for_each_line(std::string_view text, Fn fn) {
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    fn(text.substr(0, newline));
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
}

void fuzz_reader(InputFormat format, std::string_view bytes, std::size_t dimensions) {
  auto in = std::make_unique<std::istringstream>(std::string(bytes));
  strata::Result<std::unique_ptr<VectorReader>> reader =
      make_vector_reader(format, std::move(in), "fuzz", {.dimensions = dimensions, .id_offset = 7});
  if (!reader) return;
  strata::VectorEntry entry;
  for (std::size_t i = 0; i < kMaxRecords; ++i) {
    strata::Result<bool> more = (*reader)->next(entry);
    if (!more || !*more) break;
    check(entry.vector.size() == dimensions);
    check(!entry.id.empty());
    check_finite(entry.vector);
    check((*reader)->bytes_read() <= bytes.size());
  }
}

}  // namespace

// The name is libFuzzer's.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // Byte 0 picks the parser, byte 1 the dimensions; the rest is the input.
  const unsigned selector = data[0] % 9;
  const std::size_t dimensions = 1 + data[1] % 8;
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

  switch (selector) {
    case 0: {
      strata::Result<std::vector<float>> v = parse_vector_text(input);
      if (v) {
        check(!v->empty());
        check_finite(*v);
      }
      if (std::optional<float> f = parse_float(input)) check(std::isfinite(*f));
      const std::string p = printable(input);
      check(p.find('\n') == std::string::npos);
      break;
    }
    case 1: {
      CsvRowParser csv(dimensions);
      for_each_line(input, [&](std::string_view line) {
        (void)split_csv_line(line);
        strata::Result<std::optional<ParsedRecord>> r = csv.parse_line(line);
        if (r && r->has_value()) {
          check((*r)->vector.size() == dimensions);
          check_finite((*r)->vector);
          check(!(*r)->id || !(*r)->id->empty());
        }
      });
      break;
    }
    case 2: {
      const std::size_t expected = data[1] & 0x80 ? 0 : dimensions;  // 0: any length
      for_each_line(input, [&](std::string_view line) {
        strata::Result<std::optional<ParsedRecord>> r = parse_jsonl_record(line, expected);
        if (r && r->has_value()) {
          check(expected == 0 || (*r)->vector.size() == expected);
          check(!(*r)->vector.empty());
          check_finite((*r)->vector);
        }
      });
      break;
    }
    case 3: {
      if (strata::Result<NpyPreamble> p = parse_npy_preamble(input)) check(p->dict_bytes <= kNpyMaxDictBytes);
      if (strata::Result<NpyHeader> h = parse_npy_dict(input)) check(h->columns > 0);
      break;
    }
    default:
      fuzz_reader(static_cast<InputFormat>(selector - 4), input, dimensions);
      break;
  }
  return 0;
}
