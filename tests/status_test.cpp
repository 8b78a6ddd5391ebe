// Status, Result and DbOptions::validate.
#include <gtest/gtest.h>

#include "strata/options.hpp"
#include "strata/status.hpp"

namespace strata {
namespace {

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status::ok().is_ok());
  Status s = Status::invalid_argument("bad thing");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.to_string(), "InvalidArgument: bad thing");
}

TEST(StatusTest, ResultHoldsValueOrError) {
  Result<int> good = 3;
  ASSERT_TRUE(good.is_ok());
  EXPECT_EQ(*good, 3);
  Result<int> bad = Status::not_found("nope");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
}

TEST(OptionsTest, ValidateNamesTheField) {
  DbOptions o;
  Status s = o.validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("dimensions"), std::string::npos);
  o.dimensions = 8;
  EXPECT_TRUE(o.validate().is_ok());
  o.hnsw_m = 1;
  EXPECT_NE(o.validate().message().find("hnsw_m"), std::string::npos);
  o.hnsw_m = 16;
  o.hnsw_ef_construction = 0;
  EXPECT_NE(o.validate().message().find("hnsw_ef_construction"), std::string::npos);
  o.hnsw_ef_construction = 10;
  o.hnsw_ef_search = 0;
  EXPECT_NE(o.validate().message().find("hnsw_ef_search"), std::string::npos);
}

}  // namespace
}  // namespace strata
