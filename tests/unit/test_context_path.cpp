#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/context_path.hpp"
#include "core/errors.hpp"

namespace pz {
namespace {

using Keys = std::vector<std::string>;

TEST(ContextPath, DotsSeparateKeys) {
  EXPECT_EQ(parse_context_path("device"), Keys({"device"}));
  EXPECT_EQ(parse_context_path("user.segment"), Keys({"user", "segment"}));
  EXPECT_EQ(parse_context_path("a b.c-d.é"), Keys({"a b", "c-d", "é"}));
}

TEST(ContextPath, QuotedKeysHoldDotsAndQuotes) {
  EXPECT_EQ(parse_context_path(R"("a.b"."say ""hi""")"), Keys({"a.b", "say \"hi\""}));
  EXPECT_EQ(parse_context_path(R"(user."")"), Keys({"user", ""}));  // an empty key, quoted
}

TEST(ContextPath, RejectsMalformedPaths) {
  for (const char* bad :
       {"", ".", "user.", ".segment", "user..segment", R"("open)", R"(us"er)", R"("a"b)"}) {
    EXPECT_THROW(parse_context_path(bad), InputError) << bad;
  }
}

TEST(ContextPath, LimitsDepth) {
  std::string path = "k";
  for (size_t i = 1; i < kMaxContextPathKeys; ++i) path += ".k";
  EXPECT_EQ(parse_context_path(path).size(), kMaxContextPathKeys);
  EXPECT_THROW(parse_context_path(path + ".k"), InputError);
}

}  // namespace
}  // namespace pz
