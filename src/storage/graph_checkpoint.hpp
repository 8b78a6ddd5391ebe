// Graph checkpoints (graph.ckpt): the HNSW graph written to a file so open does not rebuild it.
#pragma once

#include <cstdint>
#include <string>

#include "strata/detail/hnsw_graph.hpp"
#include "strata/status.hpp"

namespace strata::storage {

// Layout (little-endian): a 64-byte header (magic "STRATAGC", format version, M, slot count, entry
// point, top level, sequence number, body length, body CRC32, header CRC32), then the body: one state
// byte per slot, one level byte per slot, the level-0 lists of every slot (1 + 2M words each), then
// the upper lists (level x (1 + M) words) of every non-free slot with a level above 0.
//
// A checkpoint is written to a temporary file, synced, and renamed over the old one, so a crash
// leaves either the old or the new checkpoint, never a mix.
struct CheckpointInfo {
  std::uint64_t seq = 0;    // the last change reflected
  std::uint32_t slots = 0;  // slot bound
};

// Writes the graph. REQUIRES: the caller holds the write lock (no insert or repair running).
Status write_checkpoint(const std::string& path, const detail::HnswGraph& graph, std::uint64_t seq);

// Reads a checkpoint into an empty graph built with the same M. NotFound when the file is absent;
// Corruption naming the file when it is damaged, truncated or inconsistent.
Result<CheckpointInfo> read_checkpoint(const std::string& path, detail::HnswGraph& graph);

// Reads only the header (sequence number and slot count), validating it.
Result<CheckpointInfo> read_checkpoint_header(const std::string& path);

// fsync of a directory, so a rename inside it is durable.
Status sync_directory(const std::string& dir);

}  // namespace strata::storage
