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
};

// ranking[0] is drawn from the probabilities with a generator seeded by `seed`
// (from the event id, so a logged decision can be reproduced); the rest follow
// by score, highest first, ties in a seeded random order.
Decision decide(const ExplorationSettings& settings, const std::vector<double>& scores,
                uint64_t examples_seen, uint64_t seed);

}  // namespace pz
