#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"
#include "core/little_endian.hpp"
#include "core/model_format.hpp"
#include "core/random.hpp"
#include "test_support.hpp"

namespace pz {
namespace {

using testing::action_of;
using testing::features_of;

struct Example {
  FeatureSet context;
  FeatureSet action;
  double reward;
  double probability;
};

std::vector<Example> examples(uint64_t seed, int count) {
  Rng rng(seed);
  std::vector<Example> out;
  const char* segments[] = {"a", "b", "c"};
  for (int i = 0; i < count; ++i) {
    const std::string segment = segments[rng.next_u64() % 3];
    const std::string item = std::to_string(rng.next_u64() % 5);
    out.push_back(
        {features_of(R"({"user": {"segment": ")" + segment + R"(", "age": )" +
                     std::to_string(18 + rng.next_u64() % 50) + "}}"),
         action_of(item, R"({"item": {"price": )" + std::to_string(rng.next_double() * 10) + "}}"),
         rng.next_double() < 0.3 ? 1.0 : 0.0, 0.1 + 0.9 * rng.next_double()});
  }
  return out;
}

void learn_all(Model& model, const std::vector<Example>& batch) {
  for (const Example& e : batch) model.learn(e.context, e.action, e.reward, e.probability, 5);
}

Model trained_model(int count, int bits = 18) {
  FeatureSpace space;
  space.bits = bits;
  Model model(space, LearnerSettings{});
  learn_all(model, examples(11, count));
  return model;
}

void expect_same_scores(const Model& a, const Model& b) {
  for (const Example& e : examples(12, 50))
    EXPECT_EQ(a.score(e.context, e.action), b.score(e.context, e.action));
}

std::string with_checksum(std::string body) {
  append_u64(body, NameHash().add(body).state());
  return body;
}

TEST(ModelFormat, RoundTripKeepsScoresExactly) {
  const Model model = trained_model(400);
  const std::string blob = serialize_model(model);
  const Model copy = deserialize_model(blob, model.space(), model.settings());
  EXPECT_EQ(copy.examples(), 400u);
  expect_same_scores(model, copy);
  EXPECT_EQ(serialize_model(copy), blob);
}

TEST(ModelFormat, LearningContinuesIdenticallyAfterRoundTrip) {
  Model original = trained_model(400);
  Model copy = deserialize_model(serialize_model(original), original.space(), original.settings());
  const std::vector<Example> more = examples(13, 300);
  learn_all(original, more);
  learn_all(copy, more);
  EXPECT_EQ(serialize_model(original), serialize_model(copy));
  expect_same_scores(original, copy);
}

TEST(ModelFormat, ScoringUseDropsAdaptiveState) {
  const Model model = trained_model(200);
  const Model scoring = deserialize_model(serialize_model(model), model.space(), model.settings(),
                                          ModelUse::kScoring);
  EXPECT_EQ(scoring.use(), ModelUse::kScoring);
  EXPECT_LT(scoring.memory_bytes() * 2, model.memory_bytes());
  expect_same_scores(model, scoring);
  // A scoring model's own blob carries weights only and still loads for learning.
  const std::string weights_only = serialize_model(scoring);
  EXPECT_LT(weights_only.size(), serialize_model(model).size());
  Model relearning = deserialize_model(weights_only, model.space(), model.settings());
  expect_same_scores(model, relearning);
  learn_all(relearning, examples(14, 10));
  EXPECT_EQ(relearning.examples(), 210u);
}

TEST(ModelFormat, EmptyModelIsSmall) {
  const Model model(FeatureSpace{}, LearnerSettings{});
  const std::string blob = serialize_model(model);
  EXPECT_EQ(blob.size(), 76u);
  EXPECT_EQ(blob.substr(0, 8), std::string("PZMODEL\0", 8));
  EXPECT_EQ(deserialize_model(blob, FeatureSpace{}, LearnerSettings{}).examples(), 0u);
}

TEST(ModelFormat, EveryTruncationIsRefused) {
  const Model model = trained_model(3, 10);
  const std::string blob = serialize_model(model);
  ASSERT_GT(blob.size(), 76u);
  for (size_t length = 0; length < blob.size(); ++length) {
    EXPECT_THROW(deserialize_model(std::string_view(blob).substr(0, length), model.space(),
                                   model.settings()),
                 ModelFormatError)
        << "length " << length;
  }
}

TEST(ModelFormat, EveryFlippedByteIsRefused) {
  const Model model = trained_model(3, 10);
  const std::string blob = serialize_model(model);
  for (size_t at = 0; at < blob.size(); ++at) {
    std::string corrupt = blob;
    corrupt[at] = static_cast<char>(corrupt[at] ^ 0x20);
    EXPECT_THROW(deserialize_model(corrupt, model.space(), model.settings()), ModelFormatError)
        << "byte " << at;
  }
}

TEST(ModelFormat, WrongMagicIsNamed) {
  try {
    deserialize_model(
        "definitely not a model blob at all, but long enough to have a header and a checksum",
        FeatureSpace{}, LearnerSettings{});
    FAIL() << "accepted garbage";
  } catch (const ModelFormatError& error) {
    EXPECT_NE(std::string(error.what()).find("magic"), std::string::npos) << error.what();
  }
}

TEST(ModelFormat, UnknownVersionIsNamed) {
  std::string blob = serialize_model(Model(FeatureSpace{}, LearnerSettings{}));
  blob[8] = 3;
  try {
    deserialize_model(blob, FeatureSpace{}, LearnerSettings{});
    FAIL() << "accepted version 3";
  } catch (const ModelFormatError& error) {
    EXPECT_NE(std::string(error.what()).find("version 3"), std::string::npos) << error.what();
  }
  blob[8] = 0;
  EXPECT_THROW(deserialize_model(blob, FeatureSpace{}, LearnerSettings{}), ModelFormatError);
}

TEST(ModelFormat, OtherFeatureSpaceIsRefused) {
  const Model model = trained_model(20);
  const std::string blob = serialize_model(model);
  FeatureSpace linear;
  linear.interactions = Interactions::none();
  EXPECT_THROW(deserialize_model(blob, linear, LearnerSettings{}), ModelFormatError);
  FeatureSpace wider;
  wider.bits = 20;
  EXPECT_THROW(deserialize_model(blob, wider, LearnerSettings{}), ModelFormatError);
}

TEST(ModelFormat, AbsurdEntryCountIsRefusedBeforeAllocating) {
  std::string blob = serialize_model(Model(FeatureSpace{}, LearnerSettings{}));
  std::string body = blob.substr(0, blob.size() - 8);
  std::string count;
  append_u64(count, uint64_t{1} << 60);
  body.replace(60, 8, count);
  try {
    deserialize_model(with_checksum(body), FeatureSpace{}, LearnerSettings{});
    FAIL() << "accepted an absurd entry count";
  } catch (const ModelFormatError& error) {
    EXPECT_NE(std::string(error.what()).find("entry count"), std::string::npos) << error.what();
  }
}

TEST(ModelFormat, OutOfRangeOrUnorderedIndexesAreRefused) {
  const Model model = trained_model(3, 10);
  const std::string blob = serialize_model(model);
  std::string body = blob.substr(0, blob.size() - 8);
  std::string index;
  append_u32(index, 1u << 10);
  std::string out_of_range = body;
  out_of_range.replace(68, 4, index);
  EXPECT_THROW(deserialize_model(with_checksum(out_of_range), model.space(), model.settings()),
               ModelFormatError);
  std::string duplicate = body;
  duplicate.replace(84, 4, body.substr(68, 4));
  EXPECT_THROW(deserialize_model(with_checksum(duplicate), model.space(), model.settings()),
               ModelFormatError);
}

// A read-only copy outside any Model (as in shared memory): decoded in place,
// scored without copying, identical to the deserialized model.
TEST(ModelFormat, DecodedWeightsScoreLikeTheModel) {
  const Model model = trained_model(400, 12);
  const std::string blob = serialize_model(model);
  std::vector<float> weights(size_t{1} << 12, 7.0f);  // stale content is overwritten
  EXPECT_EQ(decode_weights(blob, model.space(), weights.data()), 400u);
  const Model view = Model::over_weights(model.space(), weights.data(), 400);
  EXPECT_TRUE(view.borrows_weights());
  EXPECT_EQ(view.use(), ModelUse::kScoring);
  EXPECT_EQ(view.examples(), 400u);
  expect_same_scores(model, view);
  // It owns none of the weights, and writes them back (without the learner's state).
  EXPECT_LT(view.memory_bytes(), weights.size() * sizeof(float));
  expect_same_scores(model, deserialize_model(serialize_model(view), model.space(),
                                              model.settings(), ModelUse::kScoring));
  // The weights are read where they are: a change to them shows at once.
  const Example probe = examples(12, 1).front();
  const double before = view.score(probe.context, probe.action);
  for (float& weight : weights) weight += 1.0f;
  EXPECT_NE(view.score(probe.context, probe.action), before);
}

TEST(ModelFormat, DecodingChecksLikeDeserializing) {
  const Model model = trained_model(3, 10);
  const std::string blob = serialize_model(model);
  std::vector<float> weights(size_t{1} << 10);
  std::string corrupt = blob;
  corrupt[70] = static_cast<char>(corrupt[70] ^ 0x20);
  EXPECT_THROW(decode_weights(corrupt, model.space(), weights.data()), ModelFormatError);
  EXPECT_THROW(decode_weights(std::string_view(blob).substr(0, 80), model.space(), weights.data()),
               ModelFormatError);
  FeatureSpace wider;
  wider.bits = 11;
  EXPECT_THROW(decode_weights(blob, wider, weights.data()), ModelFormatError);
}

TEST(ModelFormat, BorrowedWeightsCannotLearn) {
  std::vector<float> weights(size_t{1} << 10, 0.0f);
  FeatureSpace space;
  space.bits = 10;
  Model view = Model::over_weights(space, weights.data(), 0);
  const Example example = examples(15, 1).front();
  EXPECT_THROW(view.learn(example.context, example.action, 1.0, 0.5, 2), std::logic_error);
  EXPECT_EQ(weights, std::vector<float>(size_t{1} << 10, 0.0f));
  space.bits = 40;
  EXPECT_THROW(Model::over_weights(space, weights.data(), 0), InputError);
}

}  // namespace
}  // namespace pz
