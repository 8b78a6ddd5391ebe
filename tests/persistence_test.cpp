// Persistent databases on a real LMDB environment: reopen without rebuild, replay after a crash,
// option checks, the single-writer lock, read-only mode, corrupt files, disk full, export/import.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <random>
#include <sstream>

#include "strata/strata.hpp"
#include "support/temp_dir.hpp"

namespace strata {
namespace {

constexpr std::size_t kDim = 16;

DbOptions persistent(const std::string& path) {
  DbOptions o;
  o.dimensions = kDim;
  o.storage_path = path;
  return o;
}

std::vector<VectorEntry> make_entries(int first, int count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0F, 1.0F);
  std::vector<VectorEntry> out;
  for (int i = first; i < first + count; ++i) {
    VectorEntry e;
    e.id = "id" + std::to_string(i);
    e.vector.resize(kDim);
    for (auto& x : e.vector) x = u(rng);
    e.metadata = {{"n", std::int64_t{i}}, {"tag", i % 2 == 0 ? "even" : "odd"}};
    out.push_back(std::move(e));
  }
  return out;
}

VectorDB open_ok(const DbOptions& o) {
  auto db = VectorDB::open(o);
  EXPECT_TRUE(db.is_ok()) << db.status().to_string();
  if (!db) std::abort();
  return std::move(db).value();
}

// Every entry is stored exactly and is its own nearest neighbour.
void expect_contents(const VectorDB& db, const std::vector<VectorEntry>& entries) {
  ASSERT_EQ(db.size(), entries.size());
  for (const auto& e : entries) {
    auto got = db.get(e.id);
    ASSERT_TRUE(got.is_ok()) << e.id;
    EXPECT_EQ(got->vector, e.vector) << e.id;
    EXPECT_EQ(got->metadata, e.metadata) << e.id;
  }
  int self_hits = 0;
  for (const auto& e : entries) {
    auto r = db.search({.vector = e.vector, .k = 1});
    ASSERT_TRUE(r.is_ok());
    self_hits += !r->empty() && (*r)[0].id == e.id;
  }
  EXPECT_GE(self_hits, static_cast<int>(entries.size() * 99 / 100));
}

TEST(PersistenceTest, ReopenWithoutRebuild) {
  testing::TempDir dir;
  auto entries = make_entries(0, 2000, 1);
  {
    VectorDB db = open_ok(persistent(dir.str()));
    ASSERT_TRUE(db.insert_batch(entries).is_ok());
    ASSERT_TRUE(db.remove("id5").is_ok());
  }
  entries.erase(entries.begin() + 5);
  VectorDB db = open_ok(persistent(dir.str()));
  DbStats s = db.stats();
  EXPECT_EQ(s.changes_since_checkpoint, 0U) << "a clean close leaves nothing to replay";
  EXPECT_GT(s.disk_bytes["data.mdb"], 0U);
  EXPECT_GT(s.disk_bytes["graph.ckpt"], 0U);
  EXPECT_GT(s.disk_bytes["vectors.f32"], 0U);
  expect_contents(db, entries);
  EXPECT_FALSE(db.contains("id5"));
}

TEST(PersistenceTest, ReplaysChangesAfterTheCheckpoint) {
  testing::TempDir dir;
  auto first = make_entries(0, 500, 2);
  auto second = make_entries(500, 300, 3);
  auto upserts = make_entries(0, 50, 4);  // new vectors for id0..id49
  pid_t child = fork();
  if (child == 0) {
    // The child checkpoints after the first batch, writes more, and dies without closing.
    auto db = VectorDB::open(persistent(dir.str()));
    if (!db || !db->insert_batch(first).is_ok() || !db->checkpoint().is_ok()) _exit(1);
    if (!db->insert_batch(second).is_ok() || !db->insert_batch(upserts).is_ok()) _exit(1);
    for (int i = 100; i < 120; ++i) {
      if (!db->remove("id" + std::to_string(i)).is_ok()) _exit(1);
    }
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  std::vector<VectorEntry> expected;
  for (int i = 0; i < 800; ++i) {
    if (i >= 100 && i < 120) continue;
    expected.push_back(i < 50 ? upserts[i] : (i < 500 ? first[i] : second[i - 500]));
  }
  VectorDB db = open_ok(persistent(dir.str()));
  EXPECT_GT(db.stats().changes_since_checkpoint, 0U);
  expect_contents(db, expected);
}

TEST(PersistenceTest, ReopenChecksDimensionsAndMetric) {
  testing::TempDir dir;
  { VectorDB db = open_ok(persistent(dir.str())); }
  DbOptions other = persistent(dir.str());
  other.dimensions = kDim + 1;
  auto r = VectorDB::open(other);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("dimensions"), std::string::npos);
  other = persistent(dir.str());
  other.distance_metric = DistanceMetric::kCosine;
  r = VectorDB::open(other);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("metric"), std::string::npos);
}

TEST(PersistenceTest, RefusesDirectoriesThatAreNotDatabases) {
  testing::TempDir dir;
  std::ofstream(dir.sub("notes.txt")) << "hello";
  auto r = VectorDB::open(persistent(dir.str()));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not a strata database"), std::string::npos);

  DbOptions o = persistent(dir.sub("missing"));
  o.create_if_missing = false;
  EXPECT_EQ(VectorDB::open(o).status().code(), StatusCode::kNotFound);
}

TEST(PersistenceTest, OneWriterManyReaders) {
  testing::TempDir dir;
  auto entries = make_entries(0, 300, 5);
  VectorDB writer = open_ok(persistent(dir.str()));
  ASSERT_TRUE(writer.insert_batch(entries).is_ok());
  ASSERT_TRUE(writer.checkpoint().is_ok());

  auto second = VectorDB::open(persistent(dir.str()));
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), StatusCode::kBusy);

  // Another process cannot take the write lock either.
  pid_t child = fork();
  if (child == 0) {
    auto db = VectorDB::open(persistent(dir.str()));
    _exit(!db.is_ok() && db.status().code() == StatusCode::kBusy ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  DbOptions ro = persistent(dir.str());
  ro.read_only = true;
  VectorDB reader = open_ok(ro);
  expect_contents(reader, entries);
  EXPECT_EQ(reader.insert(entries[0]).status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(reader.remove("id1").code(), StatusCode::kNotSupported);
}

TEST(PersistenceTest, CorruptCheckpointIsReportedOrRebuilt) {
  testing::TempDir dir;
  auto entries = make_entries(0, 400, 6);
  {
    VectorDB db = open_ok(persistent(dir.str()));
    ASSERT_TRUE(db.insert_batch(entries).is_ok());
  }
  {
    std::fstream f(dir.sub("graph.ckpt"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    f.put('\x5a');
    f.put('\x5a');
  }
  auto r = VectorDB::open(persistent(dir.str()));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("graph.ckpt"), std::string::npos);

  DbOptions rebuild = persistent(dir.str());
  rebuild.rebuild_index_if_corrupt = true;
  {
    VectorDB db = open_ok(rebuild);
    expect_contents(db, entries);
  }
  VectorDB db = open_ok(persistent(dir.str()));  // the rebuilt checkpoint was written at close
  expect_contents(db, entries);
}

TEST(PersistenceTest, TruncatedFilesAreCorruption) {
  testing::TempDir dir;
  auto entries = make_entries(0, 400, 7);
  {
    VectorDB db = open_ok(persistent(dir.str()));
    ASSERT_TRUE(db.insert_batch(entries).is_ok());
  }
  std::filesystem::resize_file(dir.sub("vectors.f32"), 4096 + 100);
  auto r = VectorDB::open(persistent(dir.str()));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("vectors.f32"), std::string::npos);
  DbOptions rebuild = persistent(dir.str());
  rebuild.rebuild_index_if_corrupt = true;
  {
    VectorDB db = open_ok(rebuild);
    expect_contents(db, entries);
  }

  std::filesystem::resize_file(dir.sub("graph.ckpt"), 30);
  r = VectorDB::open(persistent(dir.str()));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("graph.ckpt"), std::string::npos);
}

TEST(PersistenceTest, DiskFullFailsCleanlyAndKeepsEarlierData) {
  testing::TempDir dir;
  auto before = make_entries(0, 200, 8);
  {
    VectorDB db = open_ok(persistent(dir.str()));
    ASSERT_TRUE(db.insert_batch(before).is_ok());
  }
  pid_t child = fork();
  if (child == 0) {
    // A file-size limit stands in for a full disk: writes past it fail with EFBIG.
    std::signal(SIGXFSZ, SIG_IGN);
    auto db = VectorDB::open(persistent(dir.str()));
    if (!db) _exit(2);
    rlimit limit{};
    limit.rlim_cur = limit.rlim_max = 1 << 20;
    setrlimit(RLIMIT_FSIZE, &limit);
    auto big = make_entries(1000, 20000, 9);
    auto r = db->insert_batch(big);
    if (r.is_ok()) _exit(3);
    if (r.status().code() != StatusCode::kResourceExhausted && r.status().code() != StatusCode::kIOError)
      _exit(4);
    // The failed batch is invisible; earlier data is intact.
    if (db->contains("id1000") || db->size() != 200) _exit(5);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "the writer crashed";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  VectorDB db = open_ok(persistent(dir.str()));
  expect_contents(db, before);
}

TEST(PersistenceTest, ExportImportBetweenMemoryAndDisk) {
  testing::TempDir dir;
  auto entries = make_entries(0, 1500, 10);
  DbOptions mem;
  mem.dimensions = kDim;
  VectorDB memory = open_ok(mem);
  ASSERT_TRUE(memory.insert_batch(entries).is_ok());
  ASSERT_TRUE(memory.export_all(dir.sub("dump.strata")).is_ok());

  {
    VectorDB disk = open_ok(persistent(dir.sub("db")));
    ASSERT_TRUE(disk.import_all(dir.sub("dump.strata")).is_ok());
    expect_contents(disk, entries);
    std::stringstream stream;
    ASSERT_TRUE(disk.export_all(stream).is_ok());
    VectorDB back = open_ok(mem);
    ASSERT_TRUE(back.import_all(stream).is_ok());
    expect_contents(back, entries);
  }
  VectorDB reopened = open_ok(persistent(dir.sub("db")));
  expect_contents(reopened, entries);

  DbOptions other;
  other.dimensions = kDim + 2;
  VectorDB wrong = open_ok(other);
  Status s = wrong.import_all(dir.sub("dump.strata"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  std::stringstream garbage("definitely not a dump");
  EXPECT_EQ(memory.import_all(garbage).code(), StatusCode::kCorruption);
}

TEST(PersistenceTest, SlotsAreReusedAcrossReopen) {
  testing::TempDir dir;
  auto entries = make_entries(0, 1000, 11);
  {
    VectorDB db = open_ok(persistent(dir.str()));
    ASSERT_TRUE(db.insert_batch(entries).is_ok());
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(db.remove("id" + std::to_string(i)).is_ok());
  }
  VectorDB db = open_ok(persistent(dir.str()));
  std::size_t slots = db.stats().slots;
  auto more = make_entries(2000, 200, 12);
  ASSERT_TRUE(db.insert_batch(more).is_ok());
  EXPECT_EQ(db.stats().slots, slots) << "freed slots are reused";
  std::vector<VectorEntry> expected(entries.begin() + 200, entries.end());
  expected.insert(expected.end(), more.begin(), more.end());
  expect_contents(db, expected);
}

TEST(PersistenceTest, ReadOnlyOpensWhileAnotherProcessWrites) {
  testing::TempDir dir;
  {
    VectorDB db = open_ok(persistent(dir.str()));
    ASSERT_TRUE(db.insert_batch(make_entries(0, 200, 13)).is_ok());
  }
  pid_t writer = fork();
  if (writer == 0) {
    DbOptions o = persistent(dir.str());
    o.checkpoint_every = 150;  // checkpoints trim the log under the readers' feet
    auto db = VectorDB::open(o);
    if (!db) _exit(1);
    for (int round = 0; round < 40; ++round) {
      // Content is a pure function of the id, so readers can check whatever they see.
      if (!db->insert_batch(make_entries(200 + round * 50, 50, 1000 + static_cast<std::uint32_t>(round)))
               .is_ok())
        _exit(2);
      if (!db->remove("id" + std::to_string(round)).is_ok()) _exit(3);
    }
    _exit(0);
  }
  DbOptions ro = persistent(dir.str());
  ro.read_only = true;
  int opened = 0;
  for (int i = 0; i < 15; ++i) {
    auto db = VectorDB::open(ro);
    ASSERT_TRUE(db.is_ok()) << db.status().to_string();
    ++opened;
    for (int id = 0; id < 2200; id += 7) {
      auto e = db->get("id" + std::to_string(id));
      if (!e) continue;
      int batch_first = id < 200 ? 0 : 200 + (id - 200) / 50 * 50;
      std::uint32_t seed = id < 200 ? 13 : 1000 + static_cast<std::uint32_t>((id - 200) / 50);
      auto expected =
          make_entries(batch_first, id < 200 ? 200 : 50, seed)[static_cast<std::size_t>(id - batch_first)];
      EXPECT_EQ(e->vector, expected.vector) << "id" << id;
      auto r = db->search({.vector = e->vector, .k = 1});
      ASSERT_TRUE(r.is_ok());
      EXPECT_EQ((*r)[0].id, e->id);
    }
  }
  int status = 0;
  waitpid(writer, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(opened, 15);
}

}  // namespace
}  // namespace strata
