#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "core/errors.hpp"
#include "core/objective.hpp"
#include "core/settings.hpp"

namespace pz {
namespace {

TEST(Objective, ParsesSignalsAndWeights) {
  const Objective objective = parse_objective(R"({"click": 1, "purchase": 4, "return": -0.5})");
  ASSERT_EQ(objective.weights.size(), 3u);
  double purchase = 0.0;
  for (const SignalWeight& term : objective.weights)
    if (term.signal == "purchase") purchase = term.weight;
  EXPECT_EQ(purchase, 4.0);
}

TEST(Objective, RejectsWhatIsNotAnObjectOfWeights) {
  for (const char* text : {"[]", "\"click\"", "{}", R"({"click": "1"})", R"({"click": null})",
                           R"({"": 1})", R"({"click": 1001})", R"({"click": -1e300})", "{"}) {
    EXPECT_THROW(parse_objective(text), InputError) << text;
  }
  EXPECT_THROW(parse_objective("{\"" + std::string(129, 's') + "\": 1}"), InputError);
  std::string many = "{";
  for (int i = 0; i < 65; ++i) many += (i ? ",\"s" : "\"s") + std::to_string(i) + "\": 1";
  EXPECT_THROW(parse_objective(many + "}"), InputError);
}

TEST(Objective, WeightsTheSignalsItNames) {
  const Objective objective = parse_objective(R"({"click": 0.2, "purchase": 0.8})");
  EXPECT_DOUBLE_EQ(*objective_reward(objective, R"({"click": 1, "purchase": 0.5})"), 0.6);
  // A signal of the objective without a reward adds nothing.
  EXPECT_DOUBLE_EQ(*objective_reward(objective, R"({"click": 1})"), 0.2);
  // Signals outside the objective do not count.
  EXPECT_DOUBLE_EQ(*objective_reward(objective, R"({"purchase": -1, "dwell": 1})"), -0.8);
}

TEST(Objective, ClipsTheWeightedSumToTheRewardRange) {
  const Objective objective = parse_objective(R"({"click": 1, "purchase": 4})");
  EXPECT_EQ(*objective_reward(objective, R"({"click": 1, "purchase": 1})"), 1.0);
  EXPECT_EQ(*objective_reward(objective, R"({"purchase": -0.5})"), -1.0);
  EXPECT_DOUBLE_EQ(*objective_reward(objective, R"({"click": 0.5, "purchase": -0.125})"), 0.0);
}

TEST(Objective, NoRewardForAnySignalOfTheObjectiveIsNone) {
  const Objective objective = parse_objective(R"({"purchase": 1})");
  EXPECT_EQ(objective_reward(objective, ""), std::nullopt);
  EXPECT_EQ(objective_reward(objective, "{}"), std::nullopt);
  EXPECT_EQ(objective_reward(objective, R"({"click": 1})"), std::nullopt);
  // A reward of 0 is a reward: the event is not defaulted.
  EXPECT_EQ(objective_reward(objective, R"({"purchase": 0})"), std::optional<double>(0.0));
}

TEST(Objective, RejectsMalformedSignalRewards) {
  const Objective objective = parse_objective(R"({"click": 1})");
  EXPECT_THROW(objective_reward(objective, "[1]"), InputError);
  EXPECT_THROW(objective_reward(objective, R"({"click": "1"})"), InputError);
  EXPECT_THROW(objective_reward(objective, "{"), InputError);
}

TEST(Objective, IsALoopSetting) {
  EXPECT_FALSE(parse_loop_settings("{}").rewards.objective.has_value());
  EXPECT_FALSE(parse_loop_settings(R"({"objective": null})").rewards.objective.has_value());
  const LoopSettings settings = parse_loop_settings(
      R"({"objective": {"purchase": 1}, "default_reward": -0.25, "reward_aggregation": "max"})");
  ASSERT_TRUE(settings.rewards.objective.has_value());
  EXPECT_EQ(settings.rewards.objective->weights.at(0).signal, "purchase");
  EXPECT_EQ(settings.rewards.default_reward, -0.25);
  EXPECT_EQ(settings.rewards.aggregation, "max");
  EXPECT_THROW(parse_loop_settings(R"({"objective": {"purchase": true}})"), InputError);
  EXPECT_THROW(parse_loop_settings(R"({"default_reward": 2})"), InputError);
  EXPECT_THROW(parse_loop_settings(R"({"reward_aggregation": "mode"})"), InputError);
}

}  // namespace
}  // namespace pz
