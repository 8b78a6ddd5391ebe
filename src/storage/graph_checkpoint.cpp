// Writing and reading graph checkpoints with checksums and atomic replacement.
#include "storage/graph_checkpoint.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace strata::storage {

namespace {

constexpr char kMagic[8] = {'S', 'T', 'R', 'A', 'T', 'A', 'G', 'C'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 64;

struct Header {
  std::uint32_t version = kVersion;
  std::uint32_t m = 0;
  std::uint32_t slots = 0;
  std::uint32_t entry = 0;
  std::uint32_t top = 0;
  std::uint64_t seq = 0;
  std::uint64_t body_bytes = 0;
  std::uint32_t body_crc = 0;
};

template <typename T>
void put(std::array<unsigned char, kHeaderBytes>& b, std::size_t at, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
}
template <typename T>
T get(const unsigned char* b, std::size_t at) {
  T v = 0;
  for (std::size_t i = sizeof(T); i-- > 0;) v = static_cast<T>((v << 8) | b[at + i]);
  return v;
}

std::array<unsigned char, kHeaderBytes> encode(const Header& h) {
  std::array<unsigned char, kHeaderBytes> b{};
  std::memcpy(b.data(), kMagic, 8);
  put(b, 8, h.version);
  put(b, 12, h.m);
  put(b, 16, h.slots);
  put(b, 20, h.entry);
  put(b, 24, h.top);
  put(b, 28, h.seq);
  put(b, 36, h.body_bytes);
  put(b, 44, h.body_crc);
  put(b, 48, static_cast<std::uint32_t>(crc32(0L, b.data(), 48)));
  return b;
}

Result<Header> decode(const unsigned char* b, const std::string& path) {
  if (std::memcmp(b, kMagic, 8) != 0)
    return Status::corruption(fmt::format("'{}' is not a strata graph checkpoint", path));
  if (get<std::uint32_t>(b, 48) != static_cast<std::uint32_t>(crc32(0L, b, 48))) {
    return Status::corruption(fmt::format("'{}' has a damaged header (checksum mismatch)", path));
  }
  Header h;
  h.version = get<std::uint32_t>(b, 8);
  if (h.version > kVersion) {
    return Status::not_supported(
        fmt::format("'{}' has format version {}; this strata reads up to {}", path, h.version, kVersion));
  }
  h.m = get<std::uint32_t>(b, 12);
  h.slots = get<std::uint32_t>(b, 16);
  h.entry = get<std::uint32_t>(b, 20);
  h.top = get<std::uint32_t>(b, 24);
  h.seq = get<std::uint64_t>(b, 28);
  h.body_bytes = get<std::uint64_t>(b, 36);
  h.body_crc = get<std::uint32_t>(b, 44);
  return h;
}

class FileWriter {
 public:
  explicit FileWriter(int fd) : fd_(fd) { buffer_.reserve(kBufferBytes); }
  void append(const void* data, std::size_t n) {
    crc_ = crc32(crc_, static_cast<const Bytef*>(data), static_cast<uInt>(n));
    bytes_ += n;
    const auto* p = static_cast<const char*>(data);
    buffer_.insert(buffer_.end(), p, p + n);
    if (buffer_.size() >= kBufferBytes) flush();
  }
  bool flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
      ssize_t w = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        failed_errno_ = errno;
        return false;
      }
      done += static_cast<std::size_t>(w);
    }
    buffer_.clear();
    return failed_errno_ == 0;
  }
  std::uint32_t crc() const { return static_cast<std::uint32_t>(crc_); }
  std::uint64_t bytes() const { return bytes_; }
  int failed_errno() const { return failed_errno_; }

 private:
  static constexpr std::size_t kBufferBytes = std::size_t{1} << 20;
  int fd_;
  std::vector<char> buffer_;
  uLong crc_ = crc32(0L, Z_NULL, 0);
  std::uint64_t bytes_ = 0;
  int failed_errno_ = 0;
};

Status errno_status(int err, const std::string& what) {
  std::string msg = fmt::format("{}: {}", what, std::strerror(err));
  if (err == ENOSPC || err == EFBIG || err == EDQUOT) return Status::resource_exhausted(std::move(msg));
  return Status::io_error(std::move(msg));
}

}  // namespace

Status sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, fmt::format("cannot open directory '{}'", dir));
  int rc = fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return errno_status(err, fmt::format("cannot sync directory '{}'", dir));
  return Status::ok();
}

Status write_checkpoint(const std::string& path, const detail::HnswGraph& graph, std::uint64_t seq) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(errno, fmt::format("cannot create '{}'", tmp));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  Header h;
  h.m = static_cast<std::uint32_t>(graph.m());
  h.slots = static_cast<std::uint32_t>(graph.slot_bound());
  h.entry = graph.entry_point();
  h.top = static_cast<std::uint32_t>(std::max(graph.max_level(), 0));
  h.seq = seq;
  auto placeholder = encode(h);
  if (::write(fd, placeholder.data(), placeholder.size()) != static_cast<ssize_t>(placeholder.size())) {
    return errno_status(errno, fmt::format("cannot write '{}'", tmp));
  }

  FileWriter out(fd);
  std::vector<std::uint8_t> bytes(h.slots);
  for (std::uint32_t s = 0; s < h.slots; ++s) bytes[s] = static_cast<std::uint8_t>(graph.state(s));
  out.append(bytes.data(), bytes.size());
  for (std::uint32_t s = 0; s < h.slots; ++s) {
    bytes[s] = graph.state(s) == detail::NodeState::kFree ? 0 : static_cast<std::uint8_t>(graph.level_of(s));
  }
  out.append(bytes.data(), bytes.size());
  std::vector<std::uint32_t> words(graph.list_words(0));
  for (std::uint32_t s = 0; s < h.slots; ++s) {
    if (graph.state(s) == detail::NodeState::kFree) {
      std::fill(words.begin(), words.end(), 0U);
    } else {
      graph.copy_list(s, 0, words.data());
    }
    out.append(words.data(), words.size() * sizeof(std::uint32_t));
  }
  words.resize(graph.list_words(1));
  for (std::uint32_t s = 0; s < h.slots; ++s) {
    if (graph.state(s) == detail::NodeState::kFree) continue;
    for (int l = 1; l <= graph.level_of(s); ++l) {
      graph.copy_list(s, l, words.data());
      out.append(words.data(), words.size() * sizeof(std::uint32_t));
    }
  }
  if (!out.flush()) return errno_status(out.failed_errno(), fmt::format("cannot write '{}'", tmp));
  h.body_bytes = out.bytes();
  h.body_crc = out.crc();
  auto header = encode(h);
  if (pwrite(fd, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
    return errno_status(errno, fmt::format("cannot write '{}'", tmp));
  }
  if (fsync(fd) != 0) return errno_status(errno, fmt::format("cannot sync '{}'", tmp));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return errno_status(errno, fmt::format("cannot rename '{}' to '{}'", tmp, path));
  }
  return sync_directory(std::filesystem::path(path).parent_path().string());
}

namespace {

Result<std::vector<unsigned char>> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::not_found(fmt::format("'{}' does not exist", path));
    return errno_status(errno, fmt::format("cannot open '{}'", path));
  }
  struct stat st {};
  fstat(fd, &st);
  std::vector<unsigned char> data;
  try {
    data.resize(static_cast<std::size_t>(st.st_size));
  } catch (const std::bad_alloc&) {
    ::close(fd);
    return Status::resource_exhausted(fmt::format("'{}' is too large to read", path));
  }
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t r = ::read(fd, data.data() + done, data.size() - done);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      break;
    }
    done += static_cast<std::size_t>(r);
  }
  ::close(fd);
  data.resize(done);
  return data;
}

}  // namespace

Result<CheckpointInfo> read_checkpoint_header(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::not_found(fmt::format("'{}' does not exist", path));
    return errno_status(errno, fmt::format("cannot open '{}'", path));
  }
  std::array<unsigned char, kHeaderBytes> b{};
  ssize_t r = pread(fd, b.data(), b.size(), 0);
  ::close(fd);
  if (r != static_cast<ssize_t>(b.size())) return Status::corruption(fmt::format("'{}' is truncated", path));
  auto h = decode(b.data(), path);
  if (!h) return h.status();
  return CheckpointInfo{h->seq, h->slots};
}

Result<CheckpointInfo> read_checkpoint(const std::string& path, detail::HnswGraph& graph) {
  auto data = read_file(path);
  if (!data) return data.status();
  if (data->size() < kHeaderBytes) return Status::corruption(fmt::format("'{}' is truncated", path));
  auto decoded = decode(data->data(), path);
  if (!decoded) return decoded.status();
  const Header& h = *decoded;
  if (h.m != graph.m()) {
    return Status::corruption(
        fmt::format("'{}' was written with M = {}, the database has M = {}", path, h.m, graph.m()));
  }
  const unsigned char* body = data->data() + kHeaderBytes;
  const std::size_t body_bytes = data->size() - kHeaderBytes;
  if (body_bytes != h.body_bytes) {
    return Status::corruption(
        fmt::format("'{}' is truncated or has trailing bytes ({} body bytes, header says {})", path,
                    body_bytes, h.body_bytes));
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  for (std::size_t done = 0; done < body_bytes;) {  // crc32 takes at most 4 GiB per call
    std::size_t n = std::min<std::size_t>(body_bytes - done, std::size_t{1} << 30);
    crc = crc32(crc, body + done, static_cast<uInt>(n));
    done += n;
  }
  if (static_cast<std::uint32_t>(crc) != h.body_crc) {
    return Status::corruption(fmt::format("'{}' is damaged (body checksum mismatch)", path));
  }

  const std::size_t slots = h.slots;
  const std::size_t l0_words = graph.list_words(0);
  const std::size_t up_words = graph.list_words(1);
  std::size_t fixed = slots * 2 + slots * l0_words * 4;
  if (body_bytes < fixed)
    return Status::corruption(fmt::format("'{}' is inconsistent: body too short", path));
  const unsigned char* states = body;
  const unsigned char* levels = body + slots;
  const unsigned char* l0 = body + 2 * slots;
  const unsigned char* upper = l0 + slots * l0_words * 4;
  std::size_t upper_needed = 0;
  for (std::size_t s = 0; s < slots; ++s) {
    auto st = static_cast<detail::NodeState>(states[s]);
    if (st != detail::NodeState::kFree && st != detail::NodeState::kLive &&
        st != detail::NodeState::kRemoved) {
      return Status::corruption(
          fmt::format("'{}' is inconsistent: slot {} has state {}", path, s, states[s]));
    }
    if (levels[s] > detail::HnswGraph::kMaxLevel) {
      return Status::corruption(
          fmt::format("'{}' is inconsistent: slot {} has level {}", path, s, levels[s]));
    }
    if (st != detail::NodeState::kFree) upper_needed += levels[s] * up_words * 4;
  }
  if (body_bytes != fixed + upper_needed) {
    return Status::corruption(fmt::format("'{}' is inconsistent: upper lists take {} bytes, {} present", path,
                                          upper_needed, body_bytes - fixed));
  }
  if (!graph.reserve(slots)) return Status::resource_exhausted("out of memory loading the graph checkpoint");

  std::vector<std::uint32_t> lists;
  for (std::size_t s = 0; s < slots; ++s) {
    auto st = static_cast<detail::NodeState>(states[s]);
    if (st == detail::NodeState::kFree) continue;
    const int level = levels[s];
    lists.resize(l0_words + static_cast<std::size_t>(level) * up_words);
    std::memcpy(lists.data(), l0 + s * l0_words * 4, l0_words * 4);
    std::memcpy(lists.data() + l0_words, upper, static_cast<std::size_t>(level) * up_words * 4);
    upper += static_cast<std::size_t>(level) * up_words * 4;
    // Every count and id must be in range, or a search would read outside the graph.
    for (int l = 0; l <= level; ++l) {
      const std::uint32_t* list = lists.data() + (l == 0 ? 0 : l0_words + (l - 1) * up_words);
      std::size_t cap = (l == 0 ? l0_words : up_words) - 1;
      if (list[0] > cap)
        return Status::corruption(
            fmt::format("'{}' is inconsistent: slot {} has {} links", path, s, list[0]));
      for (std::uint32_t i = 0; i < list[0]; ++i) {
        std::uint32_t id = list[1 + i];
        if (id >= slots || states[id] == 0 || levels[id] < l) {
          return Status::corruption(fmt::format("'{}' is inconsistent: slot {} links to {}", path, s, id));
        }
      }
    }
    graph.restore_slot(static_cast<std::uint32_t>(s), st, level, lists.data());
  }
  if (slots > 0 && (h.entry >= slots || states[h.entry] == 0 || levels[h.entry] != h.top)) {
    bool empty = true;
    for (std::size_t s = 0; s < slots && empty; ++s) empty = states[s] == 0;
    if (!empty || h.entry != detail::HnswGraph::kNone) {
      return Status::corruption(fmt::format("'{}' is inconsistent: bad entry point {}", path, h.entry));
    }
  }
  graph.restore_bound(slots);
  graph.restore_entry(h.entry, static_cast<int>(h.top));
  return CheckpointInfo{h.seq, h.slots};
}

}  // namespace strata::storage
