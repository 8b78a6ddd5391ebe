// Metadata and entry encoding: compact, canonical and safe to decode from untrusted bytes.
#include "io/metadata_codec.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace strata::io {

namespace {

// Zigzag maps small negative numbers to small unsigned ones, so -1 takes one varint byte, not ten.
std::uint64_t zigzag(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>((v >> 1) ^ (0 - (v & 1)));
}

void put_string(std::string_view s, std::string& out) {
  put_varint(s.size(), out);
  out.append(s);
}

Status corrupt(std::size_t index, std::size_t offset, std::string_view problem) {
  return Status::corruption(fmt::format("metadata: entry {} at byte {}: {}", index, offset, problem));
}

// Decodes one value after its tag. Every branch consumes at least the tag, so callers' loops advance.
Status decode_value(ByteReader& in, std::uint8_t tag, std::size_t index, MetadataValue& value) {
  const std::size_t at = in.offset();
  switch (static_cast<MetadataTag>(tag)) {
    case MetadataTag::kString: {
      std::string_view s;
      if (!in.read_length_prefixed(s)) return corrupt(index, at, fmt::format("string value: {}", in.error()));
      value.emplace<std::string>(s);
      return Status::ok();
    }
    case MetadataTag::kInt: {
      std::uint64_t z = 0;
      if (!in.read_varint(z)) return corrupt(index, at, fmt::format("integer value: {}", in.error()));
      value.emplace<std::int64_t>(unzigzag(z));
      return Status::ok();
    }
    case MetadataTag::kDouble: {
      std::uint64_t bits = 0;
      if (!in.read_fixed64(bits)) return corrupt(index, at, fmt::format("double value: {}", in.error()));
      value.emplace<double>(std::bit_cast<double>(bits));
      return Status::ok();
    }
    case MetadataTag::kFalse:
      value.emplace<bool>(false);
      return Status::ok();
    case MetadataTag::kTrue:
      value.emplace<bool>(true);
      return Status::ok();
    case MetadataTag::kStringList: {
      std::uint64_t count = 0;
      if (!in.read_varint(count)) return corrupt(index, at, fmt::format("list length: {}", in.error()));
      // Each element needs at least its one-byte length, so a count beyond the remaining bytes is a lie;
      // checking it first keeps reserve() bounded by the input size.
      if (count > in.remaining()) {
        return corrupt(index, at,
                       fmt::format("list of {} strings but only {} bytes remain", count, in.remaining()));
      }
      std::vector<std::string> list;
      list.reserve(static_cast<std::size_t>(count));
      for (std::uint64_t i = 0; i < count; ++i) {
        std::string_view s;
        if (!in.read_length_prefixed(s)) {
          return corrupt(index, in.offset(), fmt::format("list element {}: {}", i, in.error()));
        }
        list.emplace_back(s);
      }
      value.emplace<std::vector<std::string>>(std::move(list));
      return Status::ok();
    }
  }
  return corrupt(index, at - 1, fmt::format("unknown type tag 0x{:02x}", tag));
}

Status decode_metadata_from(ByteReader& in, Metadata& out) {
  std::uint64_t count = 0;
  if (!in.read_varint(count)) return Status::corruption(fmt::format("metadata: entry count: {}", in.error()));
  // The smallest entry is two bytes (empty key, a bool tag); more entries than that allows is a lie.
  if (count > in.remaining() / 2) {
    return Status::corruption(
        fmt::format("metadata: {} entries declared but only {} bytes remain", count, in.remaining()));
  }
  Metadata m;
  std::string_view previous;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::size_t at = in.offset();
    std::string_view key;
    if (!in.read_length_prefixed(key)) return corrupt(i, at, fmt::format("key: {}", in.error()));
    // Strictly increasing keys keep the encoding canonical and reject duplicates without a lookup.
    if (i > 0 && !(previous < key)) return corrupt(i, at, "keys out of order or duplicated");
    previous = key;
    std::uint8_t tag = 0;
    if (!in.read_u8(tag)) return corrupt(i, in.offset(), fmt::format("type tag: {}", in.error()));
    MetadataValue value;
    STRATA_RETURN_IF_ERROR(decode_value(in, tag, i, value));
    m.emplace_hint(m.end(), std::string(key), std::move(value));
  }
  out = std::move(m);
  return Status::ok();
}

}  // namespace

void put_varint(std::uint64_t v, std::string& out) {
  char buf[kMaxVarintBytes];
  std::size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}

void put_fixed32(std::uint32_t v, std::string& out) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out.append(buf, 4);
}

void put_fixed64(std::uint64_t v, std::string& out) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out.append(buf, 8);
}

std::uint32_t load_fixed32(const char* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::uint64_t load_fixed64(const char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

bool ByteReader::read_u8(std::uint8_t& v) noexcept {
  if (remaining() < 1) return fail("truncated");
  v = static_cast<std::uint8_t>(bytes_[pos_++]);
  return true;
}

bool ByteReader::read_fixed32(std::uint32_t& v) noexcept {
  if (remaining() < 4) return fail("truncated");
  v = load_fixed32(bytes_.data() + pos_);
  pos_ += 4;
  return true;
}

bool ByteReader::read_fixed64(std::uint64_t& v) noexcept {
  if (remaining() < 8) return fail("truncated");
  v = load_fixed64(bytes_.data() + pos_);
  pos_ += 8;
  return true;
}

bool ByteReader::read_varint(std::uint64_t& v) noexcept {
  std::uint64_t result = 0;
  for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
    if (pos_ + i >= bytes_.size()) return fail("truncated varint");
    const auto byte = static_cast<std::uint8_t>(bytes_[pos_ + i]);
    // The tenth byte holds only bit 63.
    if (i == kMaxVarintBytes - 1 && byte > 1) return fail("varint overflows 64 bits");
    result |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      if (byte == 0 && i > 0) return fail("non-canonical varint");
      v = result;
      pos_ += i + 1;
      return true;
    }
  }
  return fail("varint overflows 64 bits");
}

bool ByteReader::read_bytes(std::size_t n, std::string_view& v) noexcept {
  if (n > remaining()) return fail("truncated");
  v = bytes_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool ByteReader::read_length_prefixed(std::string_view& v) noexcept {
  const std::size_t start = pos_;
  std::uint64_t n = 0;
  if (!read_varint(n)) return false;
  if (n > remaining()) {
    pos_ = start;
    return fail("length exceeds the remaining bytes");
  }
  return read_bytes(static_cast<std::size_t>(n), v);
}

void encode_metadata(const Metadata& m, std::string& out) {
  put_varint(m.size(), out);
  for (const auto& [key, value] : m) {
    put_string(key, out);
    std::visit(
        [&out](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            out.push_back(static_cast<char>(MetadataTag::kString));
            put_string(v, out);
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            out.push_back(static_cast<char>(MetadataTag::kInt));
            put_varint(zigzag(v), out);
          } else if constexpr (std::is_same_v<T, double>) {
            out.push_back(static_cast<char>(MetadataTag::kDouble));
            put_fixed64(std::bit_cast<std::uint64_t>(v), out);
          } else if constexpr (std::is_same_v<T, bool>) {
            out.push_back(static_cast<char>(v ? MetadataTag::kTrue : MetadataTag::kFalse));
          } else {
            static_assert(std::is_same_v<T, std::vector<std::string>>,
                          "a new MetadataValue type needs a tag");
            out.push_back(static_cast<char>(MetadataTag::kStringList));
            put_varint(v.size(), out);
            for (const auto& s : v) put_string(s, out);
          }
        },
        value);
  }
}

Status decode_metadata(std::string_view bytes, Metadata& out) {
  try {
    ByteReader in(bytes);
    Metadata m;
    STRATA_RETURN_IF_ERROR(decode_metadata_from(in, m));
    if (!in.at_end()) {
      return Status::corruption(
          fmt::format("metadata: {} trailing bytes after the last entry", in.remaining()));
    }
    out = std::move(m);
    return Status::ok();
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("metadata: out of memory while decoding");
  }
}

void encode_entry(std::string_view id, std::span<const float> v, const Metadata& m, std::string& out) {
  put_string(id, out);
  put_varint(v.size(), out);
  if constexpr (std::endian::native == std::endian::little) {
    out.append(reinterpret_cast<const char*>(v.data()), v.size_bytes());
  } else {
    for (float x : v) put_fixed32(std::bit_cast<std::uint32_t>(x), out);
  }
  encode_metadata(m, out);
}

Status decode_entry(std::string_view bytes, std::size_t expected_dim, VectorEntry& out) {
  try {
    ByteReader in(bytes);
    std::string_view id;
    if (!in.read_length_prefixed(id)) return Status::corruption(fmt::format("entry: id: {}", in.error()));
    std::uint64_t dim = 0;
    if (!in.read_varint(dim)) return Status::corruption(fmt::format("entry: dimension: {}", in.error()));
    if (dim != expected_dim) {
      return Status::corruption(
          fmt::format("entry: vector has {} dimensions, expected {}", dim, expected_dim));
    }
    std::string_view raw;
    if (dim > in.remaining() / sizeof(float) ||
        !in.read_bytes(static_cast<std::size_t>(dim) * sizeof(float), raw)) {
      return Status::corruption(
          fmt::format("entry: vector of {} floats is truncated ({} bytes remain)", dim, in.remaining()));
    }
    VectorEntry e;
    e.id.assign(id);
    e.vector.resize(static_cast<std::size_t>(dim));
    if constexpr (std::endian::native == std::endian::little) {
      if (!raw.empty()) std::memcpy(e.vector.data(), raw.data(), raw.size());
    } else {
      for (std::size_t i = 0; i < e.vector.size(); ++i) {
        e.vector[i] = std::bit_cast<float>(load_fixed32(raw.data() + 4 * i));
      }
    }
    STRATA_RETURN_IF_ERROR(decode_metadata_from(in, e.metadata));
    if (!in.at_end()) {
      return Status::corruption(fmt::format("entry: {} trailing bytes after the metadata", in.remaining()));
    }
    out = std::move(e);
    return Status::ok();
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("entry: out of memory while decoding");
  }
}

}  // namespace strata::io
