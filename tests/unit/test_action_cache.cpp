#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/action_cache.hpp"
#include "core/model.hpp"

namespace pz {
namespace {

FeatureSet action_features(int i) {
  FeatureSet set;
  set.begin_namespace("category");
  set.add(static_cast<uint32_t>(1000 + i % 8), 1.0f);
  set.begin_namespace("price");
  set.add(static_cast<uint32_t>(2000 + i), static_cast<float>(i) / 4.0f);
  add_action_id(set, "item" + std::to_string(i));
  return set;
}

void expect_same(const FeatureView& view, const FeatureSet& set) {
  ASSERT_EQ(view.size, set.size());
  ASSERT_EQ(view.namespace_count, set.namespaces().size());
  for (uint32_t f = 0; f < view.size; ++f) {
    EXPECT_EQ(view.features[f].hash, set.features()[f].hash);
    EXPECT_EQ(view.features[f].value, set.features()[f].value);
  }
  for (uint32_t n = 0; n < view.namespace_count; ++n) {
    EXPECT_EQ(view.namespaces[n].namespace_hash, set.namespaces()[n].namespace_hash);
    EXPECT_EQ(view.namespaces[n].begin, set.namespaces()[n].begin);
    EXPECT_EQ(view.namespaces[n].end, set.namespaces()[n].end);
  }
}

TEST(ActionCache, FindsWhatWasAddedWithItsIdFeaturesAndHash) {
  ActionCache cache(1 << 20);
  cache.start_call();
  // Hashes with few distinct values: colliding keys are told apart by their bytes.
  for (int i = 0; i < 500; ++i) {
    const std::string key = "document " + std::to_string(i);
    ASSERT_EQ(cache.find({}, key, i % 5), ActionCache::kNone);
    EXPECT_EQ(cache.add({}, key, i % 5, "item" + std::to_string(i), action_features(i), "logged " + std::to_string(i), 7 * i),
              static_cast<size_t>(i));
  }
  for (int i = 0; i < 500; ++i) {
    const size_t entry = cache.find({}, "document " + std::to_string(i), i % 5);
    ASSERT_EQ(entry, static_cast<size_t>(i));
    EXPECT_EQ(cache.id(entry), "item" + std::to_string(i));
    EXPECT_EQ(cache.document(entry), "logged " + std::to_string(i));
    EXPECT_EQ(cache.document_hash(entry), 7 * i);
    expect_same(cache.features(entry), action_features(i));
  }
  EXPECT_EQ(cache.find({}, "document 1", 2), ActionCache::kNone);  // same bytes, another hash
  EXPECT_EQ(cache.find({}, "document 500", 0), ActionCache::kNone);
}

TEST(ActionCache, HashTellsKeysOfEveryLengthApart) {
  std::vector<uint64_t> hashes;
  std::string key;
  // Every length across the 16-byte steps and the tail words, and keys that
  // differ in one byte anywhere or only in trailing zero bytes.
  for (int length = 0; length < 70; ++length) {
    key.assign(static_cast<size_t>(length), '\0');
    hashes.push_back(ActionCache::hash({}, key));
    for (int at = 0; at < length; ++at) {
      key[at] = 'x';
      hashes.push_back(ActionCache::hash({}, key));
      key[at] = '\0';
    }
  }
  std::sort(hashes.begin(), hashes.end());
  EXPECT_EQ(std::adjacent_find(hashes.begin(), hashes.end()), hashes.end());
  EXPECT_EQ(ActionCache::hash({}, "same bytes"), ActionCache::hash({}, std::string("same bytes")));
  EXPECT_NE(ActionCache::hash("head 1", "body"), ActionCache::hash("head 2", "body"));
  EXPECT_NE(ActionCache::hash("head 1", "body"), ActionCache::hash({}, "body"));
}

TEST(ActionCache, TellsEqualBodiesUnderOtherHeadsApart) {
  ActionCache cache(1 << 20);
  const std::string body = "the same row under two plans";
  const uint64_t first = ActionCache::hash("plan 1", body);
  const uint64_t second = ActionCache::hash("plan 2", body);
  const size_t entry = cache.add("plan 1", body, first, "a", action_features(1), "", 0);
  EXPECT_EQ(cache.find("plan 1", body, first), entry);
  EXPECT_EQ(cache.find("plan 2", body, second), ActionCache::kNone);
  EXPECT_EQ(cache.find("plan 2", body, first), ActionCache::kNone);  // even under the same hash
  const size_t other = cache.add("plan 2", body, second, "b", action_features(2), "", 0);
  EXPECT_EQ(cache.find("plan 2", body, second), other);
  EXPECT_EQ(cache.id(other), "b");
  EXPECT_EQ(cache.id(cache.find("plan 1", body, first)), "a");
}

TEST(ActionCache, KeepsAnActionWithoutFeatures) {
  ActionCache cache(1 << 20);
  const size_t entry = cache.add({}, "", 0, "", FeatureSet(), "", 0);
  EXPECT_EQ(cache.find({}, "", 0), entry);
  EXPECT_EQ(cache.features(entry).size, 0u);
  EXPECT_EQ(cache.features(entry).namespace_count, 0u);
  EXPECT_EQ(cache.id(entry), "");
  EXPECT_EQ(cache.document(entry), "");
}

TEST(ActionCache, StartsOverBetweenCallsOnlyOncePastItsSize) {
  ActionCache cache(4096);
  cache.start_call();
  int added = 0;
  while (cache.bytes() <= 4096) {
    cache.add({}, "document " + std::to_string(added), added, "item", action_features(added), "", 0);
    ++added;
  }
  // Past its size within a call: everything stays until the next call starts.
  for (int i = 0; i < added; ++i) EXPECT_EQ(cache.find({}, "document " + std::to_string(i), i), static_cast<size_t>(i));
  cache.start_call();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
  EXPECT_EQ(cache.find({}, "document 0", 0), ActionCache::kNone);
  cache.add({}, "document 0", 0, "item", action_features(0), "", 0);
  cache.start_call();  // within its size: kept
  EXPECT_EQ(cache.find({}, "document 0", 0), 0u);
}

TEST(ActionCache, ASizeSetLaterAppliesAtTheNextCall) {
  ActionCache cache(1 << 20);
  cache.start_call();
  cache.add({}, "document 0", 0, "item", action_features(0), "", 0);
  cache.start_call();
  EXPECT_EQ(cache.find({}, "document 0", 0), 0u);
  cache.set_max_bytes(0);  // pz.action_cache_size = 0: nothing kept between calls
  EXPECT_EQ(cache.find({}, "document 0", 0), 0u);  // not within the call
  cache.start_call();
  EXPECT_EQ(cache.size(), 0u);
  cache.add({}, "document 0", 0, "item", action_features(0), "", 0);
  EXPECT_EQ(cache.find({}, "document 0", 0), 0u);
  cache.set_max_bytes(1 << 20);
  cache.start_call();
  EXPECT_EQ(cache.find({}, "document 0", 0), 0u);
}

TEST(ActionCache, GivesMemoryBackWhenItsSizeIsLowered) {
  ActionCache cache(1 << 20);
  cache.start_call();
  for (int i = 0; i < 500; ++i)
    cache.add({}, "document " + std::to_string(i), i, "item", action_features(i), "logged", i);
  cache.start_call();  // within its size: kept
  const size_t grown = cache.allocated_bytes();
  EXPECT_GE(grown, cache.bytes());
  cache.set_max_bytes(1024);
  cache.start_call();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_LT(cache.allocated_bytes(), grown / 10);
  // Within twice its size, what a cache that starts over holds is kept for reuse.
  cache.set_max_bytes(1 << 20);
  for (int i = 0; i < 500; ++i)
    cache.add({}, "document " + std::to_string(i), i, "item", action_features(i), "logged", i);
  const size_t regrown = cache.allocated_bytes();
  cache.set_max_bytes(cache.bytes() - 1);
  ASSERT_LE(regrown, 2 * (cache.bytes() - 1));
  cache.start_call();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.allocated_bytes(), regrown);
}

TEST(ActionCache, ScoresOfCachedFeaturesEqualThoseOfTheSetsToTheBit) {
  Model model(FeatureSpace{}, LearnerSettings{});
  FeatureSet context;
  context.begin_namespace("user");
  context.add(NameHash().add("segment=s1").finish(), 1.0f);
  context.add(NameHash().add("tenure").finish(), 0.3f);
  std::vector<FeatureSet> sets;
  for (int i = 0; i < 40; ++i) sets.push_back(action_features(i));
  for (int step = 0; step < 200; ++step) model.learn(context, sets[step % 40], (step % 3) * 0.5, 0.25, 40);

  ActionCache cache(1 << 20);
  std::vector<FeatureView> views;
  for (int i = 0; i < 40; ++i) cache.add({}, "document " + std::to_string(i), i, "item", sets[i], "", 0);
  for (int i = 0; i < 40; ++i) views.push_back(cache.features(i));
  std::vector<double> from_sets;
  std::vector<double> from_views;
  model.score_all(context, sets, from_sets);
  model.score_all(context, views, from_views);
  ASSERT_EQ(from_views.size(), from_sets.size());
  for (size_t i = 0; i < from_sets.size(); ++i) {
    EXPECT_EQ(from_views[i], from_sets[i]);
    EXPECT_EQ(from_sets[i], model.score(context, sets[i]));
  }
}

TEST(ActionCache, RecallsTheEntryNotedAtAPositionOnlyForTheSameKey) {
  ActionCache cache(1 << 20);
  cache.start_call();
  const size_t first = cache.add("h", "document a", ActionCache::hash("h", "document a"), "a", action_features(1), "", 0);
  const size_t second = cache.add("h", "document b", ActionCache::hash("h", "document b"), "b", action_features(2), "", 0);
  EXPECT_EQ(cache.recall(0, "h", "document a"), ActionCache::kNone);  // nothing noted yet
  cache.note(0, first);
  cache.note(3, second);
  EXPECT_EQ(cache.recall(0, "h", "document a"), first);
  EXPECT_EQ(cache.recall(3, "h", "document b"), second);
  // Another key at the position, one byte off anywhere or of another length: not recalled.
  EXPECT_EQ(cache.recall(0, "h", "document b"), ActionCache::kNone);
  EXPECT_EQ(cache.recall(0, "g", "document a"), ActionCache::kNone);
  EXPECT_EQ(cache.recall(0, "h", "document a "), ActionCache::kNone);
  EXPECT_EQ(cache.recall(0, "h", "documenta"), ActionCache::kNone);
  EXPECT_EQ(cache.recall(1, "h", "document a"), ActionCache::kNone);
  EXPECT_EQ(cache.recall(1000, "h", "document a"), ActionCache::kNone);
  cache.note(0, second);  // a later call's action there
  EXPECT_EQ(cache.recall(0, "h", "document a"), ActionCache::kNone);
  EXPECT_EQ(cache.recall(0, "h", "document b"), second);
}

TEST(ActionCache, LooksUpByPositionThenByHashAndNotesWhatItFinds) {
  ActionCache cache(1 << 20);
  cache.start_call();
  const size_t entry = cache.add("h", "document a", ActionCache::hash("h", "document a"), "a", action_features(1), "", 0);
  uint64_t key_hash = 0;
  EXPECT_EQ(cache.look_up(2, "h", "document b", &key_hash), ActionCache::kNone);
  EXPECT_EQ(key_hash, ActionCache::hash("h", "document b"));  // what add() takes
  EXPECT_EQ(cache.look_up(2, "h", "document a", &key_hash), entry);  // by hash
  EXPECT_EQ(key_hash, ActionCache::hash("h", "document a"));
  EXPECT_EQ(cache.recall(2, "h", "document a"), entry);  // noted there
  key_hash = 7;
  EXPECT_EQ(cache.look_up(2, "h", "document a", &key_hash), entry);  // by position: no hash made
  EXPECT_EQ(key_hash, 7u);
}

TEST(ActionCache, ForgetsNotedPositionsWhenStartingOver) {
  ActionCache cache(64);
  cache.start_call();
  const size_t entry = cache.add({}, "a document longer than the cache", 1, "a", action_features(1), "", 0);
  cache.note(0, entry);
  cache.start_call();  // past its size: starts over
  EXPECT_EQ(cache.recall(0, {}, "a document longer than the cache"), ActionCache::kNone);
}

TEST(ActionCache, FindsTheFirstRepeatedIdAmongEntries) {
  ActionCache cache(1 << 20);
  cache.start_call();
  // Ids repeat across keys: entries 0 and 3 are "x", 1 and 4 are "y".
  const std::vector<std::string> ids = {"x", "y", "z", "x", "y", "xy"};
  std::vector<size_t> entries;
  for (size_t i = 0; i < ids.size(); ++i)
    entries.push_back(cache.add({}, "key " + std::to_string(i), i, ids[i], action_features(static_cast<int>(i)), "", 0));
  const std::vector<size_t> distinct = {0, 1, 2, 5};
  EXPECT_EQ(cache.first_duplicate_id(distinct.data(), distinct.size()), distinct.size());
  EXPECT_EQ(cache.first_duplicate_id(entries.data(), entries.size()), 3u);
  const std::vector<size_t> later = {1, 2, 5, 4};
  EXPECT_EQ(cache.first_duplicate_id(later.data(), later.size()), 3u);
  const std::vector<size_t> same = {2, 2};
  EXPECT_EQ(cache.first_duplicate_id(same.data(), same.size()), 1u);
  // Each call starts afresh: what an earlier call met does not count.
  EXPECT_EQ(cache.first_duplicate_id(distinct.data(), distinct.size()), distinct.size());
  // Entries added after a check are numbered too.
  entries.push_back(cache.add({}, "key 6", 6, "z", action_features(6), "", 0));
  const std::vector<size_t> with_new = {2, 6};
  EXPECT_EQ(cache.first_duplicate_id(with_new.data(), with_new.size()), 1u);
}

}  // namespace
}  // namespace pz
