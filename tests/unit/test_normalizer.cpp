// The mtr importance normalizer (1/p divided by the mean number of actions per
// event) and the conversion of format-version-1 models, which kept a sum of 1/p.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/errors.hpp"
#include "core/hashing.hpp"
#include "core/little_endian.hpp"
#include "core/model.hpp"
#include "core/model_format.hpp"
#include "core/random.hpp"
#include "test_support.hpp"

namespace pz {
namespace {

using testing::action_of;
using testing::features_of;

FeatureSet user(int i) { return features_of(R"({"user": {"u": ")" + std::to_string(i % 7) + "\"}}"); }
FeatureSet item(int i) { return action_of(std::to_string(i % 10), "{}"); }

// Events of 10 actions, logged with probability 0.1 (a uniform policy).
void learn_uniform(Model& model, int count, uint64_t seed) {
  Rng rng(seed);
  for (int i = 0; i < count; ++i) {
    const int u = static_cast<int>(rng.next_u64() % 7), a = static_cast<int>(rng.next_u64() % 10);
    model.learn(user(u), item(a), (u + a) % 3 == 0 ? 1.0 : 0.0, 0.1, 10);
  }
}

TEST(Normalizer, DividesByTheMeanNumberOfActions) {
  Model model(FeatureSpace{}, LearnerSettings{});
  // The first event is its own mean: 1/p of a uniform draw over K is K, so 1.
  EXPECT_DOUBLE_EQ(model.importance_weight(0.1, 10), 1.0);
  learn_uniform(model, 30, 1);
  EXPECT_DOUBLE_EQ(model.importance_weight(0.1, 10), 1.0);
  EXPECT_DOUBLE_EQ(model.importance_weight(0.5, 10), 0.2);
  // Events of 2 and 10 actions alternate: the mean is 6.
  Model mixed(FeatureSpace{}, LearnerSettings{});
  for (int i = 0; i < 10; ++i) mixed.learn(user(i), item(i), 1.0, 0.5, i % 2 == 0 ? 2 : 10);
  EXPECT_DOUBLE_EQ(mixed.importance_weight(1.0, 6), 1.0 / 6.0);
}

TEST(Normalizer, OneImprobableDrawDoesNotShrinkLaterSteps) {
  Model plain(FeatureSpace{}, LearnerSettings{});
  Model hit(FeatureSpace{}, LearnerSettings{});
  learn_uniform(plain, 200, 2);
  learn_uniform(hit, 200, 2);
  // One action drawn with probability 1e-4, then the same events for both.
  hit.learn(user(3), item(4), 1.0, 1e-4, 10);
  plain.learn(user(3), item(4), 1.0, 0.1, 10);
  EXPECT_DOUBLE_EQ(hit.importance_weight(0.1, 10), plain.importance_weight(0.1, 10));
  learn_uniform(plain, 20, 3);
  learn_uniform(hit, 20, 3);
  // A new feature learned right after moves as far in both models (the old
  // normalizer, the mean of 1/p, would have grown about 5 times and shrunk
  // this step as much).
  const FeatureSet fresh = features_of(R"({"user": {"new": "yes"}})");
  const FeatureSet fresh_item = action_of("new", "{}");
  const double before_plain = plain.score(fresh, fresh_item);
  const double before_hit = hit.score(fresh, fresh_item);
  plain.learn(fresh, fresh_item, 1.0, 0.1, 10);
  hit.learn(fresh, fresh_item, 1.0, 0.1, 10);
  const double step_plain = plain.score(fresh, fresh_item) - before_plain;
  const double step_hit = hit.score(fresh, fresh_item) - before_hit;
  ASSERT_GT(step_plain, 0.0);
  EXPECT_NEAR(step_hit / step_plain, 1.0, 0.25);
}

// A version-1 blob: the version-2 layout with version 1 and the sum of 1/p in
// the normalizer field, resealed.
std::string as_version_1(std::string blob, double inverse_probability_sum) {
  blob.resize(blob.size() - 8);
  std::string version;
  append_u32(version, 1);
  blob.replace(8, 4, version);
  std::string sum;
  append_f64(sum, inverse_probability_sum);
  blob.replace(52, 8, sum);
  append_u64(blob, NameHash().add(blob).state());
  return blob;
}

TEST(Normalizer, Version1ModelsLoadAndKeepLearning) {
  Model model(FeatureSpace{}, LearnerSettings{});
  learn_uniform(model, 100, 4);
  // Version 1 kept the sum of 1/p: for 100 draws at p = 0.1, 1000.
  const std::string old_blob = as_version_1(serialize_model(model), 1000.0);
  ASSERT_EQ(load_u32(reinterpret_cast<const unsigned char*>(old_blob.data()) + 8), 1u);
  Model loaded = deserialize_model(old_blob, model.space(), model.settings());
  EXPECT_EQ(loaded.examples(), 100u);
  // Read as 10 actions per event: the same weights as a model trained as version 2.
  EXPECT_DOUBLE_EQ(loaded.importance_weight(0.1, 10), model.importance_weight(0.1, 10));
  for (int i = 0; i < 7; ++i) EXPECT_EQ(loaded.score(user(i), item(i)), model.score(user(i), item(i)));
  // Both keep learning alike, and the converted model is written as version 2.
  learn_uniform(model, 50, 5);
  learn_uniform(loaded, 50, 5);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(loaded.score(user(i), item(i)), model.score(user(i), item(i)));
  const std::string new_blob = serialize_model(loaded);
  EXPECT_EQ(load_u32(reinterpret_cast<const unsigned char*>(new_blob.data()) + 8), 2u);
  EXPECT_EQ(new_blob, serialize_model(model));
  // The weights-only reader takes version 1 too.
  std::vector<float> weights(size_t{1} << model.space().bits);
  EXPECT_EQ(decode_weights(old_blob, model.space(), weights.data()), 100u);
}

TEST(Normalizer, CorruptNormalizerStateIsRefused) {
  Model model(FeatureSpace{}, LearnerSettings{});
  learn_uniform(model, 5, 6);
  EXPECT_THROW(deserialize_model(as_version_1(serialize_model(model), -1.0), model.space(),
                                 model.settings()),
               ModelFormatError);
  EXPECT_THROW(deserialize_model(as_version_1(serialize_model(model), std::nan("")), model.space(),
                                 model.settings()),
               ModelFormatError);
}

}  // namespace
}  // namespace pz
