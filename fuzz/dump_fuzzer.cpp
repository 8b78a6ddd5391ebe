// libFuzzer target for DumpReader: arbitrary bytes must give a Status, never a crash, and whatever the
// reader accepts must be written back byte for byte by DumpWriter.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "io/dump_format.hpp"
#include "io/metadata_codec.hpp"

namespace {

using strata::io::load_fixed32;

// CRC-32 (IEEE, reflected, as zlib's crc32) computed bit by bit: written out here rather than taken
// from zlib so the fuzzer also checks that the format uses the standard CRC, and links nothing extra.
std::uint32_t crc_update(std::uint32_t crc, std::string_view bytes) {
  crc = ~crc;
  for (const char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}
std::uint32_t crc(std::string_view bytes) { return crc_update(0, bytes); }

void store_fixed32(std::string& b, std::size_t pos, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[pos + i] = static_cast<char>(v >> (8 * i));
}

// Recomputes every checksum the reader checks, following the framing as far as it parses. Without
// this nearly every mutation dies at the first CRC and the record decoder is never reached.
std::string repair_checksums(std::string b) {
  if (b.size() < 16) return b;
  const std::uint32_t header = load_fixed32(b.data() + 12);
  if (header < 20 || header > b.size()) return b;
  store_fixed32(b, header - 4, crc(std::string_view(b).substr(0, header - 4)));
  std::uint32_t file_crc = crc(std::string_view(b).substr(0, header));
  std::size_t pos = header;
  while (b.size() - pos >= 9) {
    const char kind = b[pos];
    const std::uint32_t length = load_fixed32(b.data() + pos + 1);
    if (length > b.size() - pos - 9) break;
    if (kind == 'E' && length >= 12) store_fixed32(b, pos + 5 + 8, file_crc);
    store_fixed32(b, pos + 5 + length, crc(std::string_view(b).substr(pos, 5 + length)));
    const std::string_view frame = std::string_view(b).substr(pos, 9 + length);
    file_crc = crc_update(file_crc, frame);
    pos += 9 + length;
  }
  return b;
}

void check(const std::string& bytes) {
  std::istringstream in(bytes);
  auto reader = strata::io::DumpReader::open(in, "fuzz");
  if (!reader.is_ok()) return;
  std::ostringstream out;
  auto writer = strata::io::DumpWriter::start(out, reader->header());
  if (!writer.is_ok()) std::abort();  // the reader accepted a header the writer refuses
  strata::VectorEntry entry;
  for (;;) {
    strata::Result<bool> more = reader->next(entry);
    if (!more.is_ok()) return;
    if (!*more) break;
    if (!writer->write(entry).is_ok()) std::abort();
  }
  if (!writer->finish().is_ok()) std::abort();
  // The format is canonical: an accepted dump has exactly one byte form.
  if (out.str() != bytes) std::abort();
}

}  // namespace

// The name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  check(bytes);
  check(repair_checksums(bytes));
  return 0;
}
