// Bounds-checked little-endian encoding shared by the quantizers' serialize/deserialize, whose bytes are
// persisted in LMDB and must be parsed safely when damaged. Not API.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "strata/status.hpp"

namespace strata::detail {

// CRC-32C (Castagnoli), bitwise-table form: parameters are a few kilobytes, read once per open, so a
// simple table is fast enough and keeps the library free of a zlib dependency.
inline std::uint32_t crc32c(std::string_view bytes) noexcept {
  static constexpr std::array<std::uint32_t, 256> kTable = [] {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int b = 0; b < 8; ++b) c = (c & 1u) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    return table;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (char ch : bytes) crc = kTable[(crc ^ static_cast<std::uint8_t>(ch)) & 0xFFu] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

// Appends fixed-width little-endian fields to a string.
// Thread safety: one thread per writer (and per target string).
class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out), start_(out.size()) {}

  void put_u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void put_u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
  }
  void put_u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
  }
  void put_f32(float v) { put_u32(std::bit_cast<std::uint32_t>(v)); }
  void put_floats(const float* v, std::size_t n) {
    out_.reserve(out_.size() + 4 * n);
    for (std::size_t i = 0; i < n; ++i) put_f32(v[i]);
  }
  // Appends the CRC-32C of everything this writer appended; call last.
  void finish() { put_u32(crc32c(std::string_view(out_).substr(start_))); }

 private:
  std::string& out_;
  std::size_t start_;
};

// Reads fields written by ByteWriter. Every read checks the remaining length first and returns false
// instead of reading past the end, so truncated input cannot crash the parser.
// Thread safety: one thread per reader; the bytes it views must outlive it.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  bool get_u8(std::uint8_t& v) noexcept {
    if (remaining() < 1) return false;
    v = static_cast<std::uint8_t>(bytes_[pos_++]);
    return true;
  }
  bool get_u32(std::uint32_t& v) noexcept {
    if (remaining() < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<std::uint8_t>(bytes_[pos_++])} << (8 * i);
    return true;
  }
  bool get_u64(std::uint64_t& v) noexcept {
    if (remaining() < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<std::uint8_t>(bytes_[pos_++])} << (8 * i);
    return true;
  }
  // Also rejects NaN and infinities: no trained parameter is ever non-finite.
  bool get_f32(float& v) noexcept {
    std::uint32_t bits = 0;
    if (!get_u32(bits)) return false;
    v = std::bit_cast<float>(bits);
    return std::isfinite(v);
  }
  // Checks the length before the caller allocates n floats, so a forged count cannot ask for gigabytes.
  bool has_floats(std::size_t n) const noexcept { return n <= remaining() / 4; }
  bool get_floats(float* v, std::size_t n) noexcept {
    if (!has_floats(n)) return false;
    for (std::size_t i = 0; i < n; ++i) {
      if (!get_f32(v[i])) return false;
    }
    return true;
  }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

// Checks the envelope every quantizer uses: [tag byte][version byte][payload][CRC-32C of the preceding
// bytes]. On success *payload holds the bytes between the version and the CRC.
inline Status open_envelope(std::string_view bytes, std::uint8_t tag, std::uint8_t version,
                            std::string_view what, std::string_view* payload) {
  if (bytes.size() < 6) return Status::corruption(std::string(what) + ": too short");
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  ByteReader crc_reader(bytes.substr(bytes.size() - 4));
  std::uint32_t stored = 0;
  (void)crc_reader.get_u32(stored);
  if (crc32c(body) != stored) return Status::corruption(std::string(what) + ": checksum mismatch");
  if (static_cast<std::uint8_t>(body[0]) != tag)
    return Status::corruption(std::string(what) + ": wrong type tag");
  if (static_cast<std::uint8_t>(body[1]) != version) {
    return Status::corruption(std::string(what) + ": unsupported format version " +
                              std::to_string(static_cast<std::uint8_t>(body[1])));
  }
  *payload = body.substr(2);
  return Status::ok();
}

// Writes the tag and version that open_envelope expects; finish the writer after the payload.
inline void begin_envelope(ByteWriter& writer, std::uint8_t tag, std::uint8_t version) {
  writer.put_u8(tag);
  writer.put_u8(version);
}

}  // namespace strata::detail
