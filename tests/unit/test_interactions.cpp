#include <gtest/gtest.h>

#include "core/features.hpp"

namespace pz {
namespace {

const uint32_t kUser = namespace_hash("user");
const uint32_t kDevice = namespace_hash("device");
const uint32_t kItem = namespace_hash("item");
const uint32_t kId = namespace_hash("_id");

TEST(Interactions, AllPairsEveryContextWithEveryAction) {
  const Interactions rules = Interactions::all();
  EXPECT_TRUE(rules.applies(kUser, kItem));
  EXPECT_TRUE(rules.applies(kDevice, kId));
}

TEST(Interactions, NoneIsLinear) {
  const Interactions rules = Interactions::none();
  EXPECT_FALSE(rules.applies(kUser, kItem));
  EXPECT_FALSE(rules.applies(kDevice, kId));
}

TEST(Interactions, ExplicitPairsOnly) {
  Interactions rules = Interactions::none();
  rules.add("user", "item");
  EXPECT_TRUE(rules.applies(kUser, kItem));
  EXPECT_FALSE(rules.applies(kUser, kId));
  EXPECT_FALSE(rules.applies(kDevice, kItem));
  EXPECT_FALSE(rules.applies(kItem, kUser));
}

TEST(Interactions, WildcardOnEitherSide) {
  Interactions rules = Interactions::none();
  rules.add("*", "item");
  rules.add("device", "*");
  EXPECT_TRUE(rules.applies(kUser, kItem));
  EXPECT_TRUE(rules.applies(kDevice, kItem));
  EXPECT_TRUE(rules.applies(kDevice, kId));
  EXPECT_FALSE(rules.applies(kUser, kId));
}

TEST(Interactions, FingerprintIgnoresOrderAndRepeats) {
  Interactions a = Interactions::none();
  a.add("user", "item");
  a.add("device", "*");
  Interactions b = Interactions::none();
  b.add("device", "*");
  b.add("user", "item");
  b.add("user", "item");
  EXPECT_EQ(a.fingerprint(), b.fingerprint());

  Interactions star = Interactions::none();
  star.add("*", "*");
  EXPECT_EQ(star.fingerprint(), Interactions::all().fingerprint());
  EXPECT_NE(Interactions::all().fingerprint(), Interactions::none().fingerprint());
  EXPECT_NE(a.fingerprint(), Interactions::none().fingerprint());
  Interactions swapped = Interactions::none();
  swapped.add("item", "user");
  swapped.add("device", "*");
  EXPECT_NE(a.fingerprint(), swapped.fingerprint());
}

TEST(FeatureSpace, FingerprintCoversBitsAndInteractions) {
  FeatureSpace base;
  FeatureSpace other_bits;
  other_bits.bits = 20;
  FeatureSpace linear;
  linear.interactions = Interactions::none();
  EXPECT_EQ(base.fingerprint(), FeatureSpace().fingerprint());
  EXPECT_NE(base.fingerprint(), other_bits.fingerprint());
  EXPECT_NE(base.fingerprint(), linear.fingerprint());
  EXPECT_EQ(base.mask(), (1u << 18) - 1u);
  EXPECT_EQ(other_bits.mask(), (1u << 20) - 1u);
}

}  // namespace
}  // namespace pz
