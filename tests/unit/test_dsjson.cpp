#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/dsjson.hpp"

namespace pz {
namespace {

// JSON text of a token list, for comparisons.
std::string json_of(const TokenList& list) {
  std::string text;
  std::vector<bool> first{true};
  auto separate = [&] {
    if (!first.back()) text += ",";
    first.back() = false;
  };
  bool after_key = false;
  for (const ValueToken& token : list.tokens()) {
    if (token.type != TokenType::kEndObject && token.type != TokenType::kEndArray && !after_key)
      separate();
    after_key = false;
    switch (token.type) {
      case TokenType::kBeginObject:
        text += "{";
        first.push_back(true);
        break;
      case TokenType::kBeginArray:
        text += "[";
        first.push_back(true);
        break;
      case TokenType::kEndObject:
        text += "}";
        first.pop_back();
        break;
      case TokenType::kEndArray:
        text += "]";
        first.pop_back();
        break;
      case TokenType::kKey:
        text += "\"" + std::string(list.text(token)) + "\":";
        after_key = true;
        break;
      case TokenType::kString:
        text += "\"" + std::string(list.text(token)) + "\"";
        break;
      case TokenType::kNumber:
        text += std::string(list.text(token));
        break;
      case TokenType::kBool:
        text += token.boolean ? "true" : "false";
        break;
      case TokenType::kNull:
        text += "null";
        break;
    }
  }
  return text;
}

const char* kLine =
    R"({"_label_cost":-1.0,"_label_probability":0.85,"_label_Action":2,"_labelIndex":1,)"
    R"("o":[{"v":1.0,"EventId":"13118d9b4c114f8485d9dec417e3aefe","ActionTaken":false}],)"
    R"("Timestamp":"2021-02-04T16:31:29.2460000Z","Version":"1","EventId":"13118d9b4c114f8485d9dec417e3aefe",)"
    R"("a":[2,1,3],"c":{"_synthetic":false,"User":{"name":"Cathy","_age":3},"FromUrl":[{"weather":"Sunny"},{"hour":14}],)"
    R"("_multi":[{"_tag":"latte","i":{"constant":1},"j":[{"roast":"dark","_expires":"x"}]},)"
    R"({"_tag":"mocha","j":[{"roast":"light"}]},{"_tag":"tea"}]},"p":[0.85,0.1,0.05],"VWState":{"m":"x"}})";

size_t testing_features(const std::string& json) {
  TokenList list;
  parse_json_tokens(json, list);
  FeatureSet set;
  FeatureBuilder builder(set);
  list.replay(0, list.size(), builder);
  return set.size();
}

std::string error_field(const std::string& line) {
  DsjsonDecision decision;
  try {
    read_dsjson_line(line, decision);
  } catch (const DsjsonError& error) {
    return error.field();
  }
  return "(no error)";
}

TEST(Dsjson, ReadsAContextualBanditLine) {
  DsjsonDecision d;
  read_dsjson_line(kLine, d);
  EXPECT_EQ(uuid_to_text(d.event_id), "13118d9b-4c11-4f84-85d9-dec417e3aefe");
  ASSERT_TRUE(d.has_timestamp);
  EXPECT_EQ(d.timestamp_us, 1612456289246000LL);  // 2021-02-04T16:31:29.246Z
  // "_" members are not features; an array of objects is one namespace;
  // members in jsonb's order (shorter names first).
  EXPECT_EQ(json_of(d.context),
            R"({"User":{"name":"Cathy"},"FromUrl":{"hour":14,"weather":"Sunny"}})");
  EXPECT_EQ(json_of(d.actions),
            R"([{"id":"latte","features":{"i":{"constant":1},"j":{"roast":"dark"}}},)"
            R"({"id":"mocha","features":{"j":{"roast":"light"}}},{"id":"tea"}])");
  EXPECT_EQ(d.ranking, (std::vector<uint32_t>{1, 0, 2}));  // a is 1-based
  EXPECT_EQ(d.probabilities, (std::vector<double>{0.85, 0.1, 0.05}));
  EXPECT_EQ(d.outcome, DsjsonOutcome::kRewarded);
  ASSERT_TRUE(d.reward.has_value());
  EXPECT_EQ(*d.reward, 1.0);  // cost -1
  ASSERT_EQ(d.rewards.size(), 1u);
  EXPECT_EQ(d.rewards[0].value, 1.0);
  EXPECT_EQ(d.rewards[0].slot, 0);
}

TEST(Dsjson, LabelWithoutOutcomesIsOneReward) {
  DsjsonDecision d;
  read_dsjson_line(
      R"({"_label_cost":-0.5,"_label_probability":0.5,"_label_Action":1,"_labelIndex":0,)"
      R"("a":[1,2],"p":[0.5,0.5],"c":{"_multi":[{"x":{"f":1}},{"x":{"f":2}}]}})",
      d);
  EXPECT_EQ(d.action_ids, (std::vector<std::string>{"1", "2"}));  // no _tag: the 1-based index
  EXPECT_EQ(d.outcome, DsjsonOutcome::kRewarded);
  EXPECT_EQ(*d.reward, 0.5);
  ASSERT_EQ(d.rewards.size(), 1u);
  EXPECT_EQ(d.rewards[0].value, 0.5);
  EXPECT_FALSE(d.has_timestamp);
}

TEST(Dsjson, EmptyOutcomesIsTheDefaultReward) {
  DsjsonDecision d;
  read_dsjson_line(
      R"({"_label_cost":0,"_label_probability":1,"_label_Action":1,"o":[],"c":{"_multi":[{}]}})",
      d);
  EXPECT_EQ(d.outcome, DsjsonOutcome::kDefaulted);
  EXPECT_EQ(*d.reward, 0.0);
  EXPECT_TRUE(d.rewards.empty());
  // Only the chosen action's probability was given: here the only one.
  EXPECT_EQ(d.probabilities, (std::vector<double>{1.0}));
}

TEST(Dsjson, NoLabelIsDefaultedWithTheLoopsReward) {
  DsjsonDecision d;
  read_dsjson_line(R"({"_labelIndex":1,"_label_probability":0.4,"c":{"_multi":[{},{},{}]}})", d);
  EXPECT_EQ(d.outcome, DsjsonOutcome::kDefaulted);
  EXPECT_FALSE(d.reward.has_value());
  EXPECT_EQ(d.ranking, (std::vector<uint32_t>{1, 0, 2}));
  EXPECT_EQ(d.probabilities, (std::vector<double>{0.4, 0.3, 0.3}));
}

TEST(Dsjson, SkipLearnAndDeferredWithoutActivationAreSkipped) {
  DsjsonDecision d;
  read_dsjson_line(R"({"_skipLearn":true,"_label_cost":0,"a":[1],"p":[1],"c":{"_multi":[{}]}})", d);
  EXPECT_EQ(d.outcome, DsjsonOutcome::kSkipped);
  EXPECT_FALSE(d.reward.has_value());
  EXPECT_TRUE(d.rewards.empty());
  read_dsjson_line(
      R"({"DeferredAction":true,"_label_cost":-1,"o":[{"v":1}],"a":[1],"p":[1],"c":{"_multi":[{}]}})",
      d);
  EXPECT_EQ(d.outcome, DsjsonOutcome::kSkipped);
  EXPECT_EQ(d.rewards.size(), 1u);  // kept, as a late reward
  read_dsjson_line(R"({"DeferredAction":true,"_label_cost":-1,"o":[{"v":1},{"ActionTaken":true}],)"
                   R"("a":[1],"p":[1],"c":{"_multi":[{}]}})",
                   d);
  EXPECT_EQ(d.outcome, DsjsonOutcome::kRewarded);
}

TEST(Dsjson, ConditionalBanditSlotsBecomeRanksAndSlotRewards) {
  DsjsonDecision d;
  read_dsjson_line(
      R"({"EventId":"e1","c":{"u":{"w":"sunny"},"_multi":[{"_tag":"A"},{"_tag":"B"},{"_tag":"C"}],)"
      R"("_slots":[{"_id":"main"},{"_id":"side"}]},"_outcomes":[)"
      R"({"_label_cost":-0.6,"_id":"main","_a":[2,0,1],"_p":[0.5,0.25,0.25],"_o":[{"v":0.6}]},)"
      R"({"_label_cost":-0.4,"_id":"side","_a":[1,0],"_p":[0.7,0.3]}],"_ba":[1,0]})",
      d);
  EXPECT_EQ(d.ranking, (std::vector<uint32_t>{2, 1, 0}));
  EXPECT_EQ(d.probabilities, (std::vector<double>{0.5, 0.7, 0.0}));
  EXPECT_EQ(*d.reward, 0.6);
  ASSERT_EQ(d.rewards.size(), 2u);
  EXPECT_EQ(d.rewards[0].slot, 1);
  EXPECT_EQ(d.rewards[1].slot, 2);
  EXPECT_DOUBLE_EQ(d.rewards[1].value, 0.4);
  ASSERT_TRUE(d.baseline.has_value());
  EXPECT_EQ(*d.baseline, 1u);
  EXPECT_EQ(d.slots, 2u);
  ASSERT_EQ(d.slot_rewards.size(), 2u);
  EXPECT_EQ(*d.slot_rewards[0], 0.6);
  EXPECT_DOUBLE_EQ(*d.slot_rewards[1], 0.4);
}

TEST(Dsjson, OrdersMembersAsJsonbDoes) {
  TokenList parsed, ordered;
  parse_json_tokens(R"({"bb":1,"a":{"zz":[{"y":1,"x":2}],"c":3},"bb":2,"ab":"\u00e9\ud83d\ude00"})",
                    parsed);
  order_like_jsonb(parsed, ordered);
  // Shorter keys first, then bytewise; the last of repeated keys; arrays keep their order.
  EXPECT_EQ(
      json_of(ordered),
      "{\"a\":{\"c\":3,\"zz\":[{\"x\":2,\"y\":1}]},\"ab\":\"\xc3\xa9\xf0\x9f\x98\x80\",\"bb\":2}");
}

TEST(Dsjson, ParsedContainersKnowWhereTheyEnd) {
  TokenList parsed, copied;
  parse_json_tokens(R"({"a":[1,{"b":[]},[[2]]],"c":{},"d":"x"})", parsed);
  copied.append(parsed, 0, parsed.size());  // a copy scans for the ends
  // {  a  [  1  {  b  [  ]  }  [  [  2  ]  ]  ]  c  {  }  d  "x"  }
  // 0  1  2  3  4  5  6  7  8  9  10 11 12 13 14 15 16 17 18 19  20
  const std::vector<std::pair<size_t, size_t>> ends = {{0, 21}, {2, 15}, {4, 9}, {6, 8},
                                                       {9, 14}, {10, 13}, {16, 18}, {19, 20}};
  for (auto [begin, end] : ends) {
    EXPECT_EQ(parsed.value_end(begin), end) << begin;
    EXPECT_EQ(copied.value_end(begin), end) << begin;
  }
}

TEST(Dsjson, RejectsMalformedJson) {
  TokenList list;
  for (const char* text : {"", "{", "{\"a\" 1}", "[1,]", "01", "1.", "-", "\"\\x\"", "\"\\ud800\"",
                           "\"a\nb\"", "tru", "{} {}", "\"\\u0000\""})
    EXPECT_THROW(parse_json_tokens(text, list), InputError) << text;
  parse_json_tokens(" {\"n\": [-0, 1.5e3, 12345678901234567890, true, null]} ", list);
  EXPECT_EQ(json_of(list), "{\"n\":[-0,1.5e3,12345678901234567890,true,null]}");
  EXPECT_EQ(list[4].number, 1500.0);
}

TEST(Dsjson, FeaturizesAsTheTrainerDoes) {
  DsjsonDecision d;
  read_dsjson_line(kLine, d);
  FeatureSet context, action;
  featurize_decision(d, context, action);
  EXPECT_EQ(
      context.size(),
      testing_features(R"({"User":{"name":"Cathy"},"FromUrl":{"hour":14,"weather":"Sunny"}})"));
  // The chosen action is "mocha": its one feature and its id.
  EXPECT_EQ(action.size(), 2u);
}

TEST(Dsjson, EventIdsThatAreNotUuidsGetStableNameBasedOnes) {
  auto a = dsjson_event_id("evt-1");
  EXPECT_EQ(a, dsjson_event_id("evt-1"));
  EXPECT_NE(a, dsjson_event_id("evt-2"));
  EXPECT_EQ(a[6] >> 4, 8);       // version 8
  EXPECT_EQ(a[8] & 0xc0, 0x80);  // RFC 4122 variant
  EXPECT_EQ(uuid_to_text(dsjson_event_id("0190A0B2-0000-7000-8000-00000000002A")),
            "0190a0b2-0000-7000-8000-00000000002a");
}

TEST(Dsjson, ParsesIsoTimestamps) {
  int64_t us = 0;
  ASSERT_TRUE(parse_iso_timestamp("1970-01-01T00:00:00Z", us));
  EXPECT_EQ(us, 0);
  ASSERT_TRUE(parse_iso_timestamp("2021-04-26T17:23:28.1726275", us));  // no zone: UTC; 7 digits
  EXPECT_EQ(us, 1619457808172627LL);
  ASSERT_TRUE(parse_iso_timestamp("2021-04-26T19:23:28+02:00", us));
  EXPECT_EQ(us, 1619457808000000LL);
  EXPECT_FALSE(parse_iso_timestamp("2021-13-01T00:00:00Z", us));
  EXPECT_FALSE(parse_iso_timestamp("yesterday", us));
  EXPECT_FALSE(parse_iso_timestamp("2021-01-01T00:00:00Zjunk", us));
}

TEST(Dsjson, NamesTheFieldOfEachError) {
  const std::string multi = R"("c":{"_multi":[{"_tag":"x"},{"_tag":"y"}]})";
  EXPECT_EQ(error_field("not json"), "line");
  EXPECT_EQ(error_field("[1]"), "line");
  EXPECT_EQ(error_field(R"({"a":[1],"p":[1]})"), "c");
  EXPECT_EQ(error_field(R"({"c":{"u":1},"a":[1],"p":[1]})"), "c._multi");
  EXPECT_EQ(error_field(R"({"c":{"_multi":[]},"a":[1],"p":[1]})"), "c._multi");
  EXPECT_EQ(error_field(R"({"c":{"_multi":[1]},"a":[1],"p":[1]})"), "c._multi[0]");
  EXPECT_EQ(error_field(R"({"c":{"_multi":[{"_tag":"x"},{"_tag":"x"}]},"a":[1,2],"p":[0.5,0.5]})"),
            "c._multi[1]._tag");
  EXPECT_EQ(error_field(R"({"c":{"_multi":[{"_tag":true}]},"a":[1],"p":[1]})"), "c._multi[0]._tag");
  EXPECT_EQ(error_field("{" + multi + "}"), "a");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[0,1],"p":[0.5,0.5]})"), "a");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,1],"p":[0.5,0.5]})"), "a");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1],"p":[1]})"), "a");
  EXPECT_EQ(error_field("{" + multi + R"(,"p":[0.5,0.5],"_labelIndex":0})"), "p");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5]})"), "p");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,1.5]})"), "p");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0,1]})"), "p");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,0.5],"_label_Action":2})"),
            "_label_Action");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,0.5],"_labelIndex":1})"),
            "_labelIndex");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,0.5],"_label_probability":0.9})"),
            "_label_probability");
  EXPECT_EQ(error_field("{" + multi + R"(,"_label_Action":1})"), "_label_probability");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,0.5],"_label_cost":2})"),
            "_label_cost");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,0.5],"_label_cost":"1"})"),
            "_label_cost");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,0.5],"o":[{"v":3}]})"), "o[0].v");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,0.5],"o":[{"ActionTaken":1}]})"),
            "o[0].ActionTaken");
  EXPECT_EQ(
      error_field("{" + multi + R"(,"EventId":"e","a":[1,2],"p":[0.5,0.5],"o":[{"EventId":"f"}]})"),
      "o[0].EventId");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,0.5],"pdrop":1})"), "pdrop");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,0.5],"_skipLearn":"yes"})"),
            "_skipLearn");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,0.5],"DeferredAction":1})"),
            "DeferredAction");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,0.5],"EventId":""})"), "EventId");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,0.5],"Timestamp":"soon"})"),
            "Timestamp");
  EXPECT_EQ(error_field("{" + multi + R"(,"a":[1,2],"p":[0.5,0.5],"_ba":[5]})"), "_ba");
  EXPECT_EQ(error_field("{" + multi + R"(,"_outcomes":[{"_p":[1]}]})"), "_outcomes[0]._a");
  EXPECT_EQ(error_field("{" + multi + R"(,"_outcomes":[{"_a":[0]}]})"), "_outcomes[0]._p");
  EXPECT_EQ(error_field("{" + multi + R"(,"_outcomes":[{"_a":[0],"_p":[1]},{"_a":[0],"_p":[1]}]})"),
            "_outcomes[1]._a");
}

// What a decision read from a line holds, as text, or its error.
std::string decision_text(const std::string& line, DsjsonLineReader* reader) {
  DsjsonDecision d;
  try {
    if (reader != nullptr)
      reader->read(line, d);
    else
      read_dsjson_line(line, d);
  } catch (const DsjsonError& error) {
    return "error " + error.field() + ": " + error.what();
  }
  std::string text = uuid_to_text(d.event_id) + " " + json_of(d.context) + " " + json_of(d.actions);
  for (const std::string& id : d.action_ids) text += " " + id;
  for (auto [begin, end] : d.action_tokens) text += " " + std::to_string(begin) + "-" + std::to_string(end);
  for (auto [begin, end] : d.action_features) text += " " + std::to_string(begin) + "-" + std::to_string(end);
  for (size_t i = 0; i < d.ranking.size(); ++i)
    text += " " + std::to_string(d.ranking[i]) + ":" + std::to_string(d.probabilities[i]);
  for (const DsjsonReward& reward : d.rewards) text += " r" + std::to_string(reward.value);
  return text + " " + std::to_string(static_cast<int>(d.outcome)) + " slots " + std::to_string(d.slots);
}

TEST(Dsjson, ALineReaderTakesOverRepeatedActionsAsIfItParsedThem) {
  const std::string multi = R"("_multi":[{"_tag":"x","f":{"n":1.50}},{"_tag":"y"}])";
  const std::vector<std::string> lines = {
      R"({"EventId":"e1","c":{"u":{"s":"a"},)" + multi + R"(},"a":[1,2],"p":[0.8,0.2]})",
      R"({"EventId":"e2","c":{"u":{"s":"b"},)" + multi + R"(},"a":[2,1],"p":[0.7,0.3],"_label_cost":-1})",
      // The same text first in a namespace, then as c._multi.
      R"({"EventId":"e3","c":{"u":{)" + multi + R"(},)" + multi + R"(},"a":[1,2],"p":[0.5,0.5]})",
      R"({"EventId":"e3b","c":{"u":{)" + multi + R"(},"_multi":[{"_tag":"q"}]},"a":[1,2,3],"p":[0.5,0.3,0.2]})",
      // Repeated members: the last "c" and the last "_multi" count.
      R"({"EventId":"e4","c":{)" + multi + R"(},"c":{"v":1,"_multi":[{"_tag":"z"}]},"a":[1],"p":[1]})",
      R"({"EventId":"e5","c":{)" + multi + R"(,"_multi":[{"_tag":"z"}]},"a":[1],"p":[1]})",
      R"({"EventId":"e6","c":{"v":2,)" + multi + R"(},"a":[1,2],"p":[0.5,0.5]})",
      // Errors elsewhere on a line with the remembered actions.
      R"({"EventId":"e7","c":{)" + multi + R"(},"a":[1,3],"p":[0.5,0.5]})",
      R"({"EventId":"e8","c":{)" + multi + R"(},"a":[1,2],"p":[0.5,0.5],)",
      R"({"EventId":"e9","c":{"_multi" : [{"_tag":"x","f":{"n":1.50}},{"_tag":"y"}]},"a":[1,2],"p":[1,0]})",
      R"({"EventId":"e10","c":{"x":1},)" + multi + R"(,"a":[1,2],"p":[1,0]})",
      R"({"EventId":"e11","c":{)" + multi + R"(,"_slots":[{},{}]},"_outcomes":[{"_a":[1],"_p":[1]},{"_a":[0],"_p":[1]}]})",
      R"({"EventId":"e12","c":{)" + multi + R"(}},"a":[1,2],"p":[0.5,0.5]})",
      R"({"EventId":"e13","c":{"_multi":[{"_tag":"x"},{"_tag":"x"}]},"a":[1,2],"p":[0.5,0.5]})",
      R"({"EventId":"e14","c":{)" + multi + R"(},"a":[1,2],"p":[0.5,0.5]})",
  };
  DsjsonLineReader reader;
  for (const std::string& line : lines) EXPECT_EQ(decision_text(line, &reader), decision_text(line, nullptr)) << line;

  DsjsonDecision first, second, other;
  DsjsonLineReader versions;
  versions.read(lines[0], first);
  versions.read(lines[1], second);
  EXPECT_NE(first.actions_version, 0u);
  EXPECT_EQ(second.actions_version, first.actions_version);
  versions.read(lines[4], other);
  EXPECT_NE(other.actions_version, first.actions_version);
}

TEST(Dsjson, WritesALineThatReadsBackToTheSameDecision) {
  LoggedEvent event;
  event.event_id = "0190a0b2-0000-7000-8000-00000000002a";
  event.timestamp = "2026-01-02T03:04:05.123456Z";
  event.context = R"({"user":{"segment":"budget","days":12},"device":"mobile"})";
  event.actions = R"([{"id":"a","features":{"cat":{"c":"toys"},"price":9.5}},"b",{"id":"c"}])";
  event.ranking = {"c", "a", "b"};
  event.probabilities = {0.8, 0.1, 0.1};
  event.outcome = DsjsonOutcome::kRewarded;
  event.reward = 0.25;
  event.rewards = {{0.25, 0}, {1.0, 0}};
  event.baseline = "b";
  std::string line = write_dsjson_line(event);
  nlohmann::json json = nlohmann::json::parse(line);
  EXPECT_EQ(json["_label_cost"], -0.25);
  EXPECT_EQ(json["_label_Action"], 3);
  EXPECT_EQ(json["_labelIndex"], 2);
  EXPECT_EQ(json["a"], nlohmann::json::parse("[3,1,2]"));
  EXPECT_EQ(json["_ba"], nlohmann::json::parse("[1]"));

  DsjsonDecision d;
  read_dsjson_line(line, d);
  EXPECT_EQ(uuid_to_text(d.event_id), event.event_id);
  int64_t us = 0;
  ASSERT_TRUE(parse_iso_timestamp(event.timestamp, us));
  EXPECT_EQ(d.timestamp_us, us);
  EXPECT_EQ(nlohmann::json::parse(json_of(d.context)), nlohmann::json::parse(event.context));
  EXPECT_EQ(
      nlohmann::json::parse(json_of(d.actions)),
      nlohmann::json::parse(
          R"([{"id":"a","features":{"cat":{"c":"toys"},"price":9.5}},{"id":"b"},{"id":"c"}])"));
  EXPECT_EQ(d.ranking, (std::vector<uint32_t>{2, 0, 1}));
  EXPECT_EQ(d.probabilities, event.probabilities);
  EXPECT_EQ(d.outcome, DsjsonOutcome::kRewarded);
  EXPECT_EQ(*d.reward, 0.25);
  ASSERT_EQ(d.rewards.size(), 2u);
  EXPECT_EQ(d.rewards[1].value, 1.0);
  EXPECT_EQ(*d.baseline, 1u);
}

// An event ranked with slots is written as a conditional-bandit line, each
// slot's rewards under its own outcome, and reads back with the same slots.
TEST(Dsjson, WritesSlotsAsAConditionalBanditLineThatReadsBack) {
  LoggedEvent event;
  event.event_id = "0190a0b2-0000-7000-8000-00000000002c";
  event.timestamp = "2026-01-02T03:04:05.000000Z";
  event.context = R"({"user":{"segment":"budget"}})";
  event.actions = R"(["x","y","z","w"])";
  event.ranking = {"z", "x", "w", "y"};
  event.probabilities = {0.7, 0.1, 0.1, 0.1};
  event.slot_probabilities = {0.7, 0.5, 0.75};
  event.outcome = DsjsonOutcome::kRewarded;
  event.reward = 0.5;
  event.slot_rewards = {0.5, 0.0, 1.0};
  event.rewards = {{0.5, 0}, {1.0, 3}};
  std::string line = write_dsjson_line(event);
  nlohmann::json json = nlohmann::json::parse(line);
  EXPECT_FALSE(json.contains("_label_cost"));
  EXPECT_FALSE(json.contains("a"));
  EXPECT_EQ(json["o"], nlohmann::json::array());
  ASSERT_EQ(json["_outcomes"].size(), 3u);
  EXPECT_EQ(json["c"]["_slots"].size(), 3u);
  EXPECT_EQ(json["_outcomes"][0]["_a"], nlohmann::json::parse("[2]"));
  EXPECT_EQ(json["_outcomes"][2]["_a"], nlohmann::json::parse("[3]"));
  EXPECT_EQ(json["_outcomes"][1]["_p"], nlohmann::json::parse("[0.5]"));
  EXPECT_EQ(json["_outcomes"][2]["_label_cost"], -1.0);
  EXPECT_EQ(json["_outcomes"][0]["_o"].size(), 1u);
  EXPECT_EQ(json["_outcomes"][1]["_o"].size(), 0u);

  DsjsonDecision d;
  read_dsjson_line(line, d);
  EXPECT_EQ(d.slots, 3u);
  EXPECT_EQ(d.ranking, (std::vector<uint32_t>{2, 0, 3, 1}));
  EXPECT_EQ(std::vector<double>(d.probabilities.begin(), d.probabilities.begin() + 3), event.slot_probabilities);
  EXPECT_EQ(*d.reward, 0.5);
  EXPECT_EQ(d.outcome, DsjsonOutcome::kRewarded);
  ASSERT_EQ(d.slot_rewards.size(), 3u);
  EXPECT_EQ(*d.slot_rewards[1], 0.0);
  EXPECT_EQ(*d.slot_rewards[2], 1.0);
  ASSERT_EQ(d.rewards.size(), 2u);
  EXPECT_EQ(d.rewards[0].slot, 1);  // named none: slot 1
  EXPECT_EQ(d.rewards[1].slot, 3);
  EXPECT_EQ(d.rewards[1].value, 1.0);
  EXPECT_EQ(nlohmann::json::parse(json_of(d.context)), nlohmann::json::parse(event.context));
}

TEST(Dsjson, WritesSkippedDeferredAndDefaultedEvents) {
  LoggedEvent event;
  event.event_id = "0190a0b2-0000-7000-8000-00000000002b";
  event.timestamp = "2026-01-02T03:04:05.000000Z";
  event.context = "{}";
  event.actions = R"(["x","y"])";
  event.ranking = {"x", "y"};
  event.probabilities = {0.9, 0.1};
  DsjsonDecision d;
  event.outcome = DsjsonOutcome::kSkipped;
  read_dsjson_line(write_dsjson_line(event), d);
  EXPECT_EQ(d.outcome, DsjsonOutcome::kSkipped);
  event.outcome = DsjsonOutcome::kRewarded;
  event.deferred = true;
  event.rewards = {{-1.0, 0}};
  event.reward = -1.0;
  read_dsjson_line(write_dsjson_line(event), d);
  EXPECT_EQ(d.outcome, DsjsonOutcome::kRewarded);
  EXPECT_EQ(*d.reward, -1.0);
  event.outcome = DsjsonOutcome::kDefaulted;
  event.deferred = false;
  event.rewards.clear();
  event.reward = 0.0;
  read_dsjson_line(write_dsjson_line(event), d);
  EXPECT_EQ(d.outcome, DsjsonOutcome::kDefaulted);
  EXPECT_EQ(*d.reward, 0.0);
  event.ranking = {"z", "x"};
  EXPECT_THROW(write_dsjson_line(event), InputError);
}

}  // namespace
}  // namespace pz
