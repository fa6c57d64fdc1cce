// Writing a logged pz event as a DSJSON line (see dsjson.hpp).
#include <nlohmann/json.hpp>
#include <string>

#include "dsjson.hpp"

namespace pz {
namespace {

using Json = nlohmann::ordered_json;

std::string id_text(const Json& id) {
  if (id.is_string()) return id.get<std::string>();
  if (id.is_number_integer() || id.is_number_unsigned()) return id.dump();
  throw InputError("a logged action has no usable id");
}

Json reward_outcome(const DsjsonReward& reward, const std::string& event_id) {
  return Json{{"v", reward.value}, {"EventId", event_id}, {"ActionTaken", false}};
}

}  // namespace

std::string write_dsjson_line(const LoggedEvent& event) {
  Json context = Json::parse(event.context);
  Json actions = Json::parse(event.actions);
  if (!context.is_object() || !actions.is_array())
    throw InputError("a logged event's context or actions are malformed");

  Json multi = Json::array();
  std::vector<std::string> ids;
  for (const Json& action : actions) {
    Json element = Json::object();
    if (action.is_object()) {
      ids.push_back(id_text(action.at("id")));
      element["_tag"] = ids.back();
      auto features = action.find("features");
      if (features != action.end() && features->is_object())
        for (auto member = features->begin(); member != features->end(); ++member)
          element[member.key()] = member.value();
    } else {
      ids.push_back(id_text(action));
      element["_tag"] = ids.back();
    }
    multi.push_back(std::move(element));
  }
  auto index_of = [&](const std::string& id) -> size_t {
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == id) return i;
    throw InputError("the ranked action \"" + id + "\" is not among the event's actions");
  };

  Json a = Json::array();
  for (const std::string& id : event.ranking) a.push_back(index_of(id) + 1);
  if (a.empty() || event.probabilities.size() != event.ranking.size())
    throw InputError("a logged event's ranking and probabilities do not match");

  Json line = Json::object();
  bool skipped = event.outcome == DsjsonOutcome::kSkipped;
  const bool slotted = !event.slot_probabilities.empty();
  if (slotted && event.slot_probabilities.size() > event.ranking.size())
    throw InputError("a logged event has more slots than ranked actions");
  // cost = -reward; a skipped event carries none (it is not learned).
  if (!slotted) {
    line["_label_cost"] = skipped || event.reward == 0.0 ? 0.0 : -event.reward;
    line["_label_probability"] = event.probabilities[0];
    line["_label_Action"] = a[0];
    line["_labelIndex"] = a[0].get<size_t>() - 1;
  }
  if (skipped) line["_skipLearn"] = true;
  if (event.deferred) line["DeferredAction"] = true;
  Json outcomes = Json::array();
  if (!slotted)
    for (const DsjsonReward& reward : event.rewards) outcomes.push_back(reward_outcome(reward, event.event_id));
  if (event.deferred) outcomes.push_back(Json{{"EventId", event.event_id}, {"ActionTaken", true}});
  line["o"] = std::move(outcomes);
  line["Timestamp"] = event.timestamp;
  line["Version"] = "1";
  line["EventId"] = event.event_id;
  if (slotted) {
    // As --ccb_explore_adf reads it: one outcome per slot, with the slot's
    // action (0-based), its probability and the rewards naming that slot
    // (for slot 1 also those naming none).
    Json slots = Json::array();
    Json slot_outcomes = Json::array();
    for (size_t j = 0; j < event.slot_probabilities.size(); ++j) {
      const std::string id = std::to_string(j + 1);
      const double reward = j < event.slot_rewards.size() ? event.slot_rewards[j] : j == 0 ? event.reward : 0.0;
      Json slot_rewards = Json::array();
      for (const DsjsonReward& given : event.rewards)
        if (given.slot == static_cast<int>(j) + 1 || (j == 0 && given.slot == 0))
          slot_rewards.push_back(reward_outcome(given, event.event_id));
      Json slot = Json::object();
      slot["_id"] = id;
      slot["_label_cost"] = skipped || reward == 0.0 ? 0.0 : -reward;
      slot["_a"] = Json::array({a[j].get<size_t>() - 1});
      slot["_p"] = Json::array({event.slot_probabilities[j]});
      slot["_o"] = std::move(slot_rewards);
      slot_outcomes.push_back(std::move(slot));
      slots.push_back(Json{{"_id", id}});
    }
    line["_outcomes"] = std::move(slot_outcomes);
    context["_slots"] = std::move(slots);
  } else {
    line["a"] = std::move(a);
  }
  context["_multi"] = std::move(multi);
  line["c"] = std::move(context);
  if (!slotted) line["p"] = event.probabilities;
  if (event.baseline) {
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == *event.baseline) line["_ba"] = Json::array({i});
  }
  return line.dump();
}

}  // namespace pz
