#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "core/policy.hpp"
#include "core/random.hpp"

namespace pz {
namespace {

ExplorationSettings with(Algorithm algorithm) {
  ExplorationSettings settings;
  settings.algorithm = algorithm;
  return settings;
}

// Compensated (Neumaier) sum: measures the probabilities, not the rounding of a naive sum.
double sum(const std::vector<double>& values) {
  double total = 0.0, compensation = 0.0;
  for (double v : values) {
    const double t = total + v;
    compensation += std::fabs(total) >= std::fabs(v) ? (total - t) + v : (v - t) + total;
    total = t;
  }
  return total + compensation;
}

void expect_probabilities(const std::vector<double>& actual, const std::vector<double>& expected,
                          double tolerance = 1e-15) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tolerance) << "action " << i;
}

TEST(Policy, EpsilonGreedyMatchesItsDefinition) {
  const auto settings = with(Algorithm::kEpsilonGreedy);
  expect_probabilities(action_probabilities(settings, {1.0, 3.0, 2.0}, 0),
                       {0.2 / 3, 0.8 + 0.2 / 3, 0.2 / 3});
  // Ties for best share 1 - epsilon.
  expect_probabilities(action_probabilities(settings, {1.0, 3.0, 3.0, 0.0}, 0),
                       {0.05, 0.45, 0.45, 0.05});
}

TEST(Policy, UntrainedModelPicksUniformly) {
  for (Algorithm algorithm :
       {Algorithm::kEpsilonGreedy, Algorithm::kSoftmax, Algorithm::kSquareCB}) {
    expect_probabilities(action_probabilities(with(algorithm), std::vector<double>(4, 0.0), 0),
                         {0.25, 0.25, 0.25, 0.25});
  }
}

TEST(Policy, SoftmaxMatchesItsDefinition) {
  ExplorationSettings settings = with(Algorithm::kSoftmax);
  settings.temperature = 1.0;
  const double e = std::exp(1.0);
  expect_probabilities(action_probabilities(settings, {0.0, 1.0}, 0),
                       {1.0 / (1.0 + e), e / (1.0 + e)});
  settings.temperature = 0.05;
  // exp((0.1 - 0.2) / 0.05) = exp(-2); huge scores do not overflow (the tolerance
  // covers the rounding of 1000.1 - 1000.2).
  const double q = std::exp(-2.0);
  expect_probabilities(action_probabilities(settings, {1000.1, 1000.2}, 0),
                       {q / (1 + q), 1 / (1 + q)}, 1e-12);
}

TEST(Policy, SquareCbMatchesItsDefinition) {
  ExplorationSettings settings = with(Algorithm::kSquareCB);
  settings.gamma_scale = 10.0;
  settings.gamma_exponent = 0.5;
  // gamma = 10 * sqrt(4) = 20; K = 3.
  const double p_middle = 1.0 / (3 + 20 * 0.5);
  const double p_worst = 1.0 / (3 + 20 * 1.0);
  expect_probabilities(action_probabilities(settings, {1.0, 0.5, 0.0}, 4),
                       {1.0 - p_middle - p_worst, p_middle, p_worst});
  // No examples yet counts as one: gamma = 10.
  const double p_other = 1.0 / (2 + 10 * 1.0);
  expect_probabilities(action_probabilities(settings, {0.0, 1.0}, 0), {p_other, 1.0 - p_other});
  // Ties for best share what the others leave.
  const double p_low = 1.0 / (3 + 10 * 2.0);
  expect_probabilities(action_probabilities(settings, {2.0, 0.0, 2.0}, 1),
                       {(1 - p_low) / 2, p_low, (1 - p_low) / 2});
}

TEST(Policy, ProbabilitiesSumToOneForManyActions) {
  Rng rng(9);
  std::vector<double> scores(100000);
  for (double& s : scores) s = rng.next_double();
  scores[17] = scores[99] = 2.0;
  for (Algorithm algorithm :
       {Algorithm::kEpsilonGreedy, Algorithm::kSoftmax, Algorithm::kSquareCB}) {
    const std::vector<double> p = action_probabilities(with(algorithm), scores, 1000);
    EXPECT_NEAR(sum(p), 1.0, 1e-12) << algorithm_name(algorithm);
    EXPECT_TRUE(std::all_of(p.begin(), p.end(), [](double x) { return x > 0.0 && x < 1.0; }));
    EXPECT_EQ(p[17], p[99]);
  }
}

TEST(Policy, BadScoresAreRejected) {
  const auto settings = with(Algorithm::kEpsilonGreedy);
  EXPECT_THROW(action_probabilities(settings, {}, 0), InputError);
  EXPECT_THROW(action_probabilities(settings, {1.0, std::nan("")}, 0), InputError);
  EXPECT_THROW(decide(settings, {HUGE_VAL}, 0, 1), InputError);
}

TEST(Policy, AlgorithmNamesRoundTrip) {
  for (Algorithm algorithm :
       {Algorithm::kEpsilonGreedy, Algorithm::kSoftmax, Algorithm::kSquareCB}) {
    EXPECT_EQ(parse_algorithm(algorithm_name(algorithm)), algorithm);
  }
  EXPECT_FALSE(parse_algorithm("greedy").has_value());
}

TEST(Decide, RankingIsFirstDrawThenByScore) {
  const std::vector<double> scores = {0.1, 0.9, 0.5, 0.7, 0.3};
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const Decision decision = decide(with(Algorithm::kEpsilonGreedy), scores, 0, seed);
    ASSERT_EQ(decision.ranking.size(), scores.size());
    std::vector<uint32_t> sorted = decision.ranking;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<uint32_t>{0, 1, 2, 3, 4}));
    for (size_t i = 2; i < decision.ranking.size(); ++i) {
      EXPECT_GE(scores[decision.ranking[i - 1]], scores[decision.ranking[i]]);
    }
    expect_probabilities(decision.probabilities,
                         action_probabilities(with(Algorithm::kEpsilonGreedy), scores, 0));
  }
}

TEST(Decide, SameSeedSameRanking) {
  const std::vector<double> scores(20, 0.0);
  const auto settings = with(Algorithm::kEpsilonGreedy);
  EXPECT_EQ(decide(settings, scores, 0, 123).ranking, decide(settings, scores, 0, 123).ranking);
  EXPECT_NE(decide(settings, scores, 0, 123).ranking, decide(settings, scores, 0, 124).ranking);
}

TEST(Decide, FirstActionFollowsTheProbabilities) {
  ExplorationSettings settings = with(Algorithm::kSoftmax);
  settings.temperature = 0.5;
  const std::vector<double> scores = {0.0, 0.5, 1.0, 0.2};
  const std::vector<double> expected = action_probabilities(settings, scores, 0);
  std::vector<int> counts(scores.size(), 0);
  const int draws = 40000;
  for (int seed = 0; seed < draws; ++seed)
    ++counts[decide(settings, scores, 0, static_cast<uint64_t>(seed)).ranking[0]];
  for (size_t i = 0; i < scores.size(); ++i)
    EXPECT_NEAR(counts[i] / double{draws}, expected[i], 0.01) << i;
}

TEST(Decide, TiesAreOrderedUniformly) {
  // With all scores equal, every action is as likely at every rank.
  const std::vector<double> scores(4, 1.0);
  std::vector<std::vector<int>> counts(4, std::vector<int>(4, 0));
  const int draws = 20000;
  for (int seed = 0; seed < draws; ++seed) {
    const Decision decision =
        decide(with(Algorithm::kEpsilonGreedy), scores, 0, static_cast<uint64_t>(seed));
    for (size_t rank = 0; rank < 4; ++rank) ++counts[rank][decision.ranking[rank]];
  }
  for (const auto& rank : counts) {
    for (int count : rank) EXPECT_NEAR(count / double{draws}, 0.25, 0.015);
  }
}

// A ranking of 100,000 actions is a permutation of them (its speed is
// measured by BM_DecideSquareCB in build/bench/pz_bench_core, not here).
TEST(Decide, HundredThousandActionsAreAllRankedOnce) {
  Rng rng(4);
  std::vector<double> scores(100000);
  for (double& s : scores) s = std::floor(rng.next_double() * 1000.0);
  const Decision decision = decide(with(Algorithm::kSquareCB), scores, 5000, 77);
  ASSERT_EQ(decision.ranking.size(), scores.size());
  std::vector<bool> seen(scores.size(), false);
  for (size_t action : decision.ranking) {
    ASSERT_LT(action, scores.size());
    EXPECT_FALSE(seen[action]);
    seen[action] = true;
  }
}

// The ranking of thousands of actions is pinned: scores that tie, that agree
// in all but their last bits, of both signs and zero, ranked as the first
// radix sort of release 0.2.0 ranked them (a checksum of the ranking), so a
// faster sort cannot change a logged or returned ranking.
TEST(Decide, ThousandsOfActionsRankAsBefore) {
  Rng rng(11);
  std::vector<double> scores(5000);
  for (double& s : scores) {
    const uint64_t kind = rng.next_u64() % 4;
    const double base = std::floor(rng.next_double() * 40.0) / 40.0 - 0.5;
    s = kind == 0 ? base : kind == 1 ? std::nextafter(base, 2.0) : kind == 2 ? base + 1e-9 : -0.0;
  }
  const Decision decision = decide(with(Algorithm::kEpsilonGreedy), scores, 100, 2024, 3);
  uint64_t checksum = 1469598103934665603ULL;
  for (uint32_t index : decision.ranking) checksum = (checksum ^ index) * 1099511628211ULL;
  EXPECT_EQ(checksum, 14278859464200459585ULL);
}

// Property: for every algorithm, at every slot, the policy's probabilities
// over the actions not yet placed sum to 1, placed actions get none, every
// other action some, and the logged slot probability is the one of the action
// drawn there.
TEST(Slots, EachSlotsProbabilitiesSumToOneOverTheRemainingActions) {
  Rng rng(11);
  for (Algorithm algorithm : {Algorithm::kEpsilonGreedy, Algorithm::kSoftmax, Algorithm::kSquareCB}) {
    const auto settings = with(algorithm);
    for (uint64_t seed = 0; seed < 200; ++seed) {
      const size_t actions = 1 + seed % 9;
      std::vector<double> scores(actions);
      for (double& s : scores) s = std::floor(rng.next_double() * 5.0) / 5.0;  // with ties
      const size_t slots = 1 + seed % 4;
      const Decision decision = decide(settings, scores, seed * 10, seed, slots);
      const size_t shown = std::min(slots, actions);
      ASSERT_EQ(decision.slot_probabilities.size(), shown);
      ASSERT_EQ(decision.ranking.size(), actions);
      for (size_t slot = 0; slot < shown; ++slot) {
        const std::vector<uint32_t> placed(decision.ranking.begin(), decision.ranking.begin() + slot);
        const std::vector<double> p = remaining_probabilities(settings, scores, placed, seed * 10);
        EXPECT_NEAR(sum(p), 1.0, 1e-12) << "slot " << slot;
        std::vector<bool> taken(actions, false);
        for (uint32_t index : placed) taken[index] = true;
        for (size_t i = 0; i < actions; ++i) {
          if (taken[i])
            EXPECT_EQ(p[i], 0.0);
          else
            EXPECT_GT(p[i], 0.0) << "slot " << slot << " action " << i;
        }
        EXPECT_EQ(decision.slot_probabilities[slot], p[decision.ranking[slot]]) << "slot " << slot;
      }
      EXPECT_EQ(decision.slot_probabilities[0], decision.probabilities[decision.ranking[0]]);
      for (size_t i = shown + 1; i < actions; ++i)
        EXPECT_GE(scores[decision.ranking[i - 1]], scores[decision.ranking[i]]);
    }
  }
}

// Epsilon-greedy explores every slot as one decision explores rank 1: a
// slot's exploration, the share of its probability spread uniformly over the
// actions left, (actions left) x (the probability of one that is not the
// best), is epsilon at each slot. (Spreading epsilon over the page, epsilon/k a
// slot or one explored slot a page, earned less on pz-sim's carousel: README,
// Benchmarks.)
TEST(Slots, EachSlotExploresAsOneDecisionDoes) {
  Rng rng(5);
  for (double epsilon : {0.2, 0.05, 1.0}) {
    ExplorationSettings settings = with(Algorithm::kEpsilonGreedy);
    settings.epsilon = epsilon;
    for (size_t slots : {1, 2, 3, 5}) {
      for (uint64_t page = 0; page < 50; ++page) {
        std::vector<double> scores(8);
        for (size_t i = 0; i < scores.size(); ++i) scores[i] = rng.next_double() + static_cast<double>(i);
        const Decision decision = decide(settings, scores, 0, page, slots);
        for (size_t slot = 0; slot < slots; ++slot) {
          const std::vector<uint32_t> placed(decision.ranking.begin(), decision.ranking.begin() + slot);
          const std::vector<double> p = remaining_probabilities(settings, scores, placed, 0);
          // The lowest-scored action left is never the best of 8 distinct scores.
          const uint32_t worst = *std::min_element(decision.ranking.begin() + slot, decision.ranking.end(),
                                                   [&](uint32_t a, uint32_t b) { return scores[a] < scores[b]; });
          EXPECT_NEAR(static_cast<double>(scores.size() - slot) * p[worst], epsilon, 1e-12)
              << "epsilon " << epsilon << ", slot " << slot << " of " << slots;
          EXPECT_EQ(decision.slot_probabilities[slot], p[decision.ranking[slot]]);
        }
      }
    }
  }
}

// Each slot is drawn from the probabilities it logs: P(slot 2 = j) = sum over
// i != j of P(i first) * P(j | i placed), for each algorithm.
TEST(Slots, SecondSlotFollowsItsConditionalProbabilities) {
  for (Algorithm algorithm : {Algorithm::kEpsilonGreedy, Algorithm::kSoftmax}) {
    ExplorationSettings settings = with(algorithm);
    settings.temperature = 0.5;
    settings.epsilon = 0.6;
    const std::vector<double> scores = {0.0, 0.5, 1.0, 0.2};
    const std::vector<double> first = action_probabilities(settings, scores, 0);
    std::vector<double> expected(scores.size(), 0.0);
    for (uint32_t i = 0; i < scores.size(); ++i) {
      const std::vector<double> next = remaining_probabilities(settings, scores, {i}, 0);
      for (size_t j = 0; j < scores.size(); ++j) expected[j] += first[i] * next[j];
    }
    std::vector<int> counts(scores.size(), 0);
    const int draws = 40000;
    for (int seed = 0; seed < draws; ++seed)
      ++counts[decide(settings, scores, 0, static_cast<uint64_t>(seed), 2).ranking[1]];
    for (size_t i = 0; i < scores.size(); ++i)
      EXPECT_NEAR(counts[i] / double{draws}, expected[i], 0.01) << algorithm_name(algorithm) << " " << i;
  }
}

// Without exploration a page is the scores' order, each slot with certainty.
TEST(Slots, WithoutExplorationAPageIsTheScoresOrder) {
  const std::vector<double> scores = {0.1, 0.9, 0.5, 0.7, 0.3};
  ExplorationSettings greedy = with(Algorithm::kEpsilonGreedy);
  greedy.epsilon = 0.0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const Decision decision = decide(greedy, scores, 0, seed, 3);
    EXPECT_EQ(decision.ranking, (std::vector<uint32_t>{1, 3, 2, 4, 0}));
    EXPECT_EQ(decision.slot_probabilities, std::vector<double>(3, 1.0));
  }
}

// The same seed draws the same page (a logged decision can be reproduced).
TEST(Slots, ThePageIsReproducibleFromItsSeed) {
  const std::vector<double> scores = {0.1, 0.9, 0.5, 0.7, 0.3, 0.6};
  ExplorationSettings settings = with(Algorithm::kEpsilonGreedy);
  settings.epsilon = 0.9;
  bool any_different = false;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const Decision a = decide(settings, scores, 0, seed, 3), b = decide(settings, scores, 0, seed, 3);
    EXPECT_EQ(a.ranking, b.ranking);
    EXPECT_EQ(a.slot_probabilities, b.slot_probabilities);
    EXPECT_EQ(a.probabilities, b.probabilities);
    any_different = any_different || decide(settings, scores, 0, seed + 1000, 3).ranking != a.ranking;
  }
  EXPECT_TRUE(any_different);
}

TEST(Slots, WithoutSlotsTheDecisionIsUnchanged) {
  const std::vector<double> scores = {0.1, 0.9, 0.5, 0.7, 0.3};
  const auto settings = with(Algorithm::kEpsilonGreedy);
  for (uint64_t seed = 0; seed < 50; ++seed) {
    EXPECT_EQ(decide(settings, scores, 0, seed).ranking, decide(settings, scores, 0, seed, 1).ranking);
    EXPECT_TRUE(decide(settings, scores, 0, seed).slot_probabilities.empty());
  }
}

}  // namespace
}  // namespace pz

TEST(Policy, ExplorationIsShowingLessThanTheBest) {
  const std::vector<double> scores{0.2, 0.5, 0.5, 0.1};
  EXPECT_TRUE(pz::is_exploration(scores, 0));
  EXPECT_FALSE(pz::is_exploration(scores, 1));
  EXPECT_FALSE(pz::is_exploration(scores, 2));  // tied for the best
  EXPECT_TRUE(pz::is_exploration(scores, 3));
}

TEST(Policy, ZeroEpsilonAlwaysShowsTheBest) {
  pz::ExplorationSettings greedy;
  greedy.epsilon = 0.0;
  const std::vector<double> scores{0.2, 0.7, 0.1};
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const pz::Decision decision = pz::decide(greedy, scores, 100, seed);
    EXPECT_EQ(decision.ranking[0], 1u);
    EXPECT_EQ(decision.probabilities[1], 1.0);
    EXPECT_EQ(decision.probabilities[0], 0.0);
  }
}
