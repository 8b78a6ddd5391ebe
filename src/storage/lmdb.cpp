// LMDB wrappers: error mapping, automatic map growth and cursor scans.
#include "storage/lmdb.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace strata::storage {

Status lmdb_status(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return Status::ok();
  std::string msg = fmt::format("{}: {}", what, mdb_strerror(rc));
  switch (rc) {
    case MDB_NOTFOUND:
      return Status::not_found(std::move(msg));
    case MDB_KEYEXIST:
      return Status::already_exists(std::move(msg));
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
    case MDB_INCOMPATIBLE:
      return Status::corruption(std::move(msg));
    case MDB_MAP_FULL:
    case MDB_READERS_FULL:
    case MDB_TXN_FULL:
    case MDB_DBS_FULL:
    case ENOSPC:
    case EFBIG:
    case EDQUOT:
    case ENOMEM:
      return Status::resource_exhausted(std::move(msg));
    case EACCES:
    case EROFS:
    case EAGAIN:
    default:
      return Status::io_error(std::move(msg));
  }
}

Result<Env> Env::open(const Options& options) {
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "mdb_env_create");
  Env holder(env, options.read_only);
  rc = mdb_env_set_maxdbs(env, options.max_dbs);
  if (rc == MDB_SUCCESS) rc = mdb_env_set_mapsize(env, options.initial_map_bytes);
  if (rc == MDB_SUCCESS) rc = mdb_env_set_maxreaders(env, 256);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "configuring the LMDB environment");
  unsigned flags = MDB_NOTLS;
  if (options.read_only) flags |= MDB_RDONLY;
  rc = mdb_env_open(env, options.path.c_str(), flags, 0644);
  if (rc != MDB_SUCCESS)
    return lmdb_status(rc, fmt::format("opening LMDB environment in '{}'", options.path));
  return holder;
}

Env::~Env() {
  if (env_ != nullptr) mdb_env_close(env_);
}

std::size_t Env::map_bytes() const {
  MDB_envinfo info{};
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

Result<MDB_dbi> Env::open_db(const char* name, bool create) {
  MDB_dbi dbi = 0;
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, read_only_ ? MDB_RDONLY : 0, &txn);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "beginning a transaction");
  Txn holder(txn);
  rc = mdb_dbi_open(txn, name, create && !read_only_ ? MDB_CREATE : 0, &dbi);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, fmt::format("opening LMDB database '{}'", name));
  STRATA_RETURN_IF_ERROR(holder.commit());
  return dbi;
}

Status Env::write(const std::function<Status(Txn&)>& fn) {
  if (read_only_) return Status::not_supported("the database is open read-only");
  for (int attempt = 0; attempt < 32; ++attempt) {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc == MDB_MAP_RESIZED) {
      mdb_env_set_mapsize(env_, 0);
      continue;
    }
    if (rc != MDB_SUCCESS) return lmdb_status(rc, "beginning a write transaction");
    Status s;
    {
      Txn holder(txn);
      s = fn(holder);
      if (s.is_ok()) s = holder.commit();
    }
    // A full map is an implementation detail: grow it and run the transaction again.
    bool map_full = s.code() == StatusCode::kResourceExhausted &&
                    s.message().find(mdb_strerror(MDB_MAP_FULL)) != std::string::npos;
    if (!map_full) return s;
    std::size_t grown = map_bytes() * 2;
    rc = mdb_env_set_mapsize(env_, grown);
    if (rc != MDB_SUCCESS) return lmdb_status(rc, "growing the LMDB map");
  }
  return Status::resource_exhausted("the LMDB map could not grow enough for one transaction");
}

Status Env::read(const std::function<Status(Txn&)>& fn) const {
  for (int attempt = 0; attempt < 2; ++attempt) {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
    if (rc == MDB_MAP_RESIZED) {
      mdb_env_set_mapsize(env_, 0);
      continue;
    }
    if (rc != MDB_SUCCESS) return lmdb_status(rc, "beginning a read transaction");
    Txn holder(txn);
    return fn(holder);
  }
  return Status::io_error("the LMDB map was resized repeatedly by another process");
}

Status Txn::put(MDB_dbi db, std::string_view key, std::string_view value) {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  return lmdb_status(mdb_put(txn_, db, &k, &v, 0), "writing to LMDB");
}

Result<std::optional<std::string_view>> Txn::get(MDB_dbi db, std::string_view key) const {
  MDB_val k = to_val(key);
  MDB_val v{};
  int rc = mdb_get(txn_, db, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "reading from LMDB");
  return std::optional<std::string_view>(to_view(v));
}

Status Txn::del(MDB_dbi db, std::string_view key) {
  MDB_val k = to_val(key);
  int rc = mdb_del(txn_, db, &k, nullptr);
  if (rc == MDB_NOTFOUND) return Status::ok();
  return lmdb_status(rc, "deleting from LMDB");
}

Status Txn::scan(MDB_dbi db, std::string_view from,
                 const std::function<Result<bool>(std::string_view, std::string_view)>& fn) const {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn_, db, &cursor);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "opening an LMDB cursor");
  struct CursorCloser {
    MDB_cursor* c;
    ~CursorCloser() { mdb_cursor_close(c); }
  } closer{cursor};
  MDB_val k = to_val(from);
  MDB_val v{};
  rc = mdb_cursor_get(cursor, &k, &v, from.empty() ? MDB_FIRST : MDB_SET_RANGE);
  while (rc == MDB_SUCCESS) {
    Result<bool> more = fn(to_view(k), to_view(v));
    if (!more) return more.status();
    if (!*more) return Status::ok();
    rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  }
  if (rc == MDB_NOTFOUND) return Status::ok();
  return lmdb_status(rc, "scanning LMDB");
}

Result<std::optional<std::string>> Txn::last_key(MDB_dbi db) const {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn_, db, &cursor);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "opening an LMDB cursor");
  MDB_val k{};
  MDB_val v{};
  rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST);
  std::optional<std::string> out;
  if (rc == MDB_SUCCESS) out = std::string(to_view(k));
  mdb_cursor_close(cursor);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) return lmdb_status(rc, "reading the last LMDB key");
  return out;
}

Result<std::size_t> Txn::count(MDB_dbi db) const {
  MDB_stat stat{};
  int rc = mdb_stat(txn_, db, &stat);
  if (rc != MDB_SUCCESS) return lmdb_status(rc, "reading LMDB statistics");
  return static_cast<std::size_t>(stat.ms_entries);
}

Status Txn::commit() {
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;  // committed or not, LMDB has freed it
  return lmdb_status(rc, "committing to LMDB");
}

std::string be_key32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (24 - 8 * i));
  return s;
}
std::string be_key64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (56 - 8 * i));
  return s;
}
std::uint32_t read_be32(std::string_view s) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}
std::uint64_t read_be64(std::string_view s) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

}  // namespace strata::storage
