// The LMDB schema of a persistent database: creation, option checks, durable batches and the log.
#include "storage/store.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "io/metadata_codec.hpp"

namespace strata::storage {

static_assert(std::endian::native == std::endian::little, "the stored vector layout assumes little-endian");

namespace {

constexpr char kFormatKey[] = "format";
constexpr char kOptionsKey[] = "options";
constexpr char kSeqKey[] = "seq";
constexpr char kTierSq8Key[] = "tier.sq8";
constexpr char kTierColdKey[] = "tier.cold";
constexpr char kTierTrainedKey[] = "tier.trained_on";

std::string options_json(const Store::FixedOptions& f) {
  nlohmann::json j = {{"dimensions", f.dimensions},   {"metric", std::string(metric_name(f.metric))},
                      {"hnsw_m", f.hnsw_m},           {"hnsw_ef_construction", f.hnsw_ef_construction},
                      {"random_seed", f.random_seed}, {"arena_base", f.arena_base}};
  return j.dump();
}

Status parse_options(std::string_view text, Store::FixedOptions& f, const std::string& dir) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  auto bad = [&] {
    return Status::corruption(fmt::format("'{}/data.mdb': stored options are unreadable", dir));
  };
  if (j.is_discarded() || !j.is_object()) return bad();
  try {
    f.dimensions = j.at("dimensions").get<std::size_t>();
    auto metric = parse_metric(j.at("metric").get<std::string>());
    if (!metric) return bad();
    f.metric = *metric;
    f.hnsw_m = j.at("hnsw_m").get<std::size_t>();
    f.hnsw_ef_construction = j.at("hnsw_ef_construction").get<std::size_t>();
    f.random_seed = j.at("random_seed").get<std::uint64_t>();
    f.arena_base = j.at("arena_base").get<std::size_t>();
  } catch (const nlohmann::json::exception&) {
    return bad();
  }
  return Status::ok();
}

std::string_view vector_bytes(const float* v, std::size_t dim) {
  return {reinterpret_cast<const char*>(v), dim * sizeof(float)};
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& dir, bool read_only, FixedOptions& fixed) {
  Env::Options eo;
  eo.path = dir;
  eo.read_only = read_only;
  auto env = Env::open(eo);
  if (!env) return env.status();
  std::unique_ptr<Store> store(new Store(std::move(env).value(), fixed.dimensions));
  Env& e = store->env_;

  auto open_dbs = [&]() -> Status {
    auto meta = e.open_db("meta", !read_only);
    if (!meta) return meta.status();
    store->meta_ = *meta;
    auto ids = e.open_db("ids", !read_only);
    if (!ids) return ids.status();
    store->ids_ = *ids;
    auto entries = e.open_db("entries", !read_only);
    if (!entries) return entries.status();
    store->entries_ = *entries;
    auto vectors = e.open_db("vectors", !read_only);
    if (!vectors) return vectors.status();
    store->vectors_ = *vectors;
    auto log = e.open_db("log", !read_only);
    if (!log) return log.status();
    store->log_ = *log;
    return Status::ok();
  };
  Status s = open_dbs();
  if (s.code() == StatusCode::kNotFound) {
    return Status::invalid_argument(fmt::format("'{}' is not a strata database (no strata tables)", dir));
  }
  STRATA_RETURN_IF_ERROR(s);

  // A new environment is initialised; an existing one is checked against the caller's options.
  bool fresh = false;
  STRATA_RETURN_IF_ERROR(e.read([&](Txn& txn) -> Status {
    auto format = txn.get(store->meta_, kFormatKey);
    if (!format) return format.status();
    if (!format->has_value()) {
      fresh = true;
      return Status::ok();
    }
    if ((*format)->size() != 4)
      return Status::corruption(fmt::format("'{}/data.mdb': bad format record", dir));
    std::uint32_t version = read_be32(**format);
    if (version > kFormatVersion) {
      return Status::not_supported(fmt::format(
          "'{}' has on-disk format version {}; this strata reads up to {}", dir, version, kFormatVersion));
    }
    auto options = txn.get(store->meta_, kOptionsKey);
    if (!options) return options.status();
    if (!options->has_value())
      return Status::corruption(fmt::format("'{}/data.mdb': stored options missing", dir));
    FixedOptions stored;
    STRATA_RETURN_IF_ERROR(parse_options(**options, stored, dir));
    if (stored.dimensions != fixed.dimensions) {
      return Status::invalid_argument(
          fmt::format("the database in '{}' has {} dimensions; DbOptions::dimensions is {}", dir,
                      stored.dimensions, fixed.dimensions));
    }
    if (stored.metric != fixed.metric) {
      return Status::invalid_argument(
          fmt::format("the database in '{}' uses the {} metric; DbOptions asks for {}", dir,
                      metric_name(stored.metric), metric_name(fixed.metric)));
    }
    fixed = stored;
    auto seq = txn.get(store->meta_, kSeqKey);
    if (!seq) return seq.status();
    store->last_seq_ = seq->has_value() && (*seq)->size() == 8 ? read_be64(**seq) : 0;
    return Status::ok();
  }));
  if (fresh) {
    if (read_only) return Status::invalid_argument(fmt::format("'{}' is not a strata database", dir));
    STRATA_RETURN_IF_ERROR(e.write([&](Txn& txn) -> Status {
      STRATA_RETURN_IF_ERROR(txn.put(store->meta_, kFormatKey, be_key32(kFormatVersion)));
      STRATA_RETURN_IF_ERROR(txn.put(store->meta_, kOptionsKey, options_json(fixed)));
      return txn.put(store->meta_, kSeqKey, be_key64(0));
    }));
  }
  return store;
}

Result<std::uint64_t> Store::commit(std::span<const Put> puts,
                                    std::span<const std::pair<std::string_view, std::uint32_t>> removals) {
  std::uint64_t seq = last_seq_;
  std::string entry;
  Status s = env_.write([&](Txn& txn) -> Status {
    seq = last_seq_;  // a retried transaction starts again
    for (const Put& p : puts) {
      std::string slot_key = be_key32(p.slot);
      entry.clear();
      io::encode_entry(p.id, {}, *p.metadata, entry);
      STRATA_RETURN_IF_ERROR(txn.put(ids_, p.id, slot_key));
      STRATA_RETURN_IF_ERROR(txn.put(entries_, slot_key, entry));
      STRATA_RETURN_IF_ERROR(txn.put(vectors_, slot_key, vector_bytes(p.vector, dimensions_)));
      STRATA_RETURN_IF_ERROR(txn.put(log_, be_key64(++seq), slot_key));
      if (p.replaces) {
        std::string old_key = be_key32(*p.replaces);
        STRATA_RETURN_IF_ERROR(txn.del(entries_, old_key));
        STRATA_RETURN_IF_ERROR(txn.del(vectors_, old_key));
        STRATA_RETURN_IF_ERROR(txn.put(log_, be_key64(++seq), old_key));
      }
    }
    for (const auto& [id, slot] : removals) {
      std::string slot_key = be_key32(slot);
      STRATA_RETURN_IF_ERROR(txn.del(ids_, id));
      STRATA_RETURN_IF_ERROR(txn.del(entries_, slot_key));
      STRATA_RETURN_IF_ERROR(txn.del(vectors_, slot_key));
      STRATA_RETURN_IF_ERROR(txn.put(log_, be_key64(++seq), slot_key));
    }
    return txn.put(meta_, kSeqKey, be_key64(seq));
  });
  if (!s.is_ok()) return s;
  last_seq_ = seq;
  return seq;
}

Status Store::trim_log(std::uint64_t seq) {
  return env_.write([&](Txn& txn) -> Status {
    std::vector<std::string> keys;
    STRATA_RETURN_IF_ERROR(txn.scan(log_, "", [&](std::string_view key, std::string_view) -> Result<bool> {
      if (key.size() != 8 || read_be64(key) > seq) return false;
      keys.emplace_back(key);
      return true;
    }));
    for (const auto& k : keys) STRATA_RETURN_IF_ERROR(txn.del(log_, k));
    return Status::ok();
  });
}

Result<std::uint64_t> Store::seq_at(Txn& txn) const {
  auto seq = txn.get(meta_, kSeqKey);
  if (!seq) return seq.status();
  return seq->has_value() && (*seq)->size() == 8 ? read_be64(**seq) : 0;
}

Status Store::changed_since(Txn& txn, std::uint64_t seq, const std::function<void(std::uint32_t)>& fn) const {
  auto last = seq_at(txn);
  if (!last) return last.status();
  std::uint64_t expected = seq + 1;
  STRATA_RETURN_IF_ERROR(
      txn.scan(log_, be_key64(seq + 1), [&](std::string_view key, std::string_view value) -> Result<bool> {
        if (key.size() != 8 || value.size() != 4)
          return Status::corruption("data.mdb: malformed change log record");
        if (read_be64(key) != expected) return false;  // a gap: reported below
        ++expected;
        fn(read_be32(value));
        return true;
      }));
  // Every change up to the snapshot's last one must be in the log, or the checkpoint being loaded is
  // older than the one the log was trimmed for.
  if (expected != *last + 1) {
    return Status::corruption(
        fmt::format("data.mdb: the change log starts at {} but the checkpoint needs {}", expected, seq + 1));
  }
  return Status::ok();
}

Status Store::put_quantizers(std::string_view sq8, std::string_view cold, std::uint64_t trained_on) {
  return env_.write([&](Txn& txn) -> Status {
    STRATA_RETURN_IF_ERROR(txn.put(meta_, kTierSq8Key, sq8));
    STRATA_RETURN_IF_ERROR(txn.put(meta_, kTierColdKey, cold));
    return txn.put(meta_, kTierTrainedKey, be_key64(trained_on));
  });
}

Result<bool> Store::get_quantizers(Txn& txn, std::string& sq8, std::string& cold,
                                   std::uint64_t& trained_on) const {
  auto a = txn.get(meta_, kTierSq8Key);
  if (!a) return a.status();
  auto b = txn.get(meta_, kTierColdKey);
  if (!b) return b.status();
  auto c = txn.get(meta_, kTierTrainedKey);
  if (!c) return c.status();
  if (!a->has_value() || !b->has_value() || !c->has_value() || (*c)->size() != 8) return false;
  sq8.assign(**a);
  cold.assign(**b);
  trained_on = read_be64(**c);
  return true;
}

Status Store::read_vector(Txn& txn, std::uint32_t slot, float* out) const {
  auto vec = txn.get(vectors_, be_key32(slot));
  if (!vec) return vec.status();
  if (!vec->has_value() || (*vec)->size() != dimensions_ * sizeof(float)) {
    return Status::corruption(
        fmt::format("data.mdb: slot {} has no vector of {} dimensions", slot, dimensions_));
  }
  std::memcpy(out, (*vec)->data(), (*vec)->size());
  return Status::ok();
}

Result<std::pair<std::size_t, std::uint32_t>> Store::entry_count_and_bound(Txn& txn) const {
  auto count = txn.count(entries_);
  if (!count) return count.status();
  auto last = txn.last_key(entries_);
  if (!last) return last.status();
  if (!last->has_value()) return std::pair<std::size_t, std::uint32_t>{0, 0};
  if ((*last)->size() != 4 || read_be32(**last) == UINT32_MAX) {
    return Status::corruption("data.mdb: malformed entry key");
  }
  return std::pair<std::size_t, std::uint32_t>{*count, read_be32(**last) + 1};
}

Status Store::for_each_entry(
    Txn& txn, const std::function<Status(std::uint32_t, std::string_view, Metadata&&)>& fn) const {
  return txn.scan(entries_, "", [&](std::string_view key, std::string_view value) -> Result<bool> {
    if (key.size() != 4) return Status::corruption("data.mdb: malformed entry key");
    VectorEntry e;
    STRATA_RETURN_IF_ERROR(io::decode_entry(value, 0, e));
    STRATA_RETURN_IF_ERROR(fn(read_be32(key), e.id, std::move(e.metadata)));
    return true;
  });
}

Status Store::for_each_vector(Txn& txn,
                              const std::function<Status(std::uint32_t, std::span<const float>)>& fn) const {
  std::vector<float> buffer(dimensions_);
  return txn.scan(vectors_, "", [&](std::string_view key, std::string_view value) -> Result<bool> {
    if (key.size() != 4 || value.size() != dimensions_ * sizeof(float)) {
      return Status::corruption("data.mdb: malformed vector record");
    }
    std::memcpy(buffer.data(), value.data(), value.size());  // LMDB values need not be aligned
    STRATA_RETURN_IF_ERROR(fn(read_be32(key), buffer));
    return true;
  });
}

}  // namespace strata::storage
