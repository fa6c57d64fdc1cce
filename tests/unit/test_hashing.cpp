#include <gtest/gtest.h>

#include "core/hashing.hpp"

namespace pz {
namespace {

TEST(Hashing, FnvStateMatchesReferenceVectors) {
  EXPECT_EQ(NameHash().state(), 0xcbf29ce484222325ULL);
  EXPECT_EQ(NameHash().add("a").state(), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(NameHash().add("foobar").state(), 0x85944171f73967e8ULL);
}

TEST(Hashing, FinishedValuesAreStable) {
  // These values are part of the model format: a change invalidates stored models.
  EXPECT_EQ(NameHash().finish(), 3130599718u);
  EXPECT_EQ(NameHash().add("device=mobile").finish(), 3830219201u);
  EXPECT_EQ(namespace_hash("user"), 984201927u);
  EXPECT_EQ(namespace_hash("_id"), 3379897168u);
}

TEST(Hashing, StreamingEqualsWhole) {
  NameHash pieces;
  pieces.add("geo").add('.').add("city").add('=').add("Lyon");
  EXPECT_EQ(pieces.state(), NameHash().add("geo.city=Lyon").state());
  EXPECT_EQ(pieces.finish(), NameHash().add("geo.city=Lyon").finish());
}

TEST(Hashing, FinishSpreadsIntoLowBits) {
  // Names differing in their last byte must differ in the low bits the model keeps.
  const uint32_t mask = (1u << 10) - 1u;
  int collisions = 0;
  for (char c = 'a'; c <= 'z'; ++c) {
    for (char d = c + 1; d <= 'z'; ++d) {
      const uint32_t a = NameHash().add("item").add(c).finish() & mask;
      const uint32_t b = NameHash().add("item").add(d).finish() & mask;
      if (a == b) ++collisions;
    }
  }
  EXPECT_LE(collisions, 2);
}

TEST(Hashing, InteractionHashIsOrderSensitive) {
  EXPECT_EQ(interaction_hash(1u, 2u), (1u * 16777619u) ^ 2u);
  EXPECT_NE(interaction_hash(1u, 2u), interaction_hash(2u, 1u));
}

TEST(Hashing, SeedFromBytesIsStableAndSensitive) {
  unsigned char uuid[16];
  for (int i = 0; i < 16; ++i) uuid[i] = static_cast<unsigned char>(i);
  EXPECT_EQ(seed_from_bytes(uuid, 16), 17370587554038151142ULL);
  uuid[15] ^= 1;
  EXPECT_NE(seed_from_bytes(uuid, 16), 17370587554038151142ULL);
}

}  // namespace
}  // namespace pz
