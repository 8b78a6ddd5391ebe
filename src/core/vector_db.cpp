// strata::VectorDB: the public class, forwarding to VectorDB::Impl.
#include "strata/vector_db.hpp"

#include <new>

#include "core/db_impl.hpp"
#include "core/validation.hpp"

namespace strata {

Result<VectorDB> VectorDB::open(const DbOptions& options) {
  STRATA_RETURN_IF_ERROR(options.validate());
  try {
    return VectorDB(std::make_unique<Impl>(options));
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

Result<std::vector<std::vector<SearchResult>>> VectorDB::search_batch(std::span<const SearchQuery> queries) const {
  return impl_->search_batch(queries);
}

DbStats VectorDB::stats() const { return impl_->stats(); }
const DbOptions& VectorDB::options() const noexcept { return impl_->options(); }

}  // namespace strata

namespace strata {

Status VectorDB::export_all(std::ostream& /*out*/) const {
  return Status::not_supported("export_all is not implemented yet");
}
Status VectorDB::export_all(const std::string& /*path*/) const {
  return Status::not_supported("export_all is not implemented yet");
}
Status VectorDB::import_all(std::istream& /*in*/) { return Status::not_supported("import_all is not implemented yet"); }
Status VectorDB::import_all(const std::string& /*path*/) {
  return Status::not_supported("import_all is not implemented yet");
}
Status VectorDB::checkpoint() { return Status::ok(); }

}  // namespace strata
