// RAII wrappers around LMDB (liblmdb): environment, transactions and cursors, with LMDB error codes
// mapped onto Status. Internal to strata.
//
// Caveats inherited from LMDB: one write transaction at a time per environment; a transaction belongs
// to the thread that began it (the environment is opened with MDB_NOTLS so read transactions may be
// used from any thread that owns them); never fork with an open environment.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "strata/status.hpp"

namespace strata::storage {

// Status for an LMDB return code; `what` says which operation failed.
Status lmdb_status(int rc, std::string_view what);

inline MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};  // LMDB does not write through it
}
inline std::string_view to_view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

class Txn;

// An open LMDB environment with its named databases. Thread safety: safe to share; transactions are not.
class Env {
 public:
  struct Options {
    std::string path;  // directory holding data.mdb and lock.mdb
    bool read_only = false;
    std::size_t initial_map_bytes = std::size_t{64} << 20;
    unsigned max_dbs = 8;
  };

  static Result<Env> open(const Options& options);
  Env(Env&& other) noexcept : env_(other.env_), read_only_(other.read_only_) { other.env_ = nullptr; }
  Env& operator=(Env&&) = delete;
  Env(const Env&) = delete;
  ~Env();

  // Opens (creating unless read-only) a named database inside a write transaction of its own.
  Result<MDB_dbi> open_db(const char* name, bool create);

  // Runs fn in a write transaction and commits it. When the map is full, the transaction is
  // aborted, the map doubled, and fn run again, so callers never see MDB_MAP_FULL. fn returning an
  // error aborts the transaction. REQUIRES: no other transaction of this Env is open in this thread.
  Status write(const std::function<Status(Txn&)>& fn);

  // Runs fn in a read-only transaction (retrying once if another process grew the map).
  Status read(const std::function<Status(Txn&)>& fn) const;

  std::size_t map_bytes() const;
  MDB_env* raw() const noexcept { return env_; }

 private:
  Env(MDB_env* env, bool read_only) : env_(env), read_only_(read_only) {}
  MDB_env* env_ = nullptr;
  bool read_only_ = false;
};

// A transaction; aborted on destruction unless committed. Thread safety: one thread at a time.
class Txn {
 public:
  Txn(MDB_txn* txn) : txn_(txn) {}  // NOLINT: built by Env only
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }

  Status put(MDB_dbi db, std::string_view key, std::string_view value);
  // nullopt when the key is absent. The view points into the map and lives until the transaction ends.
  Result<std::optional<std::string_view>> get(MDB_dbi db, std::string_view key) const;
  // OK also when the key was absent.
  Status del(MDB_dbi db, std::string_view key);

  // Calls fn(key, value) for keys >= `from` in order until fn returns false or an error.
  Status scan(MDB_dbi db, std::string_view from,
              const std::function<Result<bool>(std::string_view, std::string_view)>& fn) const;
  // The last key of a database, or nullopt when empty.
  Result<std::optional<std::string>> last_key(MDB_dbi db) const;
  // Number of entries in a database.
  Result<std::size_t> count(MDB_dbi db) const;

  Status commit();
  MDB_txn* raw() const noexcept { return txn_; }

 private:
  MDB_txn* txn_;
};

// Big-endian fixed-width keys, so LMDB's byte order is numeric order.
std::string be_key32(std::uint32_t v);
std::string be_key64(std::uint64_t v);
std::uint32_t read_be32(std::string_view s);
std::uint64_t read_be64(std::string_view s);

}  // namespace strata::storage
