#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"
#include "core/settings.hpp"

namespace pz {
namespace {

TEST(Settings, EmptyObjectKeepsDefaults) {
  const LoopSettings settings = parse_loop_settings("{}");
  EXPECT_EQ(settings.exploration.algorithm, Algorithm::kEpsilonGreedy);
  EXPECT_EQ(settings.exploration.epsilon, 0.2);
  EXPECT_EQ(settings.space.bits, 18);
  EXPECT_EQ(settings.space.fingerprint(), FeatureSpace().fingerprint());
  EXPECT_EQ(settings.learner.learning_rate, 0.05);
  EXPECT_EQ(settings.learner.power_t, 0.25);
  EXPECT_EQ(settings.learner.l2, 0.0);
  EXPECT_EQ(settings.learner.cb_type, CbType::kMtr);
}

TEST(Settings, ReadsEveryKey) {
  const LoopSettings settings = parse_loop_settings(R"({
    "exploration": 0.1, "algorithm": "squarecb", "temperature": 0.5, "gamma": 50,
    "bits": 20, "interactions": [["user", "item"], ["*", "_id"]],
    "learning_rate": 0.25, "power_t": 0.3, "l2": 0.001, "cb_type": "dm",
    "reward_wait": "10 minutes", "mode": "online"})");
  EXPECT_EQ(settings.exploration.epsilon, 0.1);
  EXPECT_EQ(settings.exploration.algorithm, Algorithm::kSquareCB);
  EXPECT_EQ(settings.exploration.temperature, 0.5);
  EXPECT_EQ(settings.exploration.gamma_scale, 50.0);
  EXPECT_EQ(settings.space.bits, 20);
  EXPECT_TRUE(settings.space.interactions.applies(namespace_hash("user"), namespace_hash("item")));
  EXPECT_TRUE(settings.space.interactions.applies(namespace_hash("device"), namespace_hash("_id")));
  EXPECT_FALSE(
      settings.space.interactions.applies(namespace_hash("device"), namespace_hash("item")));
  EXPECT_EQ(settings.learner.learning_rate, 0.25);
  EXPECT_EQ(settings.learner.power_t, 0.3);
  EXPECT_EQ(settings.learner.l2, 0.001);
  EXPECT_EQ(settings.learner.cb_type, CbType::kDm);
}

TEST(Settings, CbTypeIsMtrOrDm) {
  EXPECT_EQ(parse_loop_settings(R"({"cb_type": "mtr"})").learner.cb_type, CbType::kMtr);
  EXPECT_EQ(parse_loop_settings(R"({"cb_type": "dm"})").learner.cb_type, CbType::kDm);
  EXPECT_EQ(parse_loop_settings(R"({"cb_type": null})").learner.cb_type, CbType::kMtr);
  for (CbType cb_type : {CbType::kMtr, CbType::kDm}) EXPECT_EQ(parse_cb_type(cb_type_name(cb_type)), cb_type);
  EXPECT_FALSE(parse_cb_type("ips").has_value());
  EXPECT_FALSE(parse_cb_type("DM").has_value());
}

TEST(Settings, RowSettings) {
  const LoopSettings defaults = parse_loop_settings("{}");
  EXPECT_EQ(defaults.rows.action_key, "id");
  EXPECT_FALSE(defaults.rows.action_features.has_value());
  const LoopSettings set =
      parse_loop_settings(R"({"action_key": "sku", "action_features": ["price", "brand"]})");
  EXPECT_EQ(set.rows.action_key, "sku");
  EXPECT_EQ(set.rows.action_features, (std::vector<std::string>{"price", "brand"}));
  EXPECT_THROW(parse_loop_settings(R"({"action_key": ""})"), InputError);
  EXPECT_THROW(parse_loop_settings(R"({"action_features": "price"})"), InputError);
  EXPECT_THROW(parse_loop_settings(R"({"action_features": [1]})"), InputError);
}

TEST(Settings, LoggingIsTransactionalUnlessBuffered) {
  EXPECT_EQ(parse_loop_settings("{}").logging, Logging::kTransactional);
  EXPECT_EQ(parse_loop_settings(R"({"logging": "transactional"})").logging, Logging::kTransactional);
  EXPECT_EQ(parse_loop_settings(R"({"logging": "buffered"})").logging, Logging::kBuffered);
}

TEST(Settings, EmptyInteractionsMeanLinear) {
  const LoopSettings settings = parse_loop_settings(R"({"interactions": []})");
  EXPECT_EQ(settings.space.interactions.fingerprint(), Interactions::none().fingerprint());
}

TEST(Settings, NullKeepsTheDefault) {
  EXPECT_EQ(parse_loop_settings(R"({"bits": null, "exploration": null})").space.bits, 18);
}

TEST(Settings, BoundsAreInclusiveWhereDocumented) {
  EXPECT_EQ(parse_loop_settings(R"({"exploration": 0})").exploration.epsilon, 0.0);
  EXPECT_EQ(parse_loop_settings(R"({"exploration": 1})").exploration.epsilon, 1.0);
  EXPECT_EQ(parse_loop_settings(R"({"bits": 10})").space.bits, 10);
  EXPECT_EQ(parse_loop_settings(R"({"bits": 28.0})").space.bits, 28);
}

TEST(Settings, WrongValuesNameTheirKey) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"exploration": 1.5})", "exploration"},
      {R"({"exploration": "0.2"})", "exploration"},
      {R"({"exploration": -0.1})", "exploration"},
      {R"({"algorithm": "greedy"})", "algorithm"},
      {R"({"algorithm": 1})", "algorithm"},
      {R"({"temperature": 0})", "temperature"},
      {R"({"gamma": -1})", "gamma"},
      {R"({"bits": 9})", "bits"},
      {R"({"bits": 29})", "bits"},
      {R"({"bits": 18.5})", "bits"},
      {R"({"bits": "18"})", "bits"},
      {R"({"interactions": "all"})", "interactions"},
      {R"({"interactions": [["a"]]})", "interactions"},
      {R"({"interactions": [["a", 1]]})", "interactions"},
      {R"({"interactions": ["a", "b"]})", "interactions"},
      {R"({"learning_rate": 0})", "learning_rate"},
      {R"({"power_t": 1.5})", "power_t"},
      {R"({"l2": -1})", "l2"},
      {R"({"l2": true})", "l2"},
      {R"({"logging": "sometimes"})", "logging"},
      {R"({"logging": 1})", "logging"},
      {R"({"cb_type": "ips"})", "cb_type"},
      {R"({"cb_type": 1})", "cb_type"},
  };
  for (const auto& [json, key] : cases) {
    try {
      parse_loop_settings(json);
      ADD_FAILURE() << "accepted " << json;
    } catch (const InputError& error) {
      EXPECT_NE(std::string(error.what()).find(std::string("\"") + key + "\""), std::string::npos)
          << json << " -> " << error.what();
    }
  }
}

TEST(Settings, NonObjectOrMalformedIsRejected) {
  EXPECT_THROW(parse_loop_settings("[]"), InputError);
  EXPECT_THROW(parse_loop_settings("{"), InputError);
  EXPECT_THROW(parse_loop_settings(""), InputError);
}

}  // namespace
}  // namespace pz
