// A program outside the strata tree: opens a database, inserts, searches, and exits 0 on success.
#include <cstdio>

#include "strata/strata.hpp"

int main() {
  strata::DbOptions options;
  options.dimensions = 2;
  auto db = strata::VectorDB::open(options);
  if (!db) return 1;
  if (!db->insert({"a", {1.0F, 0.0F}, {{"k", "v"}}})) return 2;
  auto hits = db->search({.vector = {1.0F, 0.1F}, .k = 1, .filter = strata::Filter::eq("k", "v")});
  if (!hits || hits->size() != 1 || (*hits)[0].id != "a") return 3;
  std::puts("consumer ok");
  return 0;
}
