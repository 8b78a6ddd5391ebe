// Crash safety: a child process inserts, upserts and removes in a loop, logging every operation it
// starts and every one acknowledged; the parent kills it with SIGKILL at random moments, reopens the
// database and checks that every acknowledged change is there exactly, the one in flight is either
// wholly there or wholly absent, and search finds every vector.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "strata/strata.hpp"
#include "support/temp_dir.hpp"

namespace strata {
namespace {

constexpr std::size_t kDim = 12;
constexpr int kKills = 24;

// The content of id `id` at `version` is a pure function of both, so the log stores only numbers.
VectorEntry make_entry(int id, int version) {
  std::mt19937 rng(static_cast<std::uint32_t>(id * 7919 + version));
  std::uniform_real_distribution<float> u(-1.0F, 1.0F);
  VectorEntry e;
  e.id = "k" + std::to_string(id);
  e.vector.resize(kDim);
  for (auto& x : e.vector) x = u(rng);
  e.metadata = {{"version", std::int64_t{version}},
                {"blob", std::string(static_cast<std::size_t>(version % 40), 'x')}};
  return e;
}

DbOptions options(const std::string& path) {
  DbOptions o;
  o.dimensions = kDim;
  o.storage_path = path;
  o.checkpoint_every = 300;  // checkpoints happen often, so kills land inside them too
  o.hnsw_ef_construction = 64;
  return o;
}

using Model = std::map<int, int>;  // id -> version (absent: not stored)

// One operation: a batch of (id, version) writes, version -1 meaning removal.
struct Op {
  std::vector<std::pair<int, int>> changes;
  std::string encode() const {
    std::string s;
    for (auto [id, v] : changes) s += std::to_string(id) + ":" + std::to_string(v) + " ";
    return s;
  }
  static Op decode(const std::string& line) {
    Op op;
    std::istringstream in(line);
    std::string item;
    while (in >> item) {
      auto colon = item.find(':');
      op.changes.emplace_back(std::stoi(item.substr(0, colon)), std::stoi(item.substr(colon + 1)));
    }
    return op;
  }
};

[[noreturn]] void run_child(const std::string& db_path, const std::string& log_path, Model model, int next_id,
                            unsigned seed) {
  auto db = VectorDB::open(options(db_path));
  if (!db) _exit(10);
  int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  std::mt19937 rng(seed);
  auto write_line = [&](const std::string& line) {
    if (::write(log, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(11);
  };
  for (;;) {
    Op op;
    int kind = static_cast<int>(rng() % 10);
    if (kind < 5 || model.size() < 20) {  // insert a batch of new ids
      int n = 1 + static_cast<int>(rng() % 40);
      for (int i = 0; i < n; ++i) op.changes.emplace_back(next_id++, 0);
    } else if (kind < 8) {  // upsert existing ids
      int n = 1 + static_cast<int>(rng() % 10);
      for (int i = 0; i < n; ++i) {
        auto it = std::next(model.begin(), static_cast<long>(rng() % model.size()));
        op.changes.emplace_back(it->first, it->second + 1);
      }
    } else {  // remove one id
      auto it = std::next(model.begin(), static_cast<long>(rng() % model.size()));
      op.changes.emplace_back(it->first, -1);
    }
    write_line("BEGIN " + op.encode() + "\n");
    Status s;
    if (op.changes.size() == 1 && op.changes[0].second == -1) {
      s = db->remove("k" + std::to_string(op.changes[0].first));
    } else {
      std::vector<VectorEntry> batch;
      for (auto [id, v] : op.changes) batch.push_back(make_entry(id, v));
      s = db->insert_batch(batch).status();
    }
    if (!s.is_ok()) _exit(12);
    for (auto [id, v] : op.changes) {
      if (v < 0) {
        model.erase(id);
      } else {
        model[id] = v;
      }
    }
    write_line("ACK\n");
    if (rng() % 50 == 0 && !db->checkpoint().is_ok()) _exit(13);
  }
}

void apply_op(Model& model, const Op& op) {
  for (auto [id, v] : op.changes) {
    if (v < 0) {
      model.erase(id);
    } else {
      model[id] = v;
    }
  }
}

// True when the database holds exactly `model`.
::testing::AssertionResult matches(const VectorDB& db, const Model& model) {
  if (db.size() != model.size()) {
    return ::testing::AssertionFailure() << "size " << db.size() << ", expected " << model.size();
  }
  for (auto [id, v] : model) {
    VectorEntry want = make_entry(id, v);
    auto got = db.get(want.id);
    if (!got) return ::testing::AssertionFailure() << want.id << " missing";
    if (got->vector != want.vector || got->metadata != want.metadata) {
      return ::testing::AssertionFailure() << want.id << " differs from version " << v;
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(CrashTest, SigkillAtRandomMomentsLosesNothingAcknowledged) {
  testing::TempDir dir;
  const std::string db_path = dir.sub("db");
  const std::string log_path = dir.sub("ops.log");
  Model model;
  int next_id = 0;
  int total_acked = 0;
  int pending_applied = 0;
  int pending_absent = 0;
  std::mt19937 rng(20261124);
  for (int round = 0; round < kKills; ++round) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) run_child(db_path, log_path, model, next_id, rng());
    std::this_thread::sleep_for(std::chrono::milliseconds(80 + rng() % 400));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child stopped by itself with code " << WEXITSTATUS(status);

    // Acknowledged operations, and the one in flight when the kill came (if any).
    std::ifstream log(log_path);
    std::string line;
    std::optional<Op> pending;
    int acked = 0;
    while (std::getline(log, line)) {
      if (line.rfind("BEGIN ", 0) == 0) {
        pending = Op::decode(line.substr(6));
      } else if (line == "ACK" && pending) {
        apply_op(model, *pending);
        for (auto [id, v] : pending->changes) next_id = std::max(next_id, id + 1);
        pending.reset();
        ++acked;
      }
    }
    if (pending) {
      for (auto [id, v] : pending->changes) next_id = std::max(next_id, id + 1);
    }

    auto db = VectorDB::open(options(db_path));
    ASSERT_TRUE(db.is_ok()) << "round " << round << ": " << db.status().to_string();
    Model with_pending = model;
    if (pending) apply_op(with_pending, *pending);
    auto before = matches(*db, model);
    auto after = matches(*db, with_pending);
    ASSERT_TRUE(before || after) << "round " << round << " (" << acked
                                 << " acknowledged): " << before.message() << " / " << after.message();
    if (!before) model = with_pending;
    total_acked += acked;
    if (pending) (before ? pending_absent : pending_applied) += 1;

    // The graph agrees with the data: every stored vector finds itself.
    int found = 0;
    int checked = 0;
    for (auto it = model.begin(); it != model.end() && checked < 200; ++it, ++checked) {
      VectorEntry e = make_entry(it->first, it->second);
      auto r = db->search({.vector = e.vector, .k = 1});
      ASSERT_TRUE(r.is_ok());
      found += !r->empty() && (*r)[0].id == e.id;
    }
    EXPECT_GE(found, checked * 98 / 100) << "round " << round;
  }
  std::printf("%d kills, %d acknowledged operations, in-flight operation present %d / absent %d, %zu ids\n",
              kKills, total_acked, pending_applied, pending_absent, model.size());
  EXPECT_GT(model.size(), 100U);
}

}  // namespace
}  // namespace strata
