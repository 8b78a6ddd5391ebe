// Parser of the NumPy .npy header (magic, version, and the Python dict literal that describes the
// array), kept apart from file reading so that the fuzz target can feed it arbitrary bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "strata/status.hpp"

namespace strata::cli {

enum class NpyDtype { kFloat32, kUint8 };

// A 2-D C-order array of float32 or uint8, as described by a validated header.
struct NpyHeader {
  NpyDtype dtype = NpyDtype::kFloat32;
  std::size_t rows = 0;
  std::size_t columns = 0;
  std::size_t item_size() const noexcept { return dtype == NpyDtype::kFloat32 ? 4 : 1; }
};

// The fixed start of a .npy file: "\x93NUMPY", major and minor version, then the length of the dict
// text as a little-endian uint16 (version 1) or uint32 (versions 2 and 3).
struct NpyPreamble {
  std::size_t preamble_bytes = 0;  // 10 or 12
  std::size_t dict_bytes = 0;      // the dict text that follows, padding included
};

inline constexpr std::size_t kNpyMinPreambleBytes = 10;
inline constexpr std::size_t kNpyMaxPreambleBytes = 12;
inline constexpr std::size_t kNpyMaxDictBytes = 1 << 20;  // numpy writes a few hundred bytes

// Parses the preamble from the first bytes of a file (at least 12 bytes, or the whole file if shorter).
Result<NpyPreamble> parse_npy_preamble(std::string_view bytes);

// Parses the dict, e.g. "{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 128), }", and checks
// that it describes what strata can read: dtype '<f4' or '|u1', C order, two dimensions.
Result<NpyHeader> parse_npy_dict(std::string_view dict);

}  // namespace strata::cli
