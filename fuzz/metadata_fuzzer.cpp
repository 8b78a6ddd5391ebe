// libFuzzer target for the metadata and entry decoders: arbitrary bytes must give a Status, never a
// crash, and whatever decodes must encode back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "io/metadata_codec.hpp"

// The name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  strata::Metadata m;
  if (strata::io::decode_metadata(bytes, m).is_ok()) {
    std::string again;
    strata::io::encode_metadata(m, again);
    if (again != bytes) std::abort();  // the encoding is canonical
  }

  // The same bytes as an entry, with the first byte choosing the expected dimension count.
  if (size > 0) {
    const std::size_t dim = data[0] & 7;
    strata::VectorEntry e;
    if (strata::io::decode_entry(bytes.substr(1), dim, e).is_ok()) {
      std::string again;
      strata::io::encode_entry(e.id, e.vector, e.metadata, again);
      if (again != bytes.substr(1)) std::abort();
    }
  }
  return 0;
}
