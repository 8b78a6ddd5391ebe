// The vector arena file: header checks, growth with reserved disk blocks, and durable sync.
#include "storage/vector_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace strata::storage {

namespace {

constexpr char kMagic[8] = {'S', 'T', 'R', 'A', 'T', 'A', 'V', 'F'};
constexpr std::size_t kHeaderFields = 8 + 4 + 4 + 4 + 4 + 8;

void put32(std::byte* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
void put64(std::byte* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
std::uint32_t get32(const std::byte* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint32_t>(p[i]);
  return v;
}
std::uint64_t get64(const std::byte* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint64_t>(p[i]);
  return v;
}

}  // namespace

Result<std::unique_ptr<VectorFile>> VectorFile::open(const std::string& path, const Header& expected,
                                                     bool create) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
  if (fd < 0) return Status::io_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::unique_ptr<VectorFile> file(new VectorFile(fd, path));
  struct stat st {};
  if (fstat(fd, &st) != 0)
    return Status::io_error(fmt::format("cannot stat '{}': {}", path, std::strerror(errno)));
  file->file_bytes_ = static_cast<std::size_t>(st.st_size);
  if (st.st_size == 0) {
    if (!create) return Status::corruption(fmt::format("'{}' is empty", path));
    file->header_ = expected;
    file->header_.seq = 0;
    int rc = posix_fallocate(fd, 0, kHeaderBytes);
    if (rc != 0)
      return Status::resource_exhausted(fmt::format("cannot extend '{}': {}", path, std::strerror(rc)));
    file->file_bytes_ = kHeaderBytes;
    STRATA_RETURN_IF_ERROR(file->write_header());
    return file;
  }
  std::array<std::byte, kHeaderFields + 4> buf{};
  if (static_cast<std::size_t>(st.st_size) < kHeaderBytes ||
      pread(fd, buf.data(), buf.size(), 0) != static_cast<ssize_t>(buf.size())) {
    return Status::corruption(fmt::format("'{}' is truncated: no complete header", path));
  }
  if (std::memcmp(buf.data(), kMagic, sizeof(kMagic)) != 0) {
    return Status::corruption(fmt::format("'{}' is not a strata vector file", path));
  }
  auto crc = static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(buf.data()), kHeaderFields));
  if (crc != get32(buf.data() + kHeaderFields)) {
    return Status::corruption(fmt::format("'{}' has a damaged header (checksum mismatch)", path));
  }
  std::uint32_t version = get32(buf.data() + 8);
  if (version > kVersion) {
    return Status::not_supported(
        fmt::format("'{}' has format version {}; this strata reads up to {}", path, version, kVersion));
  }
  Header& h = file->header_;
  h.dimensions = get32(buf.data() + 12);
  h.stride = get32(buf.data() + 16);
  h.base = get32(buf.data() + 20);
  h.seq = get64(buf.data() + 24);
  if (h.dimensions != expected.dimensions || h.stride != expected.stride || h.base != expected.base) {
    return Status::corruption(
        fmt::format("'{}' describes {} dimensions (stride {}, base {}); the database has {} ({}, {})", path,
                    h.dimensions, h.stride, h.base, expected.dimensions, expected.stride, expected.base));
  }
  return file;
}

VectorFile::~VectorFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::byte* VectorFile::acquire(std::size_t, std::size_t offset, std::size_t bytes, std::size_t) {
  const std::size_t file_offset = kHeaderBytes + offset;
  if (file_offset + bytes > file_bytes_) {
    // Reserve the blocks now: writing through a mapping into a hole on a full disk raises SIGBUS.
    int rc = posix_fallocate(fd_, static_cast<off_t>(file_offset), static_cast<off_t>(bytes));
    if (rc != 0) {
      last_error_ = fmt::format("cannot extend '{}' by {} bytes: {}", path_, bytes, std::strerror(rc));
      return nullptr;
    }
    file_bytes_ = file_offset + bytes;
  }
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(file_offset));
  if (p == MAP_FAILED) {
    last_error_ = fmt::format("cannot map '{}': {}", path_, std::strerror(errno));
    return nullptr;
  }
  return static_cast<std::byte*>(p);
}

void VectorFile::release(std::byte* p, std::size_t bytes) noexcept { munmap(p, bytes); }

Status VectorFile::write_header() {
  std::array<std::byte, kHeaderFields + 4> buf{};
  std::memcpy(buf.data(), kMagic, sizeof(kMagic));
  put32(buf.data() + 8, kVersion);
  put32(buf.data() + 12, header_.dimensions);
  put32(buf.data() + 16, header_.stride);
  put32(buf.data() + 20, header_.base);
  put64(buf.data() + 24, header_.seq);
  put32(buf.data() + kHeaderFields,
        static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(buf.data()), kHeaderFields)));
  if (pwrite(fd_, buf.data(), buf.size(), 0) != static_cast<ssize_t>(buf.size()) || fdatasync(fd_) != 0) {
    return Status::io_error(fmt::format("cannot write the header of '{}': {}", path_, std::strerror(errno)));
  }
  return Status::ok();
}

Status VectorFile::sync(const detail::SegmentedArena& arena, std::uint64_t seq) {
  for (std::size_t s = 0; s < arena.segments(); ++s) {
    std::size_t bytes = arena.segment_records(s) * arena.stride();
    if (msync(arena.segment_data(s), bytes, MS_SYNC) != 0) {
      return Status::io_error(fmt::format("cannot flush '{}': {}", path_, std::strerror(errno)));
    }
  }
  header_.seq = seq;
  return write_header();
}

Status VectorFile::invalidate() {
  header_.seq = UINT64_MAX;
  return write_header();
}

}  // namespace strata::storage
