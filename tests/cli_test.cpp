// Tests of the strata command-line program: each runs the real binary (STRATA_CLI_PATH) on files in a
// temporary directory and checks its output, exit code and error line.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "support/cli_support.hpp"
#include "support/temp_dir.hpp"

namespace strata::testing {
namespace {

using nlohmann::json;

class CliTest : public ::testing::Test {
 protected:
  CliResult run(const std::vector<std::string>& args, const std::string& stdin_path = "/dev/null") {
    return run_program(STRATA_CLI_PATH, args, dir_.str(), stdin_path);
  }

  // Runs a command that must succeed, with nothing on stderr (no progress bar: stderr is a file).
  std::string ok(const std::vector<std::string>& args) {
    const CliResult r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    return r.out;
  }

  // Runs a command that must fail with exactly one "strata: error: ..." line containing `needle`.
  void fails(const std::vector<std::string>& args, const std::string& needle) {
    const CliResult r = run(args);
    EXPECT_NE(r.exit_code, 0) << r.out;
    EXPECT_LT(r.exit_code, 128) << "killed by a signal: " << r.err;
    EXPECT_EQ(r.err.rfind("strata: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
  }

  std::string db() const { return dir_.sub("db"); }
  std::string file(const std::string& name) const { return dir_.sub(name); }

  void create(const std::string& path, int dim, const std::string& metric = "euclidean") {
    ok({"create", path, "--dim", std::to_string(dim), "--metric", metric});
  }

  json search_json(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"search", db(), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return json::parse(ok(args));
  }

  std::vector<std::string> ids_of(const json& hits) {
    std::vector<std::string> ids;
    for (const json& hit : hits) ids.push_back(hit["id"].get<std::string>());
    return ids;
  }

  TempDir dir_;
};

TEST_F(CliTest, HelpOnEveryCommand) {
  for (const char* command :
       {"create", "insert", "search", "get", "delete", "stats", "export", "import", "bench"}) {
    const CliResult r = run({command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << command;
    EXPECT_EQ(r.err, "") << command;
  }
  EXPECT_EQ(run({"--help"}).exit_code, 0);
}

TEST_F(CliTest, UsageErrorsAreOneLine) {
  fails({}, "subcommand");
  fails({"frobnicate"}, "unknown command 'frobnicate'");
  fails({"create", db(), "--dim", "0", "--metric", "cosine"}, "--dim");
  fails({"create", db(), "--dim", "x", "--metric", "cosine"}, "--dim");
  fails({"create", db(), "--dim", "4"}, "--metric");
  fails({"create", db(), "--dim", "4", "--metric", "hamming"}, "unknown metric 'hamming'");
  EXPECT_FALSE(std::filesystem::exists(db()));
}

TEST_F(CliTest, CreateRemembersSettings) {
  ok({"create", db(), "--dim", "3", "--metric", "cosine", "--m", "8", "--ef-construction", "64",
      "--ef-search", "32"});
  EXPECT_TRUE(std::filesystem::exists(db() + "/strata-cli.json"));
  const json stats = json::parse(ok({"stats", db(), "--json"}));
  EXPECT_EQ(stats["dimensions"], 3);
  EXPECT_EQ(stats["metric"], "cosine");
  EXPECT_EQ(stats["hnsw_m"], 8);
  EXPECT_EQ(stats["hnsw_ef_construction"], 64);
  EXPECT_EQ(stats["hnsw_ef_search"], 32);
  EXPECT_EQ(stats["count"], 0);
  fails({"create", db(), "--dim", "3", "--metric", "cosine"}, "already holds a database");
}

TEST_F(CliTest, InsertCsvWithHeaderAndIds) {
  create(db(), 3);
  write_text(file("v.csv"), "id,x,y,z\nalpha,1,0,0\n\"be,ta\",0,1,0\r\ngamma, 0 , 0 , 1\n\n");
  EXPECT_NE(ok({"insert", db(), file("v.csv")}).find("inserted 3 vectors"), std::string::npos);
  EXPECT_EQ(ids_of(search_json({"--vector", "[0,1,0]", "-k", "1"})), std::vector<std::string>{"be,ta"});
  EXPECT_EQ(ids_of(search_json({"--vector", "[0,0,1]", "-k", "1"})), std::vector<std::string>{"gamma"});
}

TEST_F(CliTest, InsertCsvWithoutIdsUsesRowNumbersPlusOffset) {
  create(db(), 2);
  write_text(file("a.csv"), "1,0\n0,1\n");
  write_text(file("b.csv"), "v0,v1\n5,5\n");
  ok({"insert", db(), file("a.csv")});
  ok({"insert", db(), file("b.csv"), "--id-offset", "2"});
  EXPECT_EQ(json::parse(ok({"stats", db(), "--json"}))["count"], 3);
  EXPECT_EQ(ids_of(search_json({"--vector", "[5,5]", "-k", "1"})), std::vector<std::string>{"2"});
  EXPECT_EQ(ids_of(search_json({"--vector", "[0,1]", "-k", "1"})), std::vector<std::string>{"1"});
}

TEST_F(CliTest, InsertJsonlWithMetadataAndFilteredSearch) {
  create(db(), 2);
  write_text(
      file("v.jsonl"),
      R"({"id": "a", "vector": [1, 0], "metadata": {"lang": "en", "n": 3, "score": 0.5, "ok": true, "tags": ["x", "y"]}})"
      "\n"
      R"({"id": "b", "vector": [0.9, 0.1], "metadata": {"lang": "fr", "n": 7}})"
      "\n\n"
      R"({"vector": [0, 1]})"
      "\n");
  ok({"insert", db(), file("v.jsonl")});
  const json all = search_json({"--vector", "[1,0]", "-k", "3"});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["id"], "a");
  EXPECT_EQ(all[0]["metadata"]["lang"], "en");
  EXPECT_EQ(all[0]["metadata"]["n"], 3);
  EXPECT_EQ(all[0]["metadata"]["score"], 0.5);
  EXPECT_EQ(all[0]["metadata"]["ok"], true);
  EXPECT_EQ(all[0]["metadata"]["tags"], json::array({"x", "y"}));
  EXPECT_EQ(all[2]["id"], "2");  // no id: its record number
  const json french = search_json({"--vector", "[1,0]", "--filter", R"({"lang": "fr"})"});
  EXPECT_EQ(ids_of(french), std::vector<std::string>{"b"});
  const json big = search_json({"--vector", "[1,0]", "--filter", R"({"n": {"$gt": 5}})"});
  EXPECT_EQ(ids_of(big), std::vector<std::string>{"b"});
}

TEST_F(CliTest, InsertFvecsAndBvecs) {
  create(db(), 3);
  write_fvecs(file("v.fvecs"), {{1, 0, 0}, {0, 1, 0}});
  write_bvecs(file("v.bvecs"), {{0, 0, 9}});
  ok({"insert", db(), file("v.fvecs")});
  ok({"insert", db(), file("v.bvecs"), "--id-offset", "100"});
  EXPECT_EQ(ids_of(search_json({"--vector", "[0,1,0]", "-k", "1"})), std::vector<std::string>{"1"});
  const json got = json::parse(ok({"get", db(), "100", "--json"}));
  EXPECT_EQ(got["vector"], json::array({0.0, 0.0, 9.0}));
}

TEST_F(CliTest, InsertNpyFloat32AndUint8) {
  create(db(), 2);
  write_npy(file("f.npy"), "<f4", 2, 2, float_bytes({{1, 2}, {3, 4}}));
  write_npy(file("u.npy"), "|u1", 1, 2, std::string("\x05\x06", 2), /*version=*/2);
  ok({"insert", db(), file("f.npy")});
  ok({"insert", db(), file("u.npy"), "--id-offset", "10"});
  EXPECT_EQ(json::parse(ok({"get", db(), "1", "--json"}))["vector"], json::array({3.0, 4.0}));
  EXPECT_EQ(json::parse(ok({"get", db(), "10", "--json"}))["vector"], json::array({5.0, 6.0}));
}

TEST_F(CliTest, InsertFromStdinNeedsFormat) {
  create(db(), 2);
  write_text(file("in.csv"), "1,2\n");
  fails({"insert", db(), "-"}, "--format");
  const CliResult r = run({"insert", db(), "-", "--format", "csv"}, file("in.csv"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(ok({"get", db(), "0", "--json"}))["vector"], json::array({1.0, 2.0}));
}

TEST_F(CliTest, SearchTableAndQueryFile) {
  create(db(), 2);
  write_text(file("v.csv"), "a,1,0\nb,0,1\n");
  ok({"insert", db(), file("v.csv")});
  const std::string table = ok({"search", db(), "--vector", "[1, 0]", "-k", "2"});
  EXPECT_NE(table.find("rank"), std::string::npos);
  EXPECT_NE(table.find("distance"), std::string::npos);
  EXPECT_LT(table.find(" a "), table.find(" b "));
  write_text(file("q.csv"), "0,1\n1,0\n");
  const std::string lines = ok({"search", db(), "--query-file", file("q.csv"), "-k", "1", "--json"});
  std::istringstream in(lines);
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  EXPECT_EQ(json::parse(first)[0]["id"], "b");
  EXPECT_EQ(json::parse(second)[0]["id"], "a");
  const std::string both = ok({"search", db(), "--query-file", file("q.csv"), "-k", "1"});
  EXPECT_NE(both.find("query 1:"), std::string::npos);
  EXPECT_NE(ok({"search", db(), "--vector", "[1,0]", "--filter", R"({"x": 1})"}).find("(no results)"),
            std::string::npos);
}

TEST_F(CliTest, GetAndDelete) {
  create(db(), 2);
  write_text(file("v.jsonl"), R"({"id": "k1", "vector": [0.5, 1.5], "metadata": {"c": "x"}})"
                              "\n"
                              R"({"id": "k2", "vector": [2, 3]})"
                              "\n");
  ok({"insert", db(), file("v.jsonl")});
  const json got = json::parse(ok({"get", db(), "k1", "--json"}));
  EXPECT_EQ(got, json::parse(R"({"id": "k1", "vector": [0.5, 1.5], "metadata": {"c": "x"}})"));
  const std::string table = ok({"get", db(), "k1"});
  EXPECT_NE(table.find("[0.5,1.5]"), std::string::npos);
  EXPECT_NE(table.find(R"({"c":"x"})"), std::string::npos);
  EXPECT_NE(ok({"delete", db(), "k1"}).find("deleted 1 vector"), std::string::npos);
  fails({"get", db(), "k1"}, "no vector with id 'k1'");
  fails({"delete", db(), "k2", "nope"}, "not found: 'nope'");
  fails({"get", db(), "k2"}, "k2");  // deleted although another id was missing
}

TEST_F(CliTest, StatsTable) {
  create(db(), 2, "dot");
  write_text(file("v.csv"), "1,2\n3,4\n");
  ok({"insert", db(), file("v.csv")});
  const std::string table = ok({"stats", db()});
  for (const char* row : {"count", "dimensions", "metric", "dot", "hnsw M", "memory: graph", "memory: total",
                          "disk: total", "changes since checkpoint"}) {
    EXPECT_NE(table.find(row), std::string::npos) << row;
  }
  EXPECT_EQ(json::parse(ok({"stats", db(), "--json"}))["count"], 2);
}

TEST_F(CliTest, ExportImportRoundTrip) {
  create(db(), 3);
  write_text(file("v.jsonl"),
             R"({"id": "a", "vector": [1, 2, 3], "metadata": {"t": ["p", "q"], "n": -4}})"
             "\n"
             R"({"id": "b", "vector": [4, 5, 6], "metadata": {"s": "z", "f": 2.25, "b": false}})"
             "\n");
  ok({"insert", db(), file("v.jsonl")});
  ok({"export", db(), file("dump.bin")});
  fails({"export", db(), file("dump.bin")}, "--force");
  ok({"export", db(), file("dump.bin"), "--force"});
  const std::string copy = file("copy");
  create(copy, 3);
  ok({"import", copy, file("dump.bin")});
  for (const char* id : {"a", "b"}) {
    EXPECT_EQ(ok({"get", copy, id, "--json"}), ok({"get", db(), id, "--json"})) << id;
  }
  const std::string other = file("other");
  create(other, 4);
  fails({"import", other, file("dump.bin")}, "dimension");
  fails({"import", copy, file("missing.bin")}, "missing.bin");
}

TEST_F(CliTest, BenchReportsRecallAndQps) {
  constexpr int kDim = 8, kBase = 400, kQueries = 20, kK = 5;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-1, 1);
  auto random_rows = [&](int n) {
    std::vector<std::vector<float>> rows(n, std::vector<float>(kDim));
    for (auto& row : rows) std::generate(row.begin(), row.end(), [&] { return uniform(rng); });
    return rows;
  };
  const auto base = random_rows(kBase);
  const auto queries = random_rows(kQueries);
  std::vector<std::vector<std::int32_t>> truth;
  for (const auto& q : queries) {
    std::vector<std::pair<float, std::int32_t>> d;
    for (int i = 0; i < kBase; ++i) {
      float s = 0;
      for (int j = 0; j < kDim; ++j) s += (q[j] - base[i][j]) * (q[j] - base[i][j]);
      d.emplace_back(s, i);
    }
    std::sort(d.begin(), d.end());
    std::vector<std::int32_t> row;
    for (int i = 0; i < 10; ++i) row.push_back(d[i].second);
    truth.push_back(row);
  }
  write_fvecs(file("base.fvecs"), base);
  write_fvecs(file("query.fvecs"), queries);
  write_ivecs(file("gt.ivecs"), truth);
  create(db(), kDim);
  ok({"insert", db(), file("base.fvecs")});
  const json rows = json::parse(ok({"bench", db(), "--queries", file("query.fvecs"), "--groundtruth",
                                    file("gt.ivecs"), "--k", std::to_string(kK), "--ef", "5,400", "--json"}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1]["ef"], 400);
  EXPECT_GE(rows[1]["recall"].get<double>(), 0.99);  // ef = base size: exhaustive
  EXPECT_GT(rows[0]["qps"].get<double>(), 0);
  const std::string table =
      ok({"bench", db(), "--queries", file("query.fvecs"), "--groundtruth", file("gt.ivecs"), "--k", "5"});
  EXPECT_NE(table.find("recall@5"), std::string::npos);
  EXPECT_NE(table.find("QPS"), std::string::npos);
  write_ivecs(file("short.ivecs"), {{1, 2}});
  fails({"bench", db(), "--queries", file("query.fvecs"), "--groundtruth", file("short.ivecs")},
        "short.ivecs");
}

TEST_F(CliTest, MissingDatabase) {
  for (const char* command : {"stats", "export", "import"}) {
    std::vector<std::string> args = {command, file("nowhere")};
    if (std::string(command) != "stats") args.push_back(file("x"));
    fails(args, "nowhere");
  }
  fails({"search", file("nowhere"), "--vector", "[1]"}, "no database at");
  fails({"insert", file("nowhere"), file("v.csv")}, "no database at");
  std::filesystem::create_directories(file("plain"));
  fails({"get", file("plain"), "x"}, "strata-cli.json");
}

TEST_F(CliTest, WrongDimensions) {
  create(db(), 3);
  fails({"search", db(), "--vector", "[1, 2]"}, "3 dimensions");
  write_fvecs(file("four.fvecs"), {{1, 2, 3, 4}});
  fails({"insert", db(), file("four.fvecs")}, "four.fvecs: record 0: 4 dimensions, but the database has 3");
  write_npy(file("four.npy"), "<f4", 1, 4, float_bytes({{1, 2, 3, 4}}));
  fails({"insert", db(), file("four.npy")}, "4 columns");
  write_text(file("wide.csv"), "1,2,3\n1,2,3,4,5\n");
  fails({"insert", db(), file("wide.csv")}, "wide.csv:2:");
  write_text(file("wide.jsonl"), R"({"vector": [1, 2]})");
  fails({"insert", db(), file("wide.jsonl")}, "wide.jsonl:1: \"vector\" has 2 values");
}

TEST_F(CliTest, MalformedFiles) {
  create(db(), 2);
  write_text(file("bad.csv"), "1,2\n3,4\n5,abc\n");
  fails({"insert", db(), file("bad.csv")}, "bad.csv:3: field 2 ('abc') is not a finite number");
  write_text(file("quote.csv"), "\"a,1,2\n");
  fails({"insert", db(), file("quote.csv")}, "quote.csv:1: unterminated quote");
  write_text(file("bad.jsonl"), "{\"vector\": [1, 2]}\n{\"vector\": [1, \n");
  fails({"insert", db(), file("bad.jsonl")}, "bad.jsonl:2: invalid JSON");
  write_text(file("null.jsonl"), R"({"vector": [1, 2], "metadata": {"k": null}})");
  fails({"insert", db(), file("null.jsonl")}, "metadata \"k\"");
  write_text(file("nested.jsonl"), R"({"vector": [1, 2], "metadata": {"k": [1]}})");
  fails({"insert", db(), file("nested.jsonl")}, "only strings");
  write_text(file("extra.jsonl"), R"({"vector": [1, 2], "vectors": []})");
  fails({"insert", db(), file("extra.jsonl")}, "unknown key \"vectors\"");
  write_text(file("trunc.fvecs"), std::string("\x02\x00\x00\x00\x00\x00\x80\x3f", 8));
  fails({"insert", db(), file("trunc.fvecs")}, "trunc.fvecs: record 0: truncated");
  write_text(file("nan.fvecs"), std::string("\x02\x00\x00\x00\x00\x00\xc0\x7f\x00\x00\x00\x00", 12));
  fails({"insert", db(), file("nan.fvecs")}, "not finite");
  write_npy(file("f8.npy"), "<f8", 1, 2, std::string(16, '\0'));
  fails({"insert", db(), file("f8.npy")}, "dtype '<f8'");
  write_npy(file("fortran.npy"), "<f4", 1, 2, std::string(8, '\0'), 1, /*fortran_order=*/true);
  fails({"insert", db(), file("fortran.npy")}, "Fortran");
  write_npy(file("short.npy"), "<f4", 3, 2, std::string(8, '\0'));
  fails({"insert", db(), file("short.npy")}, "row 1: truncated");
  write_text(file("garbage.npy"), "not numpy at all");
  fails({"insert", db(), file("garbage.npy")}, "not a .npy file");
  write_text(file("v.txt"), "1,2\n");
  fails({"insert", db(), file("v.txt")}, "unknown format");
  fails({"insert", db(), file("absent.csv")}, "absent.csv: no such file");
  EXPECT_EQ(json::parse(ok({"stats", db(), "--json"}))["count"], 0);  // bad.csv failed before its batch
}

TEST_F(CliTest, BadQueryArguments) {
  create(db(), 2);
  fails({"search", db(), "--vector", "[1, x]"}, "--vector: element 1 ('x')");
  fails({"search", db(), "--vector", "[1, 2]", "--filter", "{\"a\": "}, "--filter");
  fails({"search", db(), "--vector", "[1, 2]", "--filter", R"({"a": {"$lt": true}})"}, "--filter");
  fails({"search", db()}, "exactly one of --vector and --query-file");
  fails({"search", db(), "--vector", "[1,2]", "-k", "0"}, "-k");
}

}  // namespace
}  // namespace strata::testing
