// Portable binary encoding of Metadata and of whole entries (internal): the byte form stored in
// LMDB values and inside dump records. Layout and compatibility rules: docs/dump-format.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "strata/status.hpp"
#include "strata/types.hpp"

namespace strata::io {

// One-byte type tags of metadata values. Values are part of the stored format: never renumber; a new
// value type gets a new tag, so old bytes keep decoding.
enum class MetadataTag : std::uint8_t {
  kString = 0x01,      // varint length, bytes
  kInt = 0x02,         // zigzag varint
  kDouble = 0x03,      // IEEE 754 binary64 bits, little-endian
  kFalse = 0x04,       // no payload
  kTrue = 0x05,        // no payload
  kStringList = 0x06,  // varint count, then each string as varint length, bytes
};

// Appends the encoding of `m` to `out`: varint entry count, then per entry (in key order) varint key
// length, key bytes, tag, value. The encoding is canonical: equal maps give equal bytes.
void encode_metadata(const Metadata& m, std::string& out);

// Decodes exactly `bytes` (trailing bytes are an error). On success `out` holds the map; on failure
// `out` is left unchanged and the Status is Corruption("metadata: ..."), or ResourceExhausted when
// memory runs out. Safe on untrusted input: never reads past `bytes`, never allocates more than the
// input can justify, always terminates.
Status decode_metadata(std::string_view bytes, Metadata& out);

// Appends one entry: varint id length, id bytes, varint dimension count, float32 components
// (little-endian), then encode_metadata of `m`.
void encode_entry(std::string_view id, std::span<const float> v, const Metadata& m, std::string& out);

// Decodes exactly `bytes` as written by encode_entry. Corruption("entry: ...") when malformed or when
// the vector does not have `expected_dim` components. On failure `out` is left unchanged.
Status decode_entry(std::string_view bytes, std::size_t expected_dim, VectorEntry& out);

// Primitives shared by the binary formats of src/io.

// LEB128: 7 bits per byte, least significant group first, high bit set on all but the last byte.
inline constexpr std::size_t kMaxVarintBytes = 10;
void put_varint(std::uint64_t v, std::string& out);
void put_fixed32(std::uint32_t v, std::string& out);  // little-endian
void put_fixed64(std::uint64_t v, std::string& out);  // little-endian
std::uint32_t load_fixed32(const char* p) noexcept;   // little-endian, unaligned
std::uint64_t load_fixed64(const char* p) noexcept;   // little-endian, unaligned

// A bounds-checked cursor over bytes. Every read either consumes input and returns true, or returns
// false, consumes nothing and sets error() to a short description ("truncated", ...).
// Thread safety: none; one cursor per thread.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) noexcept : bytes_(bytes) {}

  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  std::size_t offset() const noexcept { return pos_; }
  bool at_end() const noexcept { return pos_ == bytes_.size(); }
  const char* error() const noexcept { return error_; }

  bool read_u8(std::uint8_t& v) noexcept;
  bool read_fixed32(std::uint32_t& v) noexcept;
  bool read_fixed64(std::uint64_t& v) noexcept;
  // Rejects encodings longer than needed, so every value has exactly one byte form.
  bool read_varint(std::uint64_t& v) noexcept;
  // A view of the next n bytes, valid as long as the underlying bytes.
  bool read_bytes(std::size_t n, std::string_view& v) noexcept;
  // A varint length followed by that many bytes.
  bool read_length_prefixed(std::string_view& v) noexcept;

 private:
  bool fail(const char* what) noexcept {
    error_ = what;
    return false;
  }

  std::string_view bytes_;
  std::size_t pos_ = 0;
  const char* error_ = "";
};

}  // namespace strata::io
