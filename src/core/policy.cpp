#include "policy.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "errors.hpp"
#include "random.hpp"

namespace pz {
namespace {

struct Best {
  double score;
  size_t ties;
};

Best find_best(const std::vector<double>& scores) {
  Best best{scores[0], 0};
  for (double score : scores) {
    if (score > best.score)
      best = {score, 1};
    else if (score == best.score)
      ++best.ties;
  }
  return best;
}

std::vector<double> epsilon_greedy(double epsilon, const std::vector<double>& scores) {
  const Best best = find_best(scores);
  const double explore = epsilon / static_cast<double>(scores.size());
  const double exploit = explore + (1.0 - epsilon) / static_cast<double>(best.ties);
  std::vector<double> probabilities(scores.size());
  for (size_t i = 0; i < scores.size(); ++i)
    probabilities[i] = scores[i] == best.score ? exploit : explore;
  return probabilities;
}

std::vector<double> softmax(double temperature, const std::vector<double>& scores) {
  const double best = find_best(scores).score;
  std::vector<double> probabilities(scores.size());
  double total = 0.0;
  for (size_t i = 0; i < scores.size(); ++i) {
    // Shifted by the best score so exp never overflows and the best term is 1.
    probabilities[i] = std::exp((scores[i] - best) / temperature);
    total += probabilities[i];
  }
  for (double& p : probabilities) p /= total;
  return probabilities;
}

// SquareCB (Foster & Rakhlin) on rewards: an action's probability falls with
// its gap to the best score, more sharply as the model has seen more examples.
std::vector<double> squarecb(const ExplorationSettings& settings, const std::vector<double>& scores,
                             uint64_t examples_seen) {
  const Best best = find_best(scores);
  const double gamma =
      settings.gamma_scale *
      std::pow(static_cast<double>(std::max<uint64_t>(examples_seen, 1)), settings.gamma_exponent);
  const double actions = static_cast<double>(scores.size());
  std::vector<double> probabilities(scores.size());
  double others = 0.0;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (scores[i] == best.score) continue;
    probabilities[i] = 1.0 / (actions + gamma * (best.score - scores[i]));
    others += probabilities[i];
  }
  const double each_best = (1.0 - others) / static_cast<double>(best.ties);
  for (size_t i = 0; i < scores.size(); ++i) {
    if (scores[i] == best.score) probabilities[i] = each_best;
  }
  return probabilities;
}

size_t draw(const std::vector<double>& probabilities, double u) {
  double cumulative = 0.0;
  size_t last_possible = 0;
  for (size_t i = 0; i < probabilities.size(); ++i) {
    if (probabilities[i] <= 0.0) continue;
    cumulative += probabilities[i];
    last_possible = i;
    if (u < cumulative) return i;
  }
  return last_possible;  // u fell in the rounding gap below 1
}

}  // namespace

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  if (name == "epsilon_greedy") return Algorithm::kEpsilonGreedy;
  if (name == "softmax") return Algorithm::kSoftmax;
  if (name == "squarecb") return Algorithm::kSquareCB;
  return std::nullopt;
}

std::string_view algorithm_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kEpsilonGreedy:
      return "epsilon_greedy";
    case Algorithm::kSoftmax:
      return "softmax";
    case Algorithm::kSquareCB:
      return "squarecb";
  }
  return "unknown";
}

std::vector<double> action_probabilities(const ExplorationSettings& settings,
                                         const std::vector<double>& scores,
                                         uint64_t examples_seen) {
  if (scores.empty()) throw InputError("there must be at least one action");
  for (double score : scores) {
    if (!std::isfinite(score)) throw InputError("action scores must be finite");
  }
  switch (settings.algorithm) {
    case Algorithm::kEpsilonGreedy:
      return epsilon_greedy(settings.epsilon, scores);
    case Algorithm::kSoftmax:
      return softmax(settings.temperature, scores);
    case Algorithm::kSquareCB:
      return squarecb(settings, scores, examples_seen);
  }
  throw InputError("unknown exploration algorithm");
}

bool is_exploration(const std::vector<double>& scores, uint32_t shown) {
  return scores.at(shown) < find_best(scores).score;
}

std::vector<double> remaining_probabilities(const ExplorationSettings& settings,
                                            const std::vector<double>& scores,
                                            const std::vector<uint32_t>& placed, uint64_t examples_seen) {
  std::vector<bool> taken(scores.size(), false);
  for (uint32_t index : placed) taken.at(index) = true;
  std::vector<double> rest;
  rest.reserve(scores.size());
  for (size_t i = 0; i < scores.size(); ++i)
    if (!taken[i]) rest.push_back(scores[i]);
  const std::vector<double> rest_probabilities = action_probabilities(settings, rest, examples_seen);
  std::vector<double> probabilities(scores.size(), 0.0);
  for (size_t i = 0, r = 0; i < scores.size(); ++i)
    if (!taken[i]) probabilities[i] = rest_probabilities[r++];
  return probabilities;
}

Decision decide(const ExplorationSettings& settings, const std::vector<double>& scores,
                uint64_t examples_seen, uint64_t seed, size_t slots) {
  Decision decision;
  decision.probabilities = action_probabilities(settings, scores, examples_seen);
  Rng rng(seed);
  const size_t chosen = draw(decision.probabilities, rng.next_double());
  decision.ranking.reserve(scores.size());
  decision.ranking.push_back(static_cast<uint32_t>(chosen));
  if (slots > 0) {
    decision.slot_probabilities.push_back(decision.probabilities[chosen]);
    const size_t shown = std::min(slots, scores.size());
    while (decision.ranking.size() < shown) {
      const std::vector<double> p = remaining_probabilities(settings, scores, decision.ranking, examples_seen);
      const size_t next = draw(p, rng.next_double());
      decision.ranking.push_back(static_cast<uint32_t>(next));
      decision.slot_probabilities.push_back(p[next]);
    }
  }
  std::vector<bool> placed(scores.size(), false);
  for (uint32_t index : decision.ranking) placed[index] = true;

  // The rest by score, highest first; a random key per action breaks ties.
  struct Candidate {
    double score;
    uint64_t tie_break;
    uint32_t index;
  };
  std::vector<Candidate> rest;
  rest.reserve(scores.size() - decision.ranking.size());
  for (size_t i = 0; i < scores.size(); ++i) {
    const uint64_t tie_break = rng.next_u64();
    if (!placed[i]) rest.push_back({scores[i], tie_break, static_cast<uint32_t>(i)});
  }
  std::sort(rest.begin(), rest.end(), [](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.tie_break != b.tie_break) return a.tie_break < b.tie_break;
    return a.index < b.index;
  });
  for (const Candidate& candidate : rest) decision.ranking.push_back(candidate.index);
  return decision;
}

}  // namespace pz
