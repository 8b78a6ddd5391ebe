// export_all / import_all of VectorDB::Impl through the portable dump format (io/dump_format.hpp).
#include <fmt/format.h>

#include <mutex>

#include "core/db_impl.hpp"
#include "io/dump_format.hpp"

namespace strata {

namespace {
constexpr std::size_t kImportBatch = 1000;
}  // namespace

Status VectorDB::Impl::export_all(std::ostream& out) const {
  io::DumpHeader header;
  header.dimensions = options_.dimensions;
  header.metric = options_.distance_metric;
  auto writer = io::DumpWriter::start(out, header);
  if (!writer) return writer.status();
  // Live slots do not change while live, and the reclaim lock keeps removed ones from being reused
  // while they are read, so the export needs no other lock.
  std::shared_lock reclaim_lock(reclaim_mutex_);
  const std::size_t bound = graph_.slot_bound();
  for (std::uint32_t slot = 0; slot < bound; ++slot) {
    if (graph_.state(slot) != detail::NodeState::kLive) continue;
    std::span<const float> v(vectors_.at(slot), options_.dimensions);
    STRATA_RETURN_IF_ERROR(writer->write(ids_[slot], v, metadata_[slot]));
  }
  return writer->finish();
}

Status VectorDB::Impl::import_all(std::istream& in, const std::string& source) {
  STRATA_RETURN_IF_ERROR(check_writable());
  auto reader = io::DumpReader::open(in, source);
  if (!reader) return reader.status();
  if (reader->header().dimensions != options_.dimensions) {
    return Status::invalid_argument(fmt::format("'{}' holds vectors of {} dimensions; the database has {}",
                                                source, reader->header().dimensions, options_.dimensions));
  }
  std::vector<VectorEntry> batch;
  batch.reserve(kImportBatch);
  for (;;) {
    VectorEntry e;
    auto more = reader->next(e);
    if (!more) return more.status();
    if (*more) batch.push_back(std::move(e));
    if (batch.size() == kImportBatch || (!*more && !batch.empty())) {
      STRATA_RETURN_IF_ERROR(insert_batch(batch).status());
      batch.clear();
    }
    if (!*more) return Status::ok();
  }
}

}  // namespace strata
