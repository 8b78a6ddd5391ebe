// The portable, versioned dump ("export file") written by VectorDB::export_all and read by
// import_all (internal). Byte layout and versioning policy: docs/dump-format.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "strata/status.hpp"
#include "strata/types.hpp"

namespace strata::io {

// The version this build writes, and the newest it reads. Readers accept every older version.
inline constexpr std::uint32_t kDumpFormatVersion = 1;
// Largest dimension count a dump may declare: far above DbOptions' limit, and small enough that one
// vector fits comfortably in a record.
inline constexpr std::size_t kMaxDumpDimensions = std::size_t{1} << 20;
// Largest record payload (id, vector and metadata), so a corrupt length cannot ask for unbounded memory.
inline constexpr std::size_t kMaxDumpRecordBytes = std::size_t{64} << 20;

struct DumpHeader {
  std::uint32_t version = kDumpFormatVersion;  // the writer accepts only kDumpFormatVersion
  std::size_t dimensions = 0;                  // REQUIRES: 1 <= dimensions <= kMaxDumpDimensions
  DistanceMetric metric = DistanceMetric::kEuclidean;
  // Number of records, when known before writing starts; nullopt for a streamed dump. When set, the
  // writer's finish() and the reader both check that exactly this many records are present.
  std::optional<std::uint64_t> entry_count;
};

// Writes a dump to a stream: start(), any number of write(), then finish(), which writes the trailer
// without which the dump reads as truncated. A failed stream write gives IOError, and every later call
// returns it again. Never throws.
// Thread safety: none; use one writer from one thread at a time.
class DumpWriter {
 public:
  // Writes the header. InvalidArgument for a header this version cannot write.
  static Result<DumpWriter> start(std::ostream& out, const DumpHeader& h);

  // InvalidArgument (and nothing written) when the vector does not have the header's dimensions or
  // the record would exceed kMaxDumpRecordBytes.
  Status write(const VectorEntry& e);
  Status write(std::string_view id, std::span<const float> vector, const Metadata& metadata);

  // Writes the trailer and flushes. InvalidArgument when the header declared a different entry count.
  Status finish();

  std::uint64_t records_written() const noexcept { return count_; }

 private:
  DumpWriter(std::ostream& out, const DumpHeader& h) : out_(&out), header_(h) {}
  Status emit(std::string_view bytes);

  std::ostream* out_;
  DumpHeader header_;
  std::uint64_t count_ = 0;
  std::uint32_t file_crc_ = 0;  // CRC32 of every byte written so far, stored in the trailer
  std::string frame_;           // reused between records
  bool finished_ = false;
  Status failed_;
};

// Reads a dump from a stream, one record at a time, checking every checksum as it goes. Corrupt,
// truncated or foreign input gives Corruption naming `source_name` and the problem; a dump of a newer
// format version gives NotSupported; a stream read error gives IOError. After an error every later
// call returns it again. Never throws, and never allocates more than the declared sizes allow.
// Thread safety: none; use one reader from one thread at a time.
class DumpReader {
 public:
  // Reads and checks the header.
  static Result<DumpReader> open(std::istream& in, std::string source_name);

  const DumpHeader& header() const noexcept { return header_; }

  // true with `out` filled for each record; false once, after the trailer has been read and checked
  // (and then on every later call). `out` is unchanged unless the result is true.
  Result<bool> next(VectorEntry& out);

  std::uint64_t records_read() const noexcept { return count_; }

 private:
  DumpReader(std::istream& in, std::string source_name) : in_(&in), source_(std::move(source_name)) {}
  Status read_header();
  Result<bool> read_frame(VectorEntry& out);
  // Reads exactly n bytes into buf, growing buf only as bytes arrive; false on a short read.
  bool read_exact(std::size_t n, std::string& buf);
  // The error for a short read inside `what`: IOError if the stream failed, else truncation.
  Status short_read(std::string_view what) const;
  Status corrupt(std::string_view problem) const;

  std::istream* in_;
  std::string source_;
  DumpHeader header_;
  std::uint64_t count_ = 0;
  std::uint64_t offset_ = 0;    // bytes consumed, for error messages
  std::uint32_t file_crc_ = 0;  // CRC32 of every byte before the current frame
  std::string frame_;           // reused between records
  bool done_ = false;
  Status failed_;
};

}  // namespace strata::io
