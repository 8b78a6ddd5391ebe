// Dump writer and reader: framing, checksums and the header/trailer checks of docs/dump-format.md.
#include "io/dump_format.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <istream>
#include <new>
#include <ostream>
#include <utility>

#include "io/metadata_codec.hpp"

namespace strata::io {

namespace {

// 0x89 is not ASCII and "\n" is last, so text-mode and 7-bit transfers visibly break the magic.
constexpr char kMagic[8] = {'\x89', 'S', 'T', 'R', 'A', 'T', 'A', '\n'};
// Every version starts with magic, version and header size, so any reader can checksum any header.
constexpr std::size_t kHeaderPrefixBytes = 16;
constexpr std::size_t kMaxHeaderBytes = 4096;
constexpr std::size_t kHeaderV1Bytes = 36;
constexpr std::uint64_t kUnknownCount = ~std::uint64_t{0};

constexpr char kRecordFrame = 'R';
constexpr char kTrailerFrame = 'E';
constexpr std::size_t kFrameHeadBytes = 5;  // kind, u32 payload length
constexpr std::size_t kTrailerPayloadBytes = 12;
// Bytes read per step, so a truncated stream that declares a large record costs little memory.
constexpr std::size_t kReadChunk = std::size_t{1} << 20;

std::uint32_t crc_update(std::uint32_t crc, std::string_view bytes) noexcept {
  while (!bytes.empty()) {
    const std::size_t n = std::min<std::size_t>(bytes.size(), std::size_t{1} << 30);
    crc = static_cast<std::uint32_t>(
        ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n)));
    bytes.remove_prefix(n);
  }
  return crc;
}

// The stored numbers are part of the format, independent of the enum's declaration order.
std::uint8_t metric_code(DistanceMetric m) noexcept {
  switch (m) {
    case DistanceMetric::kEuclidean:
      return 0;
    case DistanceMetric::kCosine:
      return 1;
    case DistanceMetric::kDotProduct:
      return 2;
    case DistanceMetric::kManhattan:
      return 3;
  }
  return 0xff;
}

std::optional<DistanceMetric> metric_from_code(std::uint8_t code) noexcept {
  switch (code) {
    case 0:
      return DistanceMetric::kEuclidean;
    case 1:
      return DistanceMetric::kCosine;
    case 2:
      return DistanceMetric::kDotProduct;
    case 3:
      return DistanceMetric::kManhattan;
    default:
      return std::nullopt;
  }
}

}  // namespace

// ---- DumpWriter ----

Result<DumpWriter> DumpWriter::start(std::ostream& out, const DumpHeader& h) {
  if (h.version != kDumpFormatVersion) {
    return Status::invalid_argument(
        fmt::format("dump: cannot write format version {}, only {}", h.version, kDumpFormatVersion));
  }
  if (h.dimensions == 0 || h.dimensions > kMaxDumpDimensions) {
    return Status::invalid_argument(
        fmt::format("dump: dimensions {} outside 1..{}", h.dimensions, kMaxDumpDimensions));
  }
  if (metric_code(h.metric) == 0xff) return Status::invalid_argument("dump: unknown distance metric");
  if (h.entry_count == kUnknownCount) {
    return Status::invalid_argument("dump: entry count 2^64-1 is reserved for 'unknown'");
  }
  try {
    DumpWriter w(out, h);
    std::string header(kMagic, sizeof(kMagic));
    put_fixed32(kDumpFormatVersion, header);
    put_fixed32(kHeaderV1Bytes, header);
    put_fixed32(static_cast<std::uint32_t>(h.dimensions), header);
    header.push_back(static_cast<char>(metric_code(h.metric)));
    header.append(3, '\0');
    put_fixed64(h.entry_count.value_or(kUnknownCount), header);
    put_fixed32(crc_update(0, header), header);
    STRATA_RETURN_IF_ERROR(w.emit(header));
    return w;
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("dump: out of memory while writing the header");
  }
}

Status DumpWriter::emit(std::string_view bytes) {
  try {
    out_->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!*out_) failed_ = Status::io_error("dump: the output stream refused a write");
  } catch (const std::exception& e) {  // a stream with exceptions() enabled
    failed_ = Status::io_error(fmt::format("dump: write failed: {}", e.what()));
  }
  if (!failed_.is_ok()) return failed_;
  file_crc_ = crc_update(file_crc_, bytes);
  return Status::ok();
}

Status DumpWriter::write(const VectorEntry& e) { return write(e.id, e.vector, e.metadata); }

Status DumpWriter::write(std::string_view id, std::span<const float> vector, const Metadata& metadata) {
  if (!failed_.is_ok()) return failed_;
  if (finished_) return Status::invalid_argument("dump: write after finish");
  if (vector.size() != header_.dimensions) {
    return Status::invalid_argument(fmt::format("dump: vector of '{}' has {} dimensions, the dump has {}", id,
                                                vector.size(), header_.dimensions));
  }
  try {
    frame_.clear();
    frame_.push_back(kRecordFrame);
    put_fixed32(0, frame_);  // patched below, once the payload size is known
    encode_entry(id, vector, metadata, frame_);
    const std::size_t payload = frame_.size() - kFrameHeadBytes;
    if (payload > kMaxDumpRecordBytes) {
      return Status::invalid_argument(fmt::format("dump: record of '{}' is {} bytes, over the limit of {}",
                                                  id, payload, kMaxDumpRecordBytes));
    }
    std::string length;
    put_fixed32(static_cast<std::uint32_t>(payload), length);
    frame_.replace(1, 4, length);
    put_fixed32(crc_update(0, frame_), frame_);
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("dump: out of memory while encoding a record");
  }
  STRATA_RETURN_IF_ERROR(emit(frame_));
  ++count_;
  return Status::ok();
}

Status DumpWriter::finish() {
  if (!failed_.is_ok()) return failed_;
  if (finished_) return Status::ok();
  if (header_.entry_count && *header_.entry_count != count_) {
    return Status::invalid_argument(
        fmt::format("dump: header declared {} entries but {} were written", *header_.entry_count, count_));
  }
  try {
    std::string trailer;
    trailer.push_back(kTrailerFrame);
    put_fixed32(kTrailerPayloadBytes, trailer);
    put_fixed64(count_, trailer);
    put_fixed32(file_crc_, trailer);
    put_fixed32(crc_update(0, trailer), trailer);
    STRATA_RETURN_IF_ERROR(emit(trailer));
    out_->flush();
    if (!*out_) return failed_ = Status::io_error("dump: the output stream refused a flush");
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("dump: out of memory while writing the trailer");
  } catch (const std::exception& e) {
    return failed_ = Status::io_error(fmt::format("dump: flush failed: {}", e.what()));
  }
  finished_ = true;
  return Status::ok();
}

// ---- DumpReader ----

Status DumpReader::corrupt(std::string_view problem) const {
  return Status::corruption(fmt::format("'{}': {}", source_, problem));
}

bool DumpReader::read_exact(std::size_t n, std::string& buf) {
  buf.clear();
  while (buf.size() < n) {
    const std::size_t want = std::min(n - buf.size(), kReadChunk);
    const std::size_t had = buf.size();
    buf.resize(had + want);
    in_->read(buf.data() + had, static_cast<std::streamsize>(want));
    const auto got = static_cast<std::size_t>(in_->gcount());
    buf.resize(had + got);
    offset_ += got;
    if (got < want) return false;
  }
  return true;
}

Status DumpReader::short_read(std::string_view what) const {
  if (in_->bad()) return Status::io_error(fmt::format("'{}': read error in {}", source_, what));
  return corrupt(fmt::format("truncated: the input ends at byte {} inside {}", offset_, what));
}

Result<DumpReader> DumpReader::open(std::istream& in, std::string source_name) {
  try {
    DumpReader r(in, std::move(source_name));
    STRATA_RETURN_IF_ERROR(r.read_header());
    return r;
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("dump: out of memory while reading the header");
  } catch (const std::exception& e) {  // a stream with exceptions() enabled
    return Status::io_error(fmt::format("dump: read failed: {}", e.what()));
  }
}

Status DumpReader::read_header() {
  std::string h;
  {
    h.resize(sizeof(kMagic));
    in_->read(h.data(), static_cast<std::streamsize>(h.size()));
    const auto got = static_cast<std::size_t>(in_->gcount());
    offset_ += got;
    if (got < sizeof(kMagic) && in_->bad()) return Status::io_error(fmt::format("'{}': read error", source_));
    if (got < sizeof(kMagic) || h.compare(0, sizeof(kMagic), kMagic, sizeof(kMagic)) != 0) {
      return corrupt("not a strata dump (bad magic bytes)");
    }
  }
  std::string rest;
  if (!read_exact(kHeaderPrefixBytes - sizeof(kMagic), rest)) return short_read("the header");
  h += rest;
  const std::uint32_t version = load_fixed32(h.data() + 8);
  const std::uint32_t header_bytes = load_fixed32(h.data() + 12);
  if (header_bytes < kHeaderPrefixBytes + 4 || header_bytes > kMaxHeaderBytes) {
    return corrupt(fmt::format("header size {} is impossible", header_bytes));
  }
  if (!read_exact(header_bytes - kHeaderPrefixBytes, rest)) return short_read("the header");
  h += rest;
  const std::uint32_t stored_crc = load_fixed32(h.data() + header_bytes - 4);
  if (crc_update(0, std::string_view(h).substr(0, header_bytes - 4)) != stored_crc) {
    return corrupt("header checksum mismatch");
  }
  // Checked after the checksum, so a damaged version field reads as corruption, not as a future version.
  if (version == 0) return corrupt("format version 0 does not exist");
  if (version > kDumpFormatVersion) {
    return Status::not_supported(
        fmt::format("'{}': dump format version {} is newer than this build reads (up to {})", source_,
                    version, kDumpFormatVersion));
  }
  if (header_bytes != kHeaderV1Bytes) {
    return corrupt(fmt::format("version 1 header must be {} bytes, not {}", kHeaderV1Bytes, header_bytes));
  }
  const std::uint32_t dims = load_fixed32(h.data() + 16);
  const auto metric = metric_from_code(static_cast<std::uint8_t>(h[20]));
  const std::uint64_t count = load_fixed64(h.data() + 24);
  if (dims == 0 || dims > kMaxDumpDimensions) {
    return corrupt(fmt::format("dimensions {} outside 1..{}", dims, kMaxDumpDimensions));
  }
  if (!metric) return corrupt(fmt::format("unknown metric code {}", static_cast<unsigned char>(h[20])));
  if (h[21] != 0 || h[22] != 0 || h[23] != 0) return corrupt("reserved header bytes are not zero");
  header_.version = version;
  header_.dimensions = dims;
  header_.metric = *metric;
  if (count != kUnknownCount) header_.entry_count = count;
  file_crc_ = crc_update(0, h);
  return Status::ok();
}

Result<bool> DumpReader::next(VectorEntry& out) {
  if (!failed_.is_ok()) return failed_;
  if (done_) return false;
  Result<bool> r = false;
  try {
    r = read_frame(out);
  } catch (const std::bad_alloc&) {
    r = Status::resource_exhausted(
        fmt::format("'{}': out of memory while reading record {}", source_, count_));
  } catch (const std::exception& e) {
    r = Status::io_error(fmt::format("'{}': read failed: {}", source_, e.what()));
  }
  if (!r.is_ok()) failed_ = r.status();
  return r;
}

Result<bool> DumpReader::read_frame(VectorEntry& out) {
  const std::uint64_t frame_offset = offset_;
  // Built only for messages: formatting it for every healthy record would cost more than decoding.
  const auto where = [&] { return fmt::format("record {} (byte {})", count_, frame_offset); };
  frame_.clear();
  // A clean end of input where a frame should start means the trailer is missing.
  if (in_->peek() == std::istream::traits_type::eof()) {
    if (in_->bad()) return Status::io_error(fmt::format("'{}': read error", source_));
    return corrupt(fmt::format("truncated: the input ends after {} records without a trailer", count_));
  }
  std::string head;
  if (!read_exact(kFrameHeadBytes, head)) return short_read(where());
  const char kind = head[0];
  const std::uint32_t length = load_fixed32(head.data() + 1);
  if (kind == kRecordFrame) {
    // The smallest record: one-byte id length, one-byte dimension count, the floats, one-byte map size.
    const std::uint64_t min_bytes = 3 + std::uint64_t{4} * header_.dimensions;
    if (length < min_bytes || length > kMaxDumpRecordBytes) {
      return corrupt(fmt::format("{}: payload length {} outside {}..{}", where(), length, min_bytes,
                                 kMaxDumpRecordBytes));
    }
    if (header_.entry_count && count_ >= *header_.entry_count) {
      return corrupt(
          fmt::format("{}: more records than the {} the header declares", where(), *header_.entry_count));
    }
  } else if (kind == kTrailerFrame) {
    if (length != kTrailerPayloadBytes) return corrupt(fmt::format("trailer length {} is wrong", length));
  } else {
    return corrupt(fmt::format("{}: unknown frame kind 0x{:02x}", where(), static_cast<unsigned char>(kind)));
  }
  if (!read_exact(length, frame_)) return short_read(where());
  std::string crc_bytes;
  if (!read_exact(4, crc_bytes)) return short_read(where());
  const std::uint32_t crc = crc_update(crc_update(0, head), frame_);
  if (crc != load_fixed32(crc_bytes.data())) {
    return corrupt(
        fmt::format("{}: checksum mismatch", kind == kRecordFrame ? where() : std::string("trailer")));
  }

  if (kind == kRecordFrame) {
    Status s = decode_entry(frame_, header_.dimensions, out);
    if (!s.is_ok()) {
      if (s.code() != StatusCode::kCorruption) return s;
      return corrupt(fmt::format("{}: {}", where(), s.message()));
    }
    file_crc_ = crc_update(crc_update(crc_update(file_crc_, head), frame_), crc_bytes);
    ++count_;
    return true;
  }

  const std::uint64_t trailer_count = load_fixed64(frame_.data());
  const std::uint32_t trailer_file_crc = load_fixed32(frame_.data() + 8);
  if (trailer_count != count_) {
    return corrupt(fmt::format("trailer counts {} records but {} were read", trailer_count, count_));
  }
  if (header_.entry_count && *header_.entry_count != count_) {
    return corrupt(fmt::format("header declares {} records but {} were read", *header_.entry_count, count_));
  }
  if (trailer_file_crc != file_crc_) return corrupt("whole-file checksum mismatch");
  if (in_->peek() != std::istream::traits_type::eof()) {
    return corrupt(fmt::format("unexpected bytes after the trailer at byte {}", offset_));
  }
  if (in_->bad()) return Status::io_error(fmt::format("'{}': read error", source_));
  done_ = true;
  return false;
}

}  // namespace strata::io
