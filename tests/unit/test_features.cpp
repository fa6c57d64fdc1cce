#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/errors.hpp"
#include "core/features.hpp"
#include "test_support.hpp"

namespace pz {
namespace {

using testing::action_of;
using testing::features_of;
using testing::only_feature_hash;

TEST(Features, TopLevelKeysAreNamespaces) {
  FeatureSet set = features_of(R"({"user": {"segment": "budget", "age": 31}, "device": "mobile"})");
  ASSERT_EQ(set.namespaces().size(), 2u);
  EXPECT_EQ(set.namespaces()[0].namespace_hash, namespace_hash("user"));
  EXPECT_EQ(set.namespaces()[0].begin, 0u);
  EXPECT_EQ(set.namespaces()[0].end, 2u);
  EXPECT_EQ(set.namespaces()[1].namespace_hash, namespace_hash("device"));
  EXPECT_EQ(set.namespaces()[1].begin, 2u);
  EXPECT_EQ(set.namespaces()[1].end, 3u);
  EXPECT_EQ(set.size(), 3u);
}

TEST(Features, NestedObjectsFlattenWithDottedPaths) {
  const uint32_t nested = only_feature_hash(R"({"user": {"geo": {"city": "Lyon"}}})");
  EXPECT_NE(nested, 0u);
  EXPECT_EQ(nested, only_feature_hash(R"({"user": {"geo.city": "Lyon"}})"));
  EXPECT_NE(nested, only_feature_hash(R"({"user": {"geo.city": "Paris"}})"));
  EXPECT_NE(nested, only_feature_hash(R"({"user": {"city": "Lyon"}})"));
}

TEST(Features, SamePathInAnotherNamespaceHashesApart) {
  EXPECT_NE(only_feature_hash(R"({"user": {"city": "Lyon"}})"),
            only_feature_hash(R"({"shop": {"city": "Lyon"}})"));
}

TEST(Features, TopLevelScalarIsNamedAfterItsKey) {
  EXPECT_EQ(only_feature_hash(R"({"device": "mobile"})"),
            only_feature_hash(R"({"device": {"device": "mobile"}})"));
  EXPECT_EQ(only_feature_hash(R"({"age": 3})"), only_feature_hash(R"({"age": {"age": 3}})"));
}

TEST(Features, StringsAreCategoricalNumbersNumeric) {
  FeatureSet set = features_of(R"({"user": {"segment": "budget", "age": 31.5}})");
  ASSERT_EQ(set.size(), 2u);
  EXPECT_EQ(set.features()[0].value, 1.0f);
  EXPECT_EQ(set.features()[1].value, 31.5f);
  // A numeric feature's name does not depend on its value.
  EXPECT_EQ(set.features()[1].hash, only_feature_hash(R"({"user": {"age": 2}})"));
  // "segment" alone (numeric) and "segment=budget" (categorical) are different features.
  EXPECT_NE(set.features()[0].hash, only_feature_hash(R"({"user": {"segment": 1}})"));
}

TEST(Features, BooleansAreZeroOrOneAndZeroFeaturesAreDropped) {
  FeatureSet set = features_of(R"({"user": {"vip": true, "new": false, "score": 0}})");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set.features()[0].value, 1.0f);
  EXPECT_EQ(set.features()[0].hash, only_feature_hash(R"({"user": {"vip": 1}})"));
}

TEST(Features, NullIsIgnored) {
  EXPECT_EQ(features_of(R"({"user": {"x": null, "y": "a"}})").features()[0].hash,
            only_feature_hash(R"({"user": {"y": "a"}})"));
  FeatureSet empty = features_of(R"({"user": {"x": null}, "other": null, "more": {}})");
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_TRUE(empty.namespaces().empty());
}

TEST(Features, ArraysOfStringsGiveOneCategoryEach) {
  FeatureSet set = features_of(R"({"user": {"tags": ["a", "b"]}, "labels": ["x"]})");
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set.features()[0].hash, only_feature_hash(R"({"user": {"tags": "a"}})"));
  EXPECT_EQ(set.features()[1].hash, only_feature_hash(R"({"user": {"tags": "b"}})"));
  EXPECT_EQ(set.features()[2].hash, only_feature_hash(R"({"labels": "x"})"));
}

TEST(Features, OtherArrayElementsAreIndexed) {
  FeatureSet set = features_of(R"({"user": {"s": [0.5, null, 2, "a", true, {"x": 4}, [5]]}})");
  ASSERT_EQ(set.size(), 6u);
  EXPECT_EQ(set.features()[0].hash, only_feature_hash(R"({"user": {"s[0]": 0.5}})"));
  EXPECT_EQ(set.features()[1].hash, only_feature_hash(R"({"user": {"s[2]": 2}})"));
  EXPECT_EQ(set.features()[1].value, 2.0f);
  EXPECT_EQ(set.features()[2].hash, only_feature_hash(R"({"user": {"s": "a"}})"));
  EXPECT_EQ(set.features()[3].hash, only_feature_hash(R"({"user": {"s[4]": 1}})"));
  EXPECT_EQ(set.features()[4].hash, only_feature_hash(R"({"user": {"s[5].x": 4}})"));
  EXPECT_EQ(set.features()[5].hash, only_feature_hash(R"({"user": {"s[6][0]": 5}})"));
}

TEST(Features, MultiDigitIndexes) {
  EXPECT_EQ(only_feature_hash(R"({"u": {"s": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]}})"),
            only_feature_hash(R"({"u": {"s[12]": 7}})"));
}

TEST(Features, NonObjectDocumentsAreRejected) {
  for (const char* json : {"[1, 2]", "\"mobile\"", "3", "true", "null"}) {
    EXPECT_THROW(features_of(json), InputError) << json;
  }
}

TEST(Features, NonFiniteNumbersAreRejected) {
  for (double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(), 1e300}) {
    FeatureSet set;
    FeatureBuilder builder(set);
    builder.begin_object();
    builder.key("user");
    builder.begin_object();
    builder.key("age");
    EXPECT_THROW(builder.number_value(bad), InputError);
  }
}

TEST(Features, ActionIdMatchesItsDocumentForm) {
  FeatureSet set;
  add_action_id(set, "sku-42");
  ASSERT_EQ(set.size(), 1u);
  ASSERT_EQ(set.namespaces().size(), 1u);
  EXPECT_EQ(set.namespaces()[0].namespace_hash, namespace_hash(kActionIdNamespace));
  EXPECT_EQ(set.features()[0].hash, only_feature_hash(R"({"_id": "sku-42"})"));
  EXPECT_EQ(set.features()[0].value, 1.0f);
}

TEST(Features, SlotMatchesItsDocumentForm) {
  FeatureSet set;
  add_slot(set, 3);
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set.namespaces()[0].namespace_hash, namespace_hash(kSlotNamespace));
  EXPECT_EQ(set.features()[0].hash, only_feature_hash(R"({"slot": "3"})"));
  EXPECT_NE(set.features()[0].hash, only_feature_hash(R"({"slot": "2"})"));
}

TEST(Features, HashedKeysGiveTheSameFeaturesAsNames) {
  // The same document fed with top-level keys by name and hashed beforehand
  // (as rows are); a hashed key below the top level is read by its name.
  auto feed = [](FeatureSet& set, bool hashed) {
    FeatureBuilder builder(set);
    const HashedKey price = hash_key("price");
    const HashedKey tags = hash_key("tags");
    const HashedKey city = hash_key("city");
    builder.begin_object();
    hashed ? builder.hashed_key(price) : builder.key("price");
    builder.number_value(9.5);
    hashed ? builder.hashed_key(tags) : builder.key("tags");
    builder.begin_array();
    builder.string_value("red");
    builder.end_array();
    builder.key("geo");
    builder.begin_object();
    hashed ? builder.hashed_key(city) : builder.key("city");
    builder.string_value("Lyon");
    builder.end_object();
    builder.end_object();
  };
  FeatureSet by_name;
  FeatureSet by_hash;
  feed(by_name, false);
  feed(by_hash, true);
  ASSERT_EQ(by_hash.size(), 3u);
  for (size_t i = 0; i < by_name.size(); ++i) {
    EXPECT_EQ(by_hash.features()[i].hash, by_name.features()[i].hash);
    EXPECT_EQ(by_hash.features()[i].value, by_name.features()[i].value);
  }
  EXPECT_EQ(by_hash.features()[0].hash, only_feature_hash(R"({"price": 1})"));
  EXPECT_EQ(by_hash.features()[2].hash, only_feature_hash(R"({"geo": {"city": "Lyon"}})"));
}

TEST(Features, ActionIdFollowsTheActionFeatures) {
  FeatureSet set = action_of("a1", R"({"item": {"category": "shoes", "price": 30}})");
  ASSERT_EQ(set.namespaces().size(), 2u);
  EXPECT_EQ(set.namespaces()[1].namespace_hash, namespace_hash("_id"));
  EXPECT_EQ(set.namespaces()[1].begin, 2u);
  EXPECT_EQ(set.namespaces()[1].end, 3u);
}

TEST(Features, ClearEmptiesTheSet) {
  FeatureSet set = features_of(R"({"user": {"a": 1}})");
  set.clear();
  EXPECT_EQ(set.size(), 0u);
  EXPECT_TRUE(set.namespaces().empty());
}

TEST(Features, ManualNamespacesMatchBuiltOnes) {
  FeatureSet set;
  set.begin_namespace("user");
  set.add(123u, 2.0f);
  ASSERT_EQ(set.namespaces().size(), 1u);
  EXPECT_EQ(set.namespaces()[0].namespace_hash, namespace_hash("user"));
  EXPECT_EQ(set.features()[0].value, 2.0f);
}

}  // namespace
}  // namespace pz
