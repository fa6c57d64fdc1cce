// A loop's objective (setting "objective"): the reward it learns is a weighted
// sum of named reward signals, e.g. {"click": 0.2, "purchase": 0.8}. Only the
// arithmetic lives here; the rewards of each signal are combined first, by
// the loop's reward_aggregation, where the rewards are read (src/pg).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pz {

struct SignalWeight {
  std::string signal;
  double weight;
};

// Distinct signal names, each with its weight.
struct Objective {
  std::vector<SignalWeight> weights;
};

// Reads an objective from JSON text: an object of 1 to 64 signal names (1 to
// 128 characters, as pz_reward takes them) to numbers from -1000 to 1000.
// Throws InputError naming the setting "objective".
Objective parse_objective(std::string_view json_text);

// The reward an event is learned with under `objective`, from its rewards
// combined per signal (`signal_rewards`: JSON text of an object of signal name
// to value; empty text: no named reward): the sum of weight × value over the
// objective's signals, clipped to [-1, 1]. A signal of the objective that the
// event has no reward for adds nothing; rewards of signals outside the
// objective do not count. None when the event has a reward for no signal of
// the objective: the caller then uses the loop's default_reward, as for an
// event without any reward. Throws InputError for text that is not such an
// object.
std::optional<double> objective_reward(const Objective& objective, std::string_view signal_rewards);

}  // namespace pz
