// Quickstart: an in-memory database, a few vectors with metadata, a plain and a filtered search.
#include <cstdio>

#include "strata/strata.hpp"

int main() {
  strata::DbOptions options;
  options.dimensions = 3;
  auto db = strata::VectorDB::open(options);
  if (!db) return std::fprintf(stderr, "%s\n", db.status().to_string().c_str()), 1;

  std::vector<strata::VectorEntry> items = {
      {"apple", {1.0F, 0.1F, 0.0F}, {{"kind", "fruit"}, {"price", 1.2}}},
      {"pear", {0.9F, 0.2F, 0.1F}, {{"kind", "fruit"}, {"price", 2.5}}},
      {"carrot", {0.1F, 1.0F, 0.3F}, {{"kind", "vegetable"}, {"price", 0.8}}},
      {"leek", {0.0F, 0.9F, 0.9F}, {{"kind", "vegetable"}, {"price", 1.9}}}};
  if (auto ids = db->insert_batch(items); !ids)
    return std::fprintf(stderr, "%s\n", ids.status().to_string().c_str()), 1;

  strata::SearchQuery query{.vector = {1.0F, 0.0F, 0.0F}, .k = 3};
  for (const auto& r : *db->search(query)) std::printf("nearest: %-7s %.3f\n", r.id.c_str(), r.distance);

  query.filter = strata::Filter::eq("kind", "vegetable") && strata::Filter::lt("price", 1.0);
  for (const auto& r : *db->search(query))
    std::printf("cheap vegetable: %-7s %.3f\n", r.id.c_str(), r.distance);
  return 0;
}
