// VectorFile: the memory-mapped file behind a persistent database's vector arena (vectors.f32).
// It is a cache of the vectors stored in LMDB, laid out by slot so SIMD kernels read it in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "strata/detail/segmented_array.hpp"
#include "strata/status.hpp"

namespace strata::storage {

// Layout: a 4096-byte header page (magic, format version, dimensions, record stride, first segment
// size, the sequence number the contents reflect, CRC), then fixed-stride records by slot. Segments of
// the arena are mapped (MAP_SHARED) at their offsets; growth reserves disk blocks with
// posix_fallocate first, so a full disk is an error and never a SIGBUS.
// Thread safety: as SegmentedArena (one writer).
class VectorFile final : public detail::SegmentSource {
 public:
  static constexpr std::size_t kHeaderBytes = 4096;
  static constexpr std::uint32_t kVersion = 1;

  struct Header {
    std::uint32_t dimensions = 0;
    std::uint32_t stride = 0;
    std::uint32_t base = 0;
    std::uint64_t seq = 0;  // contents are complete for every change up to this sequence number
  };

  // Opens or creates `path`. An existing file whose header does not match `expected` (dimensions,
  // stride, base) or fails its checksum returns Corruption naming the file.
  static Result<std::unique_ptr<VectorFile>> open(const std::string& path, const Header& expected,
                                                  bool create);
  ~VectorFile() override;

  std::byte* acquire(std::size_t index, std::size_t offset, std::size_t bytes,
                     std::size_t alignment) override;
  void release(std::byte* p, std::size_t bytes) noexcept override;

  const Header& header() const noexcept { return header_; }
  // Bytes of records present in the file (excluding the header).
  std::size_t record_bytes() const noexcept {
    return file_bytes_ > kHeaderBytes ? file_bytes_ - kHeaderBytes : 0;
  }
  // The error behind the last failed acquire().
  const std::string& last_error() const noexcept { return last_error_; }

  // Flushes mapped records `segments` to disk, then records `seq` in the header durably.
  Status sync(const detail::SegmentedArena& arena, std::uint64_t seq);
  // Marks the contents as not matching any sequence number (before rewriting them).
  Status invalidate();

 private:
  VectorFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Status write_header();

  int fd_;
  std::string path_;
  Header header_;
  std::size_t file_bytes_ = 0;
  std::string last_error_;
};

}  // namespace strata::storage
