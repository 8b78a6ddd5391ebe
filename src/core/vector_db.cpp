// strata::VectorDB: the public class, forwarding to VectorDB::Impl.
#include "strata/vector_db.hpp"

#include <fmt/format.h>

#include <fstream>
#include <new>

#include "core/db_impl.hpp"
#include "core/validation.hpp"

namespace strata {

Result<VectorDB> VectorDB::open(const DbOptions& options) {
  STRATA_RETURN_IF_ERROR(options.validate());
  try {
    if (!options.storage_path.empty()) {
      auto impl = Impl::open_persistent(options);
      if (!impl) return impl.status();
      (*impl)->start_background();
      return VectorDB(std::move(impl).value());
    }
    auto impl = std::make_unique<Impl>(options);
    impl->start_background();
    return VectorDB(std::move(impl));
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("out of memory while opening the database");
  }
}

VectorDB::VectorDB(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VectorDB::VectorDB(VectorDB&&) noexcept = default;
VectorDB& VectorDB::operator=(VectorDB&&) noexcept = default;
VectorDB::~VectorDB() = default;

Result<std::string> VectorDB::insert(VectorEntry entry) {
  Result<std::vector<std::string>> ids = impl_->insert_batch(std::span<const VectorEntry>(&entry, 1));
  if (!ids) return ids.status();
  return std::move(ids->front());
}

Result<std::vector<std::string>> VectorDB::insert_batch(std::span<const VectorEntry> entries) {
  return impl_->insert_batch(entries);
}

Result<VectorEntry> VectorDB::get(std::string_view id) const { return impl_->get(id); }
Status VectorDB::remove(std::string_view id) { return impl_->remove(id); }
bool VectorDB::contains(std::string_view id) const { return impl_->contains(id); }
std::size_t VectorDB::size() const { return impl_->size(); }

Result<std::vector<SearchResult>> VectorDB::search(const SearchQuery& query) const {
  return impl_->search(query);
}

Result<std::vector<std::vector<SearchResult>>> VectorDB::search_batch(
    std::span<const SearchQuery> queries) const {
  return impl_->search_batch(queries);
}

DbStats VectorDB::stats() const { return impl_->stats(); }
const DbOptions& VectorDB::options() const noexcept { return impl_->options(); }

}  // namespace strata

namespace strata {

Status VectorDB::export_all(std::ostream& out) const { return impl_->export_all(out); }
Status VectorDB::export_all(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::io_error(fmt::format("cannot create '{}'", path));
  STRATA_RETURN_IF_ERROR(impl_->export_all(out));
  out.close();
  if (!out) return Status::io_error(fmt::format("cannot write '{}'", path));
  return Status::ok();
}
Status VectorDB::import_all(std::istream& in) { return impl_->import_all(in, "input stream"); }
Status VectorDB::import_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found(fmt::format("cannot open '{}'", path));
  return impl_->import_all(in, path);
}
Status VectorDB::checkpoint() { return impl_->checkpoint(); }
Status VectorDB::optimize() { return impl_->optimize(); }
Result<Tier> VectorDB::tier_of(std::string_view id) const { return impl_->tier_of(id); }

}  // namespace strata
