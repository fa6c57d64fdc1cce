#include "settings.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "errors.hpp"

namespace pz {
namespace {

using Json = nlohmann::json;

[[noreturn]] void reject(std::string_view key, std::string_view requirement) {
  throw InputError("setting \"" + std::string(key) + "\" must be " + std::string(requirement));
}

// The value of `key`, or null when it is absent (null also keeps the default).
const Json* find(const Json& settings, std::string_view key) {
  auto it = settings.find(key);
  if (it == settings.end() || it->is_null()) return nullptr;
  return &*it;
}

// Reads a number in [low, high] (or (low, high] when low_open) into `target`.
void read_number(const Json& settings, std::string_view key, double low, bool low_open, double high,
                 std::string_view requirement, double& target) {
  const Json* value = find(settings, key);
  if (value == nullptr) return;
  if (!value->is_number()) reject(key, requirement);
  const double number = value->get<double>();
  if (!std::isfinite(number) || number < low || (low_open && number == low) || number > high) {
    reject(key, requirement);
  }
  target = number;
}

void read_bits(const Json& settings, int& target) {
  const Json* value = find(settings, "bits");
  if (value == nullptr) return;
  constexpr std::string_view requirement = "an integer from 10 to 28";
  if (!value->is_number()) reject("bits", requirement);
  const double number = value->get<double>();
  if (number != std::floor(number) || number < 10 || number > 28) reject("bits", requirement);
  target = static_cast<int>(number);
}

void read_interactions(const Json& settings, Interactions& target) {
  const Json* value = find(settings, "interactions");
  if (value == nullptr) return;
  constexpr std::string_view requirement =
      "an array of [context namespace, action namespace] pairs of strings (\"*\" matches any)";
  if (!value->is_array()) reject("interactions", requirement);
  Interactions rules = Interactions::none();
  for (const Json& pair : *value) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      reject("interactions", requirement);
    }
    rules.add(pair[0].get_ref<const std::string&>(), pair[1].get_ref<const std::string&>());
  }
  target = rules;
}

// Reads a string setting that `parse` turns into a choice (nullopt: unknown).
template <class Choice>
void read_choice(const Json& settings, std::string_view key, std::string_view requirement,
                 std::optional<Choice> (*parse)(std::string_view), Choice& target) {
  const Json* value = find(settings, key);
  if (value == nullptr) return;
  if (!value->is_string()) reject(key, requirement);
  const std::optional<Choice> choice = parse(value->get_ref<const std::string&>());
  if (!choice) reject(key, requirement);
  target = *choice;
}

void read_row_settings(const Json& settings, RowSettings& target) {
  if (const Json* key = find(settings, "action_key")) {
    if (!key->is_string() || key->get_ref<const std::string&>().empty())
      reject("action_key", "a column name (a non-empty string)");
    target.action_key = key->get<std::string>();
  }
  if (const Json* columns = find(settings, "action_features")) {
    constexpr std::string_view requirement = "an array of distinct column names (non-empty strings)";
    if (!columns->is_array()) reject("action_features", requirement);
    std::vector<std::string> names;
    for (const Json& column : *columns) {
      if (!column.is_string() || column.get_ref<const std::string&>().empty())
        reject("action_features", requirement);
      names.push_back(column.get<std::string>());
    }
    target.action_features = std::move(names);
  }
}

void read_logging(const Json& settings, Logging& target) {
  const Json* value = find(settings, "logging");
  if (value == nullptr) return;
  constexpr std::string_view requirement = "one of \"transactional\", \"buffered\"";
  if (!value->is_string()) reject("logging", requirement);
  const std::string& name = value->get_ref<const std::string&>();
  if (name == "transactional")
    target = Logging::kTransactional;
  else if (name == "buffered")
    target = Logging::kBuffered;
  else
    reject("logging", requirement);
}

void read_rewards(const Json& settings, RewardSettings& target) {
  if (const Json* objective = find(settings, "objective"))
    target.objective = parse_objective(objective->dump());
  read_number(settings, "default_reward", -1.0, false, 1.0, "a number from -1 to 1",
              target.default_reward);
  if (const Json* aggregation = find(settings, "reward_aggregation")) {
    static const char* const kChoices[] = {"earliest", "sum", "average", "median", "min", "max"};
    const bool known =
        aggregation->is_string() &&
        std::any_of(std::begin(kChoices), std::end(kChoices), [&](const char* choice) {
          return aggregation->get_ref<const std::string&>() == choice;
        });
    if (!known) reject("reward_aggregation", "one of earliest, sum, average, median, min, max");
    target.aggregation = aggregation->get<std::string>();
  }
}

}  // namespace

std::optional<CbType> parse_cb_type(std::string_view name) {
  if (name == "mtr") return CbType::kMtr;
  if (name == "dm") return CbType::kDm;
  return std::nullopt;
}

std::string_view cb_type_name(CbType cb_type) { return cb_type == CbType::kDm ? "dm" : "mtr"; }

LoopSettings parse_loop_settings(std::string_view json_text) {
  Json settings;
  try {
    settings = Json::parse(json_text);
  } catch (const Json::parse_error&) {
    throw InputError("loop settings are not valid JSON");
  }
  if (!settings.is_object()) throw InputError("loop settings must be a JSON object");

  constexpr double kNoLimit = HUGE_VAL;
  LoopSettings loop;
  read_number(settings, "exploration", 0.0, false, 1.0, "a number from 0 to 1",
              loop.exploration.epsilon);
  read_choice(settings, "algorithm", "one of \"epsilon_greedy\", \"softmax\", \"squarecb\"", parse_algorithm,
              loop.exploration.algorithm);
  read_number(settings, "temperature", 0.0, true, kNoLimit, "a number greater than 0",
              loop.exploration.temperature);
  read_number(settings, "gamma", 0.0, true, kNoLimit, "a number greater than 0",
              loop.exploration.gamma_scale);
  read_bits(settings, loop.space.bits);
  read_interactions(settings, loop.space.interactions);
  read_number(settings, "learning_rate", 0.0, true, kNoLimit, "a number greater than 0",
              loop.learner.learning_rate);
  read_number(settings, "power_t", 0.0, false, 1.0, "a number from 0 to 1", loop.learner.power_t);
  read_number(settings, "l2", 0.0, false, kNoLimit, "a number of at least 0", loop.learner.l2);
  read_choice(settings, "cb_type", "one of \"mtr\", \"dm\"", parse_cb_type, loop.learner.cb_type);
  read_row_settings(settings, loop.rows);
  read_logging(settings, loop.logging);
  read_rewards(settings, loop.rewards);
  return loop;
}

}  // namespace pz
