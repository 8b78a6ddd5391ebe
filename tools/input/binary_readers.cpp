// Streaming readers of the binary vector formats: TEXMEX .fvecs/.bvecs and NumPy .npy.
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "input/npy_header.hpp"
#include "input/readers.hpp"

namespace strata::cli::detail {

namespace {

// Both formats store little-endian values, which this reader copies as they are.
static_assert(std::endian::native == std::endian::little, "the binary readers assume a little-endian host");

constexpr std::int32_t kMaxDimensionWord = 65536;  // DbOptions::dimensions' limit

// Reads up to n bytes; returns how many arrived. Distinguishes a short read (end of file) from an error.
Result<std::size_t> read_bytes(std::istream& in, char* out, std::size_t n) {
  in.read(out, static_cast<std::streamsize>(n));
  if (in.bad()) return Status::io_error("read error");
  return static_cast<std::size_t>(in.gcount());
}

template <typename Stored>
class VecsReader final : public VectorReader {
 public:
  VecsReader(std::unique_ptr<std::istream> in, std::string source, const ReaderOptions& options,
             std::string_view extension)
      : in_(std::move(in)),
        source_(std::move(source)),
        options_(options),
        extension_(extension),
        buffer_(options.dimensions) {}

  Result<bool> next(VectorEntry& entry) override {
    std::int32_t dim = 0;
    Result<std::size_t> got = read_bytes(*in_, reinterpret_cast<char*>(&dim), sizeof(dim));
    if (!got) return error(got.status().message());
    if (*got == 0) return false;
    if (*got != sizeof(dim)) return error("truncated (the file ends inside it)");
    if (dim <= 0 || dim > kMaxDimensionWord) {
      return error(fmt::format("bad dimension word {} (is this really a {} file?)", dim, extension_));
    }
    if (static_cast<std::size_t>(dim) != options_.dimensions) {
      return error(fmt::format("{} dimensions, but the database has {}", dim, options_.dimensions));
    }
    const std::size_t bytes = buffer_.size() * sizeof(Stored);
    got = read_bytes(*in_, reinterpret_cast<char*>(buffer_.data()), bytes);
    if (!got) return error(got.status().message());
    if (*got != bytes) return error("truncated (the file ends inside it)");
    entry.vector.resize(buffer_.size());
    for (std::size_t i = 0; i < buffer_.size(); ++i) {
      const auto value = static_cast<float>(buffer_[i]);
      if (!std::isfinite(value)) return error(fmt::format("value {} is not finite", i));
      entry.vector[i] = value;
    }
    entry.id = std::to_string(options_.id_offset + index_);
    entry.metadata.clear();
    ++index_;
    bytes_read_ += sizeof(dim) + bytes;
    return true;
  }

  std::uint64_t bytes_read() const override { return bytes_read_; }

 private:
  Status error(std::string_view what) const {
    return Status::invalid_argument(fmt::format("{}: record {}: {}", source_, index_, what));
  }

  std::unique_ptr<std::istream> in_;
  std::string source_;
  ReaderOptions options_;
  std::string_view extension_;
  std::vector<Stored> buffer_;
  std::uint64_t index_ = 0;
  std::uint64_t bytes_read_ = 0;
};

class NpyReader final : public VectorReader {
 public:
  NpyReader(std::unique_ptr<std::istream> in, std::string source, const ReaderOptions& options)
      : in_(std::move(in)), source_(std::move(source)), options_(options) {}

  // Reads and checks the header; the rows follow.
  Status start() {
    std::string head(kNpyMinPreambleBytes, '\0');
    Result<std::size_t> got = read_bytes(*in_, head.data(), head.size());
    if (!got) return prefixed(got.status());
    head.resize(*got);
    if (head.size() == kNpyMinPreambleBytes && (head[6] == 2 || head[6] == 3)) {
      head.resize(kNpyMaxPreambleBytes);
      got = read_bytes(*in_, head.data() + kNpyMinPreambleBytes, kNpyMaxPreambleBytes - kNpyMinPreambleBytes);
      if (!got) return prefixed(got.status());
      head.resize(kNpyMinPreambleBytes + *got);
    }
    Result<NpyPreamble> preamble = parse_npy_preamble(head);
    if (!preamble) return prefixed(preamble.status());
    std::string dict(preamble->dict_bytes, '\0');
    got = read_bytes(*in_, dict.data(), dict.size());
    if (!got) return prefixed(got.status());
    if (*got != dict.size()) return prefixed(Status::invalid_argument(".npy: truncated header"));
    Result<NpyHeader> header = parse_npy_dict(dict);
    if (!header) return prefixed(header.status());
    header_ = *header;
    if (header_.columns != options_.dimensions) {
      return Status::invalid_argument(
          fmt::format("{}: the array has {} columns; the database has {} dimensions", source_,
                      header_.columns, options_.dimensions));
    }
    row_.resize(header_.columns * header_.item_size());
    bytes_read_ = preamble->preamble_bytes + preamble->dict_bytes;
    return Status::ok();
  }

  Result<bool> next(VectorEntry& entry) override {
    if (index_ == header_.rows) {
      if (in_->peek() != std::char_traits<char>::eof()) {
        return Status::invalid_argument(
            fmt::format("{}: data continues after the {} rows the header declares", source_, header_.rows));
      }
      return false;
    }
    Result<std::size_t> got = read_bytes(*in_, row_.data(), row_.size());
    if (!got) return error(got.status().message());
    if (*got != row_.size()) {
      return error(fmt::format("truncated (the header declares {} rows)", header_.rows));
    }
    entry.vector.resize(header_.columns);
    if (header_.dtype == NpyDtype::kFloat32) {
      std::memcpy(entry.vector.data(), row_.data(), row_.size());
      for (std::size_t i = 0; i < entry.vector.size(); ++i) {
        if (!std::isfinite(entry.vector[i])) return error(fmt::format("value {} is not finite", i));
      }
    } else {
      for (std::size_t i = 0; i < entry.vector.size(); ++i) {
        entry.vector[i] = static_cast<float>(static_cast<unsigned char>(row_[i]));
      }
    }
    entry.id = std::to_string(options_.id_offset + index_);
    entry.metadata.clear();
    ++index_;
    bytes_read_ += row_.size();
    return true;
  }

  std::uint64_t bytes_read() const override { return bytes_read_; }

 private:
  Status prefixed(const Status& status) const {
    std::string_view message = status.message();
    if (message.starts_with(".npy: ")) message.remove_prefix(6);  // the file name already says it
    return Status(status.code(), fmt::format("{}: {}", source_, message));
  }
  Status error(std::string_view what) const {
    return Status::invalid_argument(fmt::format("{}: row {}: {}", source_, index_, what));
  }

  std::unique_ptr<std::istream> in_;
  std::string source_;
  ReaderOptions options_;
  NpyHeader header_;
  std::vector<char> row_;
  std::uint64_t index_ = 0;
  std::uint64_t bytes_read_ = 0;
};

}  // namespace

std::unique_ptr<VectorReader> make_fvecs_reader(std::unique_ptr<std::istream> in, std::string source,
                                                const ReaderOptions& options) {
  return std::make_unique<VecsReader<float>>(std::move(in), std::move(source), options, ".fvecs");
}

std::unique_ptr<VectorReader> make_bvecs_reader(std::unique_ptr<std::istream> in, std::string source,
                                                const ReaderOptions& options) {
  return std::make_unique<VecsReader<std::uint8_t>>(std::move(in), std::move(source), options, ".bvecs");
}

Result<std::unique_ptr<VectorReader>> make_npy_reader(std::unique_ptr<std::istream> in, std::string source,
                                                      const ReaderOptions& options) {
  auto reader = std::make_unique<NpyReader>(std::move(in), std::move(source), options);
  STRATA_RETURN_IF_ERROR(reader->start());
  return std::unique_ptr<VectorReader>(std::move(reader));
}

}  // namespace strata::cli::detail
