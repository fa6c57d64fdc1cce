#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/feature_names.hpp"
#include "core/json_text.hpp"
#include "core/model.hpp"
#include "test_support.hpp"

namespace pz {
namespace {

struct Named {
  FeatureSet set;
  FeatureNames names;
};

Named named_of(std::string_view json) {
  Named named;
  NamingFeatureBuilder builder(named.set, named.names);
  parse_json(json, builder);
  return named;
}

TEST(FeatureNames, SameFeaturesAsTheHashingBuilderWithNames) {
  const char* json =
      R"({"user": {"segment": "budget", "geo": {"city": "Lyon"}, "age": 31, "vip": true, "off": false,
          "tags": ["new", "eu"], "xs": [1, null, 2]}, "device": "mobile", "price": 9.5, "none": null})";
  const Named named = named_of(json);
  const FeatureSet plain = testing::features_of(json);
  ASSERT_EQ(named.set.size(), plain.size());
  for (size_t i = 0; i < plain.size(); ++i)
    EXPECT_EQ(named.set.features()[i].hash, plain.features()[i].hash);
  ASSERT_EQ(named.names.size(), plain.size());
  const std::vector<std::string> expected{
      "user.segment=budget", "user.geo.city=Lyon", "user.age",   "user.vip",      "user.tags=new",
      "user.tags=eu",        "user.xs[0]",         "user.xs[2]", "device=mobile", "price"};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(named.names[i].name, expected[i]) << i;
  EXPECT_EQ(named.names[0].space, "user");
  EXPECT_EQ(named.names[8].space, "device");
}

TEST(FeatureNames, ContributionsAddUpToTheScoreWithReadableNames) {
  Model model(FeatureSpace{}, LearnerSettings{});
  const FeatureSet context = testing::features_of(R"({"user": {"segment": "budget"}})");
  const FeatureSet toys = testing::action_of("a", R"({"item": {"category": "toys"}})");
  const FeatureSet books = testing::action_of("b", R"({"item": {"category": "books"}})");
  for (int i = 0; i < 50; ++i) {
    model.learn(context, toys, 1.0, 0.5, 2);
    model.learn(context, books, 0.0, 0.5, 2);
  }
  Named named_context = named_of(R"({"user": {"segment": "budget"}})");
  Named action = named_of(R"({"item": {"category": "toys"}})");
  add_named_action_id(action.set, action.names, "a");
  const std::vector<Contribution> terms =
      explain_score(model, named_context.set, named_context.names, action.set, action.names);
  double total = 0.0;
  bool bias = false;
  bool crossed = false;
  for (const Contribution& term : terms) {
    total += term.value;
    bias = bias || (term.space == "constant" && term.feature == "bias");
    crossed = crossed || (term.space == "user \u00d7 item" &&
                          term.feature == "user.segment=budget \u00d7 item.category=toys");
  }
  EXPECT_TRUE(bias);
  EXPECT_TRUE(crossed);
  EXPECT_NEAR(total, model.score(context, toys), 1e-12);
  EXPECT_GT(model.score(context, toys), 0.5);
}

}  // namespace
}  // namespace pz

namespace pz {
namespace {

TEST(FeatureNames, TopContributionsKeepTheBiasTheLargestAndTheRestSummed) {
  std::vector<Contribution> terms{{"a", "a=1", 0.1},
                                  {"constant", "bias", 0.5},
                                  {"b", "b=2", -0.4},
                                  {"c", "c=3", 0.2},
                                  {"d", "d=4", 0.05}};
  const std::vector<Contribution> shown = top_contributions(terms, 2);
  ASSERT_EQ(shown.size(), 4u);
  EXPECT_EQ(shown[0].feature, "bias");
  EXPECT_EQ(shown[1].feature, "b=2");
  EXPECT_EQ(shown[2].feature, "c=3");
  EXPECT_EQ(shown[3].space, "other");
  EXPECT_EQ(shown[3].feature, "2 more features");
  EXPECT_NEAR(shown[3].value, 0.15, 1e-12);
  EXPECT_EQ(top_contributions(terms, 10).size(), 5u);  // all shown: no "other"
  const std::vector<Contribution> none = top_contributions({}, 3);
  ASSERT_EQ(none.size(), 1u);  // an untrained model's bias, 0
  EXPECT_EQ(none[0].value, 0.0);
}

}  // namespace
}  // namespace pz
