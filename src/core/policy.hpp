// Exploration policies: scores in, the exact probability of each action being
// chosen out, and a reproducible draw of the ranking.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace pz {

enum class Algorithm { kEpsilonGreedy, kSoftmax, kSquareCB };

std::optional<Algorithm> parse_algorithm(std::string_view name);
std::string_view algorithm_name(Algorithm algorithm);

struct ExplorationSettings {
  Algorithm algorithm = Algorithm::kEpsilonGreedy;
  double epsilon = 0.2;       // epsilon_greedy: share spread uniformly
  double temperature = 0.05;  // softmax: p ~ exp(score / temperature)
  double gamma_scale = 10.0;  // squarecb: gamma = gamma_scale * examples^gamma_exponent
  double gamma_exponent = 0.5;
};

// Exact probabilities (sum to 1). Epsilon-greedy splits 1 - epsilon evenly
// among the actions tied for the best score, so an untrained model picks
// uniformly at random.
std::vector<double> action_probabilities(const ExplorationSettings& settings,
                                         const std::vector<double>& scores,
                                         uint64_t examples_seen);

// Whether showing `shown` first is an exploration: its score is below the
// best (an action tied for the best is the model's best).
bool is_exploration(const std::vector<double>& scores, uint32_t shown);

struct Decision {
  std::vector<double> probabilities;  // by action index, as given
  std::vector<uint32_t> ranking;      // action indexes; ranking[0] was drawn from probabilities
  // With slots: the probability with which ranking[j] was drawn at slot j
  // from the actions not placed before it (slot_probabilities[0] is
  // probabilities[ranking[0]]). Empty without slots.
  std::vector<double> slot_probabilities;
};

// The probabilities of the policy over the actions not yet `placed` (by
// action index; placed ones get 0): the policy applied to the remaining
// scores alone, so they sum to 1 over the remaining actions.
std::vector<double> remaining_probabilities(const ExplorationSettings& settings,
                                            const std::vector<double>& scores,
                                            const std::vector<uint32_t>& placed, uint64_t examples_seen);

// ranking[0] is drawn from the probabilities with a generator seeded by `seed`
// (from the event id, so a logged decision can be reproduced); with `slots`
// (0: none) ranking[1..slots-1] are drawn the same way, each from the actions
// not placed before it (a conditional contextual bandit); the rest follow by
// score, highest first, ties in a seeded random order.
Decision decide(const ExplorationSettings& settings, const std::vector<double>& scores,
                uint64_t examples_seen, uint64_t seed, size_t slots = 0);

}  // namespace pz
