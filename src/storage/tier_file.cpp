// Reading and writing the tier placement file.
#include "storage/tier_file.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace strata::storage {

namespace {

constexpr char kMagic[8] = {'S', 'T', 'R', 'A', 'T', 'A', 'T', 'F'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 20;

void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
}
std::uint32_t get32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}

}  // namespace

Status write_tier_file(const std::string& path, std::span<const std::uint8_t> tiers,
                       std::span<const std::uint32_t> heat) {
  std::string body;
  body.reserve(tiers.size() * 5);
  body.append(reinterpret_cast<const char*>(tiers.data()), tiers.size());
  for (std::uint32_t h : heat) put32(body, h);
  std::string header(kMagic, sizeof(kMagic));
  put32(header, kVersion);
  put32(header, static_cast<std::uint32_t>(tiers.size()));
  put32(header, static_cast<std::uint32_t>(
                    crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.close();
    if (!out) return Status::io_error(fmt::format("cannot write '{}'", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::io_error(fmt::format("cannot rename '{}': {}", tmp, ec.message()));
  return Status::ok();
}

Result<TierPlacement> read_tier_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found(fmt::format("no '{}'", path));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&](const char* why) { return Status::corruption(fmt::format("'{}': {}", path, why)); };
  if (bytes.size() < kHeaderBytes || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return bad("not a tier placement file");
  }
  if (get32(bytes.data() + 8) != kVersion) return bad("unsupported version");
  const std::size_t n = get32(bytes.data() + 12);
  if (bytes.size() != kHeaderBytes + 5 * n) return bad("truncated");
  const char* body = bytes.data() + kHeaderBytes;
  if (get32(bytes.data() + 16) !=
      static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(body), static_cast<uInt>(5 * n)))) {
    return bad("checksum mismatch");
  }
  TierPlacement p;
  p.tiers.assign(reinterpret_cast<const std::uint8_t*>(body),
                 reinterpret_cast<const std::uint8_t*>(body) + n);
  p.heat.resize(n);
  for (std::size_t i = 0; i < n; ++i) p.heat[i] = get32(body + n + 4 * i);
  for (std::uint8_t t : p.tiers) {
    if (t > 2) return bad("unknown tier");
  }
  return p;
}

}  // namespace strata::storage
