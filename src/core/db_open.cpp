// Opening, recovering and checkpointing a persistent VectorDB::Impl.
//
// LMDB is the truth; the graph checkpoint and the vector file are caches stamped with the sequence
// number they reflect. Open loads them and replays the slots the change log names after that number,
// so recovery after a crash is the same code as a normal open (docs/storage.md).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unordered_set>

#include "core/db_impl.hpp"
#include "core/parallel.hpp"
#include "storage/graph_checkpoint.hpp"

namespace strata {

namespace fs = std::filesystem;

namespace {

constexpr char kLockFile[] = "LOCK";
constexpr char kGraphFile[] = "graph.ckpt";
constexpr char kVectorFile[] = "vectors.f32";

// Creates the directory when allowed; refuses a non-empty directory that holds no database.
Status prepare_directory(const DbOptions& options) {
  std::error_code ec;
  const fs::path dir(options.storage_path);
  if (!fs::exists(dir, ec)) {
    if (!options.create_if_missing || options.read_only) {
      return Status::not_found(fmt::format("no database at '{}'", options.storage_path));
    }
    if (!fs::create_directories(dir, ec)) {
      return Status::io_error(fmt::format("cannot create '{}': {}", options.storage_path, ec.message()));
    }
    return Status::ok();
  }
  if (!fs::is_directory(dir, ec)) {
    return Status::invalid_argument(fmt::format("'{}' is not a directory", options.storage_path));
  }
  if (!fs::exists(dir / "data.mdb", ec)) {
    if (!fs::is_empty(dir, ec)) {
      return Status::invalid_argument(
          fmt::format("'{}' is not a strata database (no data.mdb)", options.storage_path));
    }
    if (!options.create_if_missing || options.read_only) {
      return Status::not_found(fmt::format("no database at '{}'", options.storage_path));
    }
  }
  return Status::ok();
}

// The single-writer lock: an flock on LOCK, held for the life of the database.
Result<int> lock_directory(const std::string& dir) {
  std::string path = (fs::path(dir) / kLockFile).string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::io_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::busy(
          fmt::format("'{}' is open for writing by another process (or another VectorDB in this "
                      "one); open it with DbOptions::read_only to search it concurrently",
                      dir));
    }
    return Status::io_error(fmt::format("cannot lock '{}': {}", path, std::strerror(err)));
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<VectorDB::Impl>> VectorDB::Impl::open_persistent(const DbOptions& requested) {
  // A read-only open races with the writer's checkpoints: if a new checkpoint trimmed the log between
  // reading the old checkpoint and the snapshot, read the new one.
  for (int attempt = 0;; ++attempt) {
    auto impl = open_once(requested);
    if (impl || !requested.read_only || attempt == 4 ||
        impl.status().message().find("change log starts") == std::string::npos) {
      return impl;
    }
  }
}

Result<std::unique_ptr<VectorDB::Impl>> VectorDB::Impl::open_once(const DbOptions& requested) {
  STRATA_RETURN_IF_ERROR(prepare_directory(requested));
  const std::string dir = requested.storage_path;
  struct LockGuard {
    int fd = -1;
    ~LockGuard() {
      if (fd >= 0) ::close(fd);
    }
  } lock;
  if (!requested.read_only) {
    auto fd = lock_directory(dir);
    if (!fd) return fd.status();
    lock.fd = *fd;
  }

  DbOptions options = requested;
  storage::Store::FixedOptions fixed;
  fixed.dimensions = options.dimensions;
  fixed.metric = options.distance_metric;
  fixed.hnsw_m = options.hnsw_m;
  fixed.hnsw_ef_construction = options.hnsw_ef_construction;
  fixed.random_seed = options.random_seed;
  fixed.arena_base = detail::SegmentLayout(options.max_elements).base();
  auto store = storage::Store::open(dir, options.read_only, fixed);
  if (!store) return store.status();
  // What the database was created with wins over what this open asks for.
  options.hnsw_m = fixed.hnsw_m;
  options.hnsw_ef_construction = fixed.hnsw_ef_construction;
  options.random_seed = fixed.random_seed;
  options.max_elements = fixed.arena_base;

  // Vectors: memory-mapped from vectors.f32 (trusted up to its sequence number), or loaded from LMDB.
  const bool use_file = options.mmap_vectors && !options.read_only;
  const std::string vector_path = (fs::path(dir) / kVectorFile).string();
  auto make_impl = [&]() -> Result<std::unique_ptr<Impl>> {
    std::unique_ptr<detail::SegmentSource> source;
    storage::VectorFile* file_ptr = nullptr;
    if (use_file) {
      storage::VectorFile::Header h;
      h.dimensions = static_cast<std::uint32_t>(options.dimensions);
      h.stride = static_cast<std::uint32_t>(detail::VectorArena::padded_bytes(options.dimensions));
      h.base = static_cast<std::uint32_t>(fixed.arena_base);
      auto file = storage::VectorFile::open(vector_path, h, /*create=*/true);
      if (!file && file.status().code() == StatusCode::kCorruption && options.rebuild_index_if_corrupt) {
        std::error_code ec;
        fs::remove(vector_path, ec);
        file = storage::VectorFile::open(vector_path, h, /*create=*/true);
      }
      if (!file) return file.status();
      file_ptr = file->get();
      source = std::move(file).value();
    } else {
      source = std::make_unique<detail::HeapSegmentSource>();
    }
    std::unique_ptr<Impl> impl(new Impl(options, std::move(source)));
    impl->persistence_ = std::make_unique<Persistence>();
    impl->persistence_->dir = dir;
    impl->persistence_->vector_file = file_ptr;
    return impl;
  };
  auto made = make_impl();
  if (!made) return made.status();
  std::unique_ptr<Impl> impl = std::move(made).value();

  // The graph checkpoint, when there is a valid one.
  const std::string graph_path = (fs::path(dir) / kGraphFile).string();
  auto loaded = storage::read_checkpoint(graph_path, impl->graph_);
  bool have_checkpoint = loaded.is_ok();
  if (!loaded && loaded.status().code() != StatusCode::kNotFound) {
    if (!options.rebuild_index_if_corrupt) {
      return Status(
          loaded.status().code(),
          loaded.status().message() + " (DbOptions::rebuild_index_if_corrupt rebuilds it from LMDB)");
    }
    impl.reset();  // a partly restored graph: start again from an empty one and replay everything
    made = make_impl();
    if (!made) return made.status();
    impl = std::move(made).value();
  }
  impl->persistence_->store = std::move(store).value();
  const std::uint64_t seq = have_checkpoint ? loaded->seq : 0;
  impl->persistence_->checkpoint_seq = seq;
  bool vectors_trusted = use_file && have_checkpoint && impl->persistence_->vector_file->header().seq == seq;
  if (vectors_trusted) {
    const std::size_t needed = impl->graph_.slot_bound() * impl->vectors_.stride_bytes();
    if (impl->persistence_->vector_file->record_bytes() < needed) {
      if (!options.rebuild_index_if_corrupt) {
        return Status::corruption(fmt::format("'{}' is truncated: {} bytes of vectors, {} expected",
                                              vector_path, impl->persistence_->vector_file->record_bytes(),
                                              needed));
      }
      vectors_trusted = false;  // reloaded from LMDB below
    }
  }
  STRATA_RETURN_IF_ERROR(impl->persistence_->store->snapshot([&](storage::Txn& txn) -> Status {
    auto last = impl->persistence_->store->seq_at(txn);
    if (!last) return last.status();
    if (seq > *last) {
      return Status::corruption(
          fmt::format("'{}' is newer (change {}) than the database (change {})", graph_path, seq, *last));
    }
    return impl->load_from_store(txn, have_checkpoint, vectors_trusted);
  }));
  impl->persistence_->lock_fd = lock.fd;
  lock.fd = -1;
  return impl;
}

Status VectorDB::Impl::load_from_store(storage::Txn& txn, bool checkpoint_loaded, bool vectors_trusted) {
  storage::Store& store = *persistence_->store;
  const std::uint64_t seq = persistence_->checkpoint_seq;

  // Slots touched after the checkpoint: their graph nodes and cached vectors are stale.
  std::unordered_set<std::uint32_t> touched;
  if (checkpoint_loaded) {
    STRATA_RETURN_IF_ERROR(store.changed_since(txn, seq, [&](std::uint32_t slot) { touched.insert(slot); }));
  }

  // Ids and metadata of every live slot (the truth).
  std::vector<std::uint32_t> live;
  std::size_t meta_bytes = 0;
  std::size_t id_bytes = 0;
  // Sized once up front: growing the id map and the slot arrays entry by entry dominated open time.
  auto sizes = store.entry_count_and_bound(txn);
  if (!sizes) return sizes.status();
  // Plain variables, not a structured binding: clang 14 cannot capture those in the lambda below.
  const std::size_t entry_count = sizes->first;
  const std::uint32_t entry_bound = sizes->second;
  STRATA_RETURN_IF_ERROR(reserve_slots(std::max<std::size_t>(entry_bound, graph_.slot_bound())));
  id_to_slot_.reserve(entry_count);
  live.reserve(entry_count);
  STRATA_RETURN_IF_ERROR(
      store.for_each_entry(txn, [&](std::uint32_t slot, std::string_view id, Metadata&& m) -> Status {
        if (slot >= entry_bound) return Status::corruption("data.mdb: slot number out of range");
        ids_[slot] = std::string(id);
        metadata_[slot] = std::move(m);
        id_to_slot_.emplace(ids_[slot], slot);
        live.push_back(slot);
        id_bytes += 2 * (sizeof(std::string) + id.size()) + 32;
        return Status::ok();
      }));
  std::uint32_t bound = live.empty() ? 0 : live.back() + 1;
  bound = std::max<std::uint32_t>(bound, static_cast<std::uint32_t>(graph_.slot_bound()));
  STRATA_RETURN_IF_ERROR(reserve_slots(bound));
  for (std::uint32_t slot : live) meta_bytes += metadata_[slot].size() * 64;

  // Vectors not in a trusted cache come from LMDB.
  std::vector<bool> is_live(bound, false);
  for (std::uint32_t slot : live) is_live[slot] = true;
  if (!vectors_trusted) {
    if (persistence_->vector_file != nullptr) STRATA_RETURN_IF_ERROR(persistence_->vector_file->invalidate());
    STRATA_RETURN_IF_ERROR(
        store.for_each_vector(txn, [&](std::uint32_t slot, std::span<const float> v) -> Status {
          if (slot >= bound || !is_live[slot])
            return Status::corruption(fmt::format("data.mdb: vector for unused slot {}", slot));
          std::memcpy(vectors_.mutable_at(slot), v.data(), v.size_bytes());
          return Status::ok();
        }));
  } else {
    for (std::uint32_t slot : touched) {
      if (slot >= bound || !is_live[slot]) continue;
      STRATA_RETURN_IF_ERROR(store.read_vector(txn, slot, vectors_.mutable_at(slot)));
    }
  }

  // Graph nodes that no longer hold what they held at the checkpoint are repaired away, then the
  // slots live in LMDB but missing from the graph are inserted.
  std::vector<std::uint32_t> stale;
  std::vector<std::uint32_t> missing;
  const std::size_t graph_bound = graph_.slot_bound();
  for (std::uint32_t slot = 0; slot < bound; ++slot) {
    detail::NodeState st = slot < graph_bound ? graph_.state(slot) : detail::NodeState::kFree;
    bool changed = touched.count(slot) != 0;
    if (st == detail::NodeState::kRemoved ||
        (st == detail::NodeState::kLive && (changed || !is_live[slot]))) {
      graph_.set_state(slot, detail::NodeState::kRemoved);
      stale.push_back(slot);
    }
    if (is_live[slot] && (st != detail::NodeState::kLive || changed)) missing.push_back(slot);
  }
  graph_.repair(stale);
  for (std::uint32_t slot : stale) graph_.release_slot(slot);
  for (std::uint32_t slot : missing) graph_.prepare_slot(slot, graph_.random_level());
  std::vector<detail::VisitedSetPool::Lease> visited;
  const std::size_t threads = missing.size() < 64 ? 1 : threads_;
  for (std::size_t t = 0; t < threads; ++t) visited.push_back(visited_pool_.acquire());
  detail::parallel_for(missing.size(), threads, [&](std::size_t worker, std::size_t i) {
    graph_.insert(missing[i], *visited[worker]);
  });
  for (std::uint32_t slot : missing) graph_.set_state(slot, detail::NodeState::kLive);
  graph_.restore_bound(bound);

  for (std::uint32_t slot = 0; slot < bound; ++slot) {
    if (!is_live[slot]) free_slots_.push_back(slot);
  }
  std::reverse(free_slots_.begin(), free_slots_.end());  // reuse low slots first
  next_slot_ = bound;
  live_count_.store(live.size(), std::memory_order_relaxed);
  slot_count_.store(bound, std::memory_order_relaxed);
  free_count_.store(free_slots_.size(), std::memory_order_relaxed);
  metadata_bytes_.store(meta_bytes, std::memory_order_relaxed);
  id_bytes_.store(id_bytes, std::memory_order_relaxed);
  // Anything replayed or reloaded makes the next checkpoint (at close at the latest) worth writing.
  std::size_t changes = touched.size() + (checkpoint_loaded ? 0 : live.size());
  if (!vectors_trusted && persistence_->vector_file != nullptr) changes = std::max<std::size_t>(changes, 1);
  changes_since_checkpoint_.store(changes, std::memory_order_relaxed);
  return load_tiers(txn, missing);
}

Status VectorDB::Impl::checkpoint() {
  if (!persistence_ || options_.read_only) return Status::ok();
  std::lock_guard write_lock(write_mutex_);
  return checkpoint_locked();
}

Status VectorDB::Impl::checkpoint_locked() {
  storage::Store& store = *persistence_->store;
  const std::uint64_t seq = store.last_seq();
  // Vectors first: the graph checkpoint may only claim what the vector file durably holds.
  if (persistence_->vector_file != nullptr) {
    STRATA_RETURN_IF_ERROR(persistence_->vector_file->sync(vectors_.arena(), seq));
  }
  STRATA_RETURN_IF_ERROR(
      storage::write_checkpoint((fs::path(persistence_->dir) / kGraphFile).string(), graph_, seq));
  persistence_->checkpoint_seq = seq;
  changes_since_checkpoint_.store(0, std::memory_order_relaxed);
  // Tier placement is a hint, not part of the checkpoint's promise: failing to save it only means
  // the next open starts placement from scratch.
  (void)save_tiers_locked();
  return store.trim_log(seq);
}

VectorDB::Impl::~Impl() {
  stop_background();  // the tier manager uses every member below
  if (persistence_ && !options_.read_only && changes_since_checkpoint_.load(std::memory_order_relaxed) > 0) {
    (void)checkpoint();  // everything is durable in LMDB already; this only shortens the next open
  } else if (persistence_ && !options_.read_only && tiers_dirty_) {
    std::lock_guard write_lock(write_mutex_);
    (void)save_tiers_locked();
  }
  if (persistence_ && persistence_->lock_fd >= 0) ::close(persistence_->lock_fd);
}

}  // namespace strata
