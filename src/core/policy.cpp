#include "policy.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
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

// An unsigned key that orders finite scores highest first (-0 and +0 equal,
// as the scores compare).
uint64_t descending_key(double score) {
  const double canonical = score == 0.0 ? 0.0 : score;
  uint64_t bits;
  std::memcpy(&bits, &canonical, sizeof(bits));
  const uint64_t ascending = (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
  return ~ascending;
}

// The actions below the slots are ordered by (key, tie_break, index), key
// and tie_break kept by action index: a strict total order, so every correct
// sort gives the same ranking.
struct RankOrder {
  std::vector<uint64_t> keys;  // descending_key of each action's score
  std::vector<uint64_t> tie_breaks;
};

// An action to sort: the high half of its key, and its index.
struct Ranked {
  uint32_t high;
  uint32_t index;
};

// An action's full sort key, copied next to the others of its run: comparing
// through the per-index arrays missed the cache at every step.
struct FullKey {
  uint64_t key;
  uint64_t tie_break;
  uint32_t index;
  bool operator<(const FullKey& other) const {
    if (key != other.key) return key < other.key;
    if (tie_break != other.tie_break) return tie_break < other.tie_break;
    return index < other.index;
  }
};

// Puts actions[begin, end) in the full order (`run`: reused scratch).
void sort_run(std::vector<Ranked>& actions, size_t begin, size_t end, const RankOrder& order,
              std::vector<FullKey>& run) {
  run.clear();
  for (size_t i = begin; i < end; ++i) {
    const uint32_t index = actions[i].index;
    run.push_back({order.keys[index], order.tie_breaks[index], index});
  }
  std::sort(run.begin(), run.end());
  for (size_t i = begin; i < end; ++i) actions[i].index = run[i - begin].index;
}

// Thousands of actions: a comparison sort on doubles with random tie-breaks
// mispredicted a branch per comparison and took a tenth of a rank call.
// A stable LSD radix sort (passes of a byte) on the high 32 bits of the key
// only, moving 8-byte pairs: scores that agree in their sign, exponent and 20
// leading mantissa bits are rare unless equal, and each such run is then put
// in the full order by comparisons.
void sort_ranked(std::vector<Ranked>& actions, const RankOrder& order) {
  constexpr size_t kRadixFrom = 256;  // below this, std::sort is as fast
  std::vector<FullKey> run;
  if (actions.size() < kRadixFrom) return sort_run(actions, 0, actions.size(), order, run);
  std::vector<Ranked> buffer(actions.size());
  for (int shift = 0; shift < 32; shift += 8) {
    size_t counts[257] = {};
    for (const Ranked& action : actions) ++counts[((action.high >> shift) & 0xff) + 1];
    if (counts[((actions[0].high >> shift) & 0xff) + 1] == actions.size()) continue;  // one digit: no change
    for (size_t digit = 1; digit < 257; ++digit) counts[digit] += counts[digit - 1];
    for (const Ranked& action : actions) buffer[counts[(action.high >> shift) & 0xff]++] = action;
    actions.swap(buffer);
  }
  for (size_t begin = 0; begin < actions.size();) {
    size_t end = begin + 1;
    while (end < actions.size() && actions[end].high == actions[begin].high) ++end;
    if (end - begin > 1) sort_run(actions, begin, end, order, run);
    begin = end;
  }
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
  RankOrder order{std::vector<uint64_t>(scores.size()), std::vector<uint64_t>(scores.size())};
  std::vector<Ranked> rest;
  rest.reserve(scores.size() - decision.ranking.size());
  for (size_t i = 0; i < scores.size(); ++i) {
    order.tie_breaks[i] = rng.next_u64();
    if (placed[i]) continue;
    order.keys[i] = descending_key(scores[i]);
    rest.push_back({static_cast<uint32_t>(order.keys[i] >> 32), static_cast<uint32_t>(i)});
  }
  sort_ranked(rest, order);
  for (const Ranked& action : rest) decision.ranking.push_back(action.index);
  return decision;
}

}  // namespace pz
