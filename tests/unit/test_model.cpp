#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"
#include "core/model.hpp"
#include "core/model_format.hpp"
#include "core/random.hpp"
#include "test_support.hpp"

namespace pz {
namespace {

using testing::action_of;
using testing::features_of;

FeatureSpace linear_space() {
  FeatureSpace space;
  space.interactions = Interactions::none();
  return space;
}

// Context and action with numeric features drawn at random, for regression tests.
struct LinearExample {
  FeatureSet context;
  FeatureSet action;
  double truth;
};

LinearExample draw_linear_example(Rng& rng) {
  const double c1 = rng.next_double(), c2 = rng.next_double() * 2.0, a1 = rng.next_double();
  const bool promo = rng.next_double() < 0.5;
  std::string context =
      R"({"user": {"x1": )" + std::to_string(c1) + R"(, "x2": )" + std::to_string(c2) + "}}";
  std::string action = R"({"item": {"y1": )" + std::to_string(a1) + R"(, "promo": )" +
                       (promo ? "true" : "false") + "}}";
  LinearExample example{features_of(context), features_of(action), 0.0};
  // The truth uses the values as featurized (printed with 6 decimals).
  const auto value = [](const FeatureSet& set, size_t i) {
    return double{set.features()[i].value};
  };
  example.truth = 0.2 + 0.5 * value(example.context, 0) - 0.3 * value(example.context, 1) +
                  0.4 * value(example.action, 0) + (promo ? 0.25 : 0.0);
  return example;
}

TEST(Model, UntrainedScoresZero) {
  Model model(FeatureSpace{}, LearnerSettings{});
  EXPECT_EQ(model.score(features_of(R"({"u": {"a": 1}})"), action_of("x", "{}")), 0.0);
  EXPECT_EQ(model.examples(), 0u);
}

TEST(Model, RejectsBitsOutOfRange) {
  FeatureSpace space;
  space.bits = 9;
  EXPECT_THROW(Model(space, LearnerSettings{}), InputError);
  space.bits = 29;
  EXPECT_THROW(Model(space, LearnerSettings{}), InputError);
}

TEST(Model, ConvergesOnALinearProblem) {
  Model model(linear_space(), LearnerSettings{});
  Rng rng(1);
  for (int i = 0; i < 20000; ++i) {
    const LinearExample example = draw_linear_example(rng);
    model.learn(example.context, example.action, example.truth, 1.0, 1);
  }
  double total_error = 0.0;
  const int tests = 500;
  for (int i = 0; i < tests; ++i) {
    const LinearExample example = draw_linear_example(rng);
    total_error += std::fabs(model.score(example.context, example.action) - example.truth);
  }
  EXPECT_LT(total_error / tests, 0.03);
  EXPECT_EQ(model.examples(), 20000u);
}

TEST(Model, InteractionsLearnPerSegmentPreferences) {
  // user u1 likes item a, u2 likes item b: only a quadratic term can tell.
  const FeatureSet u1 = features_of(R"({"user": {"segment": "u1"}})");
  const FeatureSet u2 = features_of(R"({"user": {"segment": "u2"}})");
  const FeatureSet a = action_of("a", R"({"item": {"kind": "a"}})");
  const FeatureSet b = action_of("b", R"({"item": {"kind": "b"}})");
  for (bool with_interactions : {true, false}) {
    FeatureSpace space;
    if (!with_interactions) space.interactions = Interactions::none();
    Model model(space, LearnerSettings{});
    for (int i = 0; i < 500; ++i) {
      model.learn(u1, a, 1.0, 0.5, 2);
      model.learn(u1, b, 0.0, 0.5, 2);
      model.learn(u2, a, 0.0, 0.5, 2);
      model.learn(u2, b, 1.0, 0.5, 2);
    }
    const bool separates =
        model.score(u1, a) > model.score(u1, b) && model.score(u2, b) > model.score(u2, a);
    EXPECT_EQ(separates, with_interactions);
    if (with_interactions) {
      EXPECT_NEAR(model.score(u1, a), 1.0, 0.05);
      EXPECT_NEAR(model.score(u1, b), 0.0, 0.05);
    }
  }
}

TEST(Model, ScoreAllMatchesScore) {
  Model model(FeatureSpace{}, LearnerSettings{});
  const FeatureSet context = features_of(R"({"user": {"segment": "s"}, "device": "mobile"})");
  std::vector<FeatureSet> actions = {action_of("a", R"({"item": {"p": 2}})"), action_of("b", "{}"),
                                     action_of("c", R"({"item": {"p": 3, "k": "x"}})")};
  for (int i = 0; i < 30; ++i) model.learn(context, actions[i % 3], (i % 3) * 0.5, 0.4, 3);
  std::vector<double> scores;
  model.score_all(context, actions, scores);
  ASSERT_EQ(scores.size(), actions.size());
  for (size_t i = 0; i < actions.size(); ++i)
    EXPECT_EQ(scores[i], model.score(context, actions[i]));
  EXPECT_NE(scores[0], scores[2]);
}

// score_all gathers and adds the terms of many actions in blocks, four at a
// time: the scores must still be score()'s to the bit, for actions of
// different sizes, past a block's end, and under rules that pair some
// namespaces only.
TEST(Model, ScoreAllMatchesScoreForManyActionsAndRules) {
  FeatureSpace space;
  space.interactions = Interactions::none();
  space.interactions.add("user", "*");
  space.interactions.add("*", "_id");
  Model model(space, LearnerSettings{});
  const FeatureSet context =
      features_of(R"({"user": {"segment": "s", "age": 31.5}, "device": "mobile", "time": {"hour": 7}})");
  std::vector<FeatureSet> actions;
  for (int i = 0; i < 45; ++i) {
    std::string features = "{";
    for (int k = 0; k < i % 5; ++k)
      features += (k ? ", " : "") + std::string("\"n") + std::to_string(k) + "\": {\"p\": " + std::to_string(i + k + 0.25) + "}";
    actions.push_back(action_of("a" + std::to_string(i), features + "}"));
  }
  for (int i = 0; i < 200; ++i) model.learn(context, actions[i % actions.size()], (i % 7) * 0.1, 0.3, 5);
  std::vector<double> scores;
  model.score_all(context, actions, scores);
  ASSERT_EQ(scores.size(), actions.size());
  for (size_t i = 0; i < actions.size(); ++i) EXPECT_EQ(scores[i], model.score(context, actions[i])) << i;
}

TEST(Model, ImportanceWeightingGivesTheWeightedMean) {
  // Reward 1 logged with probability 0.5 counts twice as much as reward 0 logged with 1.
  const FeatureSet context = features_of("{}");
  const FeatureSet action = action_of("only", "{}");
  Model model(linear_space(), LearnerSettings{});
  for (int i = 0; i < 4000; ++i) {
    model.learn(context, action, 1.0, 0.5, 2);
    model.learn(context, action, 0.0, 1.0, 1);
  }
  EXPECT_NEAR(model.score(context, action), 2.0 / 3.0, 0.05);
}

TEST(Model, LowerProbabilityMovesFurtherButNeverOvershoots) {
  const FeatureSet context = features_of(R"({"user": {"a": "x"}})");
  const FeatureSet action = action_of("a", "{}");
  Model certain(FeatureSpace{}, LearnerSettings{});
  Model rare(FeatureSpace{}, LearnerSettings{});
  Model very_rare(FeatureSpace{}, LearnerSettings{});
  // Weights are relative to the mean number of actions: the same history for all.
  for (Model* model : {&certain, &rare, &very_rare}) {
    for (int i = 0; i < 10; ++i)
      model->learn(features_of(R"({"user": {"a": "y"}})"), action_of("b", "{}"), 0.5, 1.0, 2);
  }
  certain.learn(context, action, 1.0, 1.0, 2);
  rare.learn(context, action, 1.0, 0.1, 2);
  very_rare.learn(context, action, 1.0, 1e-6, 2);
  EXPECT_GT(certain.score(context, action), 0.0);
  EXPECT_GT(rare.score(context, action), certain.score(context, action));
  EXPECT_GT(very_rare.score(context, action), rare.score(context, action));
  EXPECT_LE(very_rare.score(context, action), 1.0 + 1e-6);
}

// mtr: 1/p over the mean number of actions per event, this event counted.
TEST(Model, MtrWeightIsInverseProbabilityOverMeanActions) {
  Model model(FeatureSpace{}, LearnerSettings{});
  ASSERT_EQ(model.settings().cb_type, CbType::kMtr);
  EXPECT_DOUBLE_EQ(model.importance_weight(0.5, 4), 0.5);
  EXPECT_DOUBLE_EQ(model.importance_weight(1.0, 1), 1.0);
  const FeatureSet context = features_of(R"({"user": {"a": "x"}})");
  model.learn(context, action_of("a", "{}"), 1.0, 0.5, 4);
  model.learn(context, action_of("b", "{}"), 0.0, 0.1, 2);
  // 3 events of 4 + 2 + 175 actions: a show at p = 0.8 among 175 weighs ~0.013.
  EXPECT_DOUBLE_EQ(model.importance_weight(0.8, 175), (1.0 / 0.8) * 3.0 / 181.0);
  EXPECT_DOUBLE_EQ(model.importance_weight(0.01, 2), 100.0 * 3.0 / 8.0);
}

// dm: every logged action's example weighs 1, whatever its probability and
// the number of actions; the same example then moves a model as mtr does
// when mtr's weight happens to be 1.
TEST(Model, DmWeighsEveryExampleOne) {
  LearnerSettings dm;
  dm.cb_type = CbType::kDm;
  Model model(FeatureSpace{}, dm);
  const FeatureSet context = features_of(R"({"user": {"a": "x"}})");
  for (double probability : {1.0, 0.8, 0.1, 1e-6})
    for (size_t actions : {size_t{1}, size_t{2}, size_t{175}})
      EXPECT_EQ(model.importance_weight(probability, actions), 1.0) << probability << " " << actions;
  model.learn(context, action_of("a", "{}"), 1.0, 0.5, 4);
  EXPECT_EQ(model.importance_weight(1e-3, 300), 1.0);

  Model weighed_one(FeatureSpace{}, dm);
  Model mtr_at_one(FeatureSpace{}, LearnerSettings{});
  weighed_one.learn(context, action_of("a", "{}"), 1.0, 0.01, 50);
  mtr_at_one.learn(context, action_of("a", "{}"), 1.0, 1.0, 1);
  EXPECT_EQ(weighed_one.score(context, action_of("a", "{}")), mtr_at_one.score(context, action_of("a", "{}")));
  Model mtr(FeatureSpace{}, LearnerSettings{});
  mtr.learn(context, action_of("a", "{}"), 1.0, 0.01, 50);
  EXPECT_NE(mtr.score(context, action_of("a", "{}")), weighed_one.score(context, action_of("a", "{}")));
}

// A change of cb_type on a trained model takes effect at its next example; the
// mean number of actions is kept under dm, so mtr weighs as if never left.
TEST(Model, CbTypeCanChangeOnATrainedModel) {
  const FeatureSet context = features_of(R"({"user": {"a": "x"}})");
  LearnerSettings dm;
  dm.cb_type = CbType::kDm;
  Model switched(FeatureSpace{}, dm);
  Model always_mtr(FeatureSpace{}, LearnerSettings{});
  for (Model* model : {&switched, &always_mtr}) model->learn(context, action_of("a", "{}"), 1.0, 0.5, 4);
  switched.set_settings(LearnerSettings{});
  EXPECT_EQ(switched.importance_weight(0.25, 10), always_mtr.importance_weight(0.25, 10));
}

TEST(Model, IdenticalExamplesGiveIdenticalModels) {
  Model a(FeatureSpace{}, LearnerSettings{});
  Model b(FeatureSpace{}, LearnerSettings{});
  Rng rng(5);
  for (Model* model : {&a, &b}) {
    Rng local(5);
    for (int i = 0; i < 300; ++i) {
      const LinearExample example = draw_linear_example(local);
      model->learn(example.context, example.action, example.truth, 0.2 + 0.8 * local.next_double(), 5);
    }
  }
  EXPECT_EQ(serialize_model(a), serialize_model(b));
  const LinearExample probe = draw_linear_example(rng);
  EXPECT_EQ(a.score(probe.context, probe.action), b.score(probe.context, probe.action));
}

TEST(Model, L2KeepsWeightsSmaller) {
  const FeatureSet context = features_of(R"({"user": {"a": "x"}})");
  const FeatureSet action = action_of("a", "{}");
  LearnerSettings regularized;
  regularized.l2 = 0.5;
  Model plain(FeatureSpace{}, LearnerSettings{});
  Model shrunk(FeatureSpace{}, regularized);
  for (int i = 0; i < 50; ++i) {
    plain.learn(context, action, 1.0, 1.0, 1);
    shrunk.learn(context, action, 1.0, 1.0, 1);
  }
  EXPECT_GT(shrunk.score(context, action), 0.1);
  EXPECT_LT(shrunk.score(context, action), plain.score(context, action));
}

TEST(Model, OtherPowerTStillLearns) {
  LearnerSettings settings;
  settings.power_t = 0.25;
  Model model(linear_space(), settings);
  Rng rng(3);
  for (int i = 0; i < 20000; ++i) {
    const LinearExample example = draw_linear_example(rng);
    model.learn(example.context, example.action, example.truth, 1.0, 1);
  }
  double total_error = 0.0;
  for (int i = 0; i < 200; ++i) {
    const LinearExample example = draw_linear_example(rng);
    total_error += std::fabs(model.score(example.context, example.action) - example.truth);
  }
  EXPECT_LT(total_error / 200, 0.05);
}

// The default power_t (0.25) takes square roots where others take pow():
// the same rates, so the same model up to rounding.
TEST(Model, DefaultPowerTFastPathMatchesPow) {
  LearnerSettings fast;
  ASSERT_EQ(fast.power_t, 0.25);
  LearnerSettings general = fast;
  general.power_t = std::nextafter(0.25, 1.0);
  Model a(linear_space(), fast), b(linear_space(), general);
  Rng rng(5);
  for (int i = 0; i < 2000; ++i) {
    const LinearExample example = draw_linear_example(rng);
    a.learn(example.context, example.action, example.truth, 0.5, 2);
    b.learn(example.context, example.action, example.truth, 0.5, 2);
  }
  for (int i = 0; i < 50; ++i) {
    const LinearExample example = draw_linear_example(rng);
    EXPECT_NEAR(a.score(example.context, example.action), b.score(example.context, example.action), 1e-5);
  }
}

TEST(Model, RejectsInvalidExamples) {
  Model model(FeatureSpace{}, LearnerSettings{});
  const FeatureSet context = features_of(R"({"u": {"a": 1}})");
  const FeatureSet action = action_of("a", "{}");
  EXPECT_THROW(model.learn(context, action, 1.0, 0.0, 2), InputError);
  EXPECT_THROW(model.learn(context, action, 1.0, 1.5, 2), InputError);
  EXPECT_THROW(model.learn(context, action, 1.0, std::nan(""), 2), InputError);
  EXPECT_THROW(model.learn(context, action, std::nan(""), 0.5, 2), InputError);
  EXPECT_THROW(model.learn(context, action, HUGE_VAL, 0.5, 2), InputError);
  EXPECT_THROW(model.learn(context, action, 1.0, 0.5, 0), InputError);
  EXPECT_EQ(model.examples(), 0u);
}

TEST(Model, ScoringModelCannotLearnAndIsSmaller) {
  Model learning(FeatureSpace{}, LearnerSettings{}, ModelUse::kLearning);
  Model scoring(FeatureSpace{}, LearnerSettings{}, ModelUse::kScoring);
  EXPECT_EQ(scoring.use(), ModelUse::kScoring);
  EXPECT_THROW(scoring.learn(features_of("{}"), action_of("a", "{}"), 1.0, 1.0, 1), std::logic_error);
  EXPECT_GE(learning.memory_bytes(), 3 * (size_t{1} << 18) * sizeof(float));
  EXPECT_LT(scoring.memory_bytes(), (size_t{1} << 18) * sizeof(float) + 4096);
}

TEST(Model, SettingsCanChange) {
  Model model(FeatureSpace{}, LearnerSettings{});
  LearnerSettings faster;
  faster.learning_rate = 2.0;
  model.set_settings(faster);
  EXPECT_EQ(model.settings().learning_rate, 2.0);
  EXPECT_EQ(model.space().bits, 18);
}

}  // namespace
TEST(Model, WeightBytesIsWhatABuiltModelTakes) {
  for (ModelUse use : {ModelUse::kLearning, ModelUse::kScoring}) {
    Model model(FeatureSpace{}, LearnerSettings{}, use);
    EXPECT_EQ(Model::weight_bytes(18, use) + sizeof(Model), model.memory_bytes());
  }
  EXPECT_EQ(Model::weight_bytes(28, ModelUse::kLearning), size_t{3} << 30);  // 3 GiB
}

}  // namespace pz
