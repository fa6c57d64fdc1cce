// The learning-related part of a loop's settings (pz.loops.settings, with the
// defaults already filled in by the extension's SQL).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "features.hpp"
#include "model.hpp"
#include "objective.hpp"
#include "policy.hpp"

namespace pz {

// How pz_rank_rows reads candidate rows: the column holding the action id,
// and the columns that are features (none given: every other column).
struct RowSettings {
  std::string action_key = "id";
  std::optional<std::vector<std::string>> action_features;
};

// Where a rank call's event goes: inserted in the caller's transaction, or
// queued in shared memory for the pz logger to write in batches.
enum class Logging { kTransactional, kBuffered };

// How the rewards of an event become the one it is learned with.
struct RewardSettings {
  std::optional<Objective> objective;    // none: every reward counts, whatever its signal
  double default_reward = 0.0;           // for an event with no reward (none that counts)
  std::string aggregation = "earliest";  // earliest, sum, average, median, min or max
};

struct LoopSettings {
  FeatureSpace space;
  LearnerSettings learner;
  ExplorationSettings exploration;
  RowSettings rows;
  Logging logging = Logging::kTransactional;
  RewardSettings rewards;
};

// Reads keys exploration, algorithm, temperature, gamma, bits, interactions
// ("*" wildcards; an array of [context, action] pairs), learning_rate, power_t,
// l2, cb_type, action_key, action_features (an array of column names), logging,
// objective, default_reward, reward_aggregation from JSON text; ignores keys
// it does not use. Missing keys keep the struct defaults. Throws InputError
// for a wrong type or range.
LoopSettings parse_loop_settings(std::string_view json_text);

// "mtr" or "dm" (the cb_type setting); nullopt for another name.
std::optional<CbType> parse_cb_type(std::string_view name);
std::string_view cb_type_name(CbType cb_type);

}  // namespace pz
