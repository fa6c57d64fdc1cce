#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>

#include "core/apply_rule.hpp"
#include "core/estimators.hpp"

namespace pz {
namespace {

// The improvement of a candidate over the online policy, as the replay
// reports it: the mean of per-event differences with its 95% interval.
Estimate improvement_of(std::initializer_list<double> differences) {
  RunningMean mean;
  for (double d : differences) mean.add(d);
  return mean.estimate(EstimatorSettings{}.z);
}

bool says(const ApplyVerdict& verdict, const std::string& words) {
  return verdict.reason.find(words) != std::string::npos;
}

TEST(ApplyRule, RefusesAnIntervalThatStraddlesZero) {
  // A positive mean, but noisy: the interval includes zero.
  const Estimate noisy = improvement_of({0.9, -0.8, 0.7, -0.6, 0.4, -0.3});
  ASSERT_GT(noisy.value, 0.0);
  ASSERT_LT(noisy.ci_low, 0.0);
  const ApplyVerdict verdict = judge_candidate(noisy);
  EXPECT_FALSE(verdict.apply);
  EXPECT_TRUE(says(verdict, "includes zero")) << verdict.reason;
}

TEST(ApplyRule, AcceptsAnImprovementClearlyAboveZero) {
  const Estimate clear = improvement_of({0.30, 0.32, 0.28, 0.31, 0.29, 0.30, 0.33, 0.27});
  ASSERT_GT(clear.ci_low, 0.0);
  const ApplyVerdict verdict = judge_candidate(clear);
  EXPECT_TRUE(verdict.apply);
  EXPECT_TRUE(says(verdict, "lower bound is above zero")) << verdict.reason;
}

TEST(ApplyRule, RefusesAWorseCandidate) {
  const ApplyVerdict verdict = judge_candidate(improvement_of({-0.3, -0.31, -0.29, -0.3}));
  EXPECT_FALSE(verdict.apply);
  EXPECT_TRUE(says(verdict, "worse")) << verdict.reason;
}

TEST(ApplyRule, ALowerBoundOfExactlyZeroIsNotAboveIt) {
  // Identical per-event terms (an A/A comparison): no variance, no gain.
  const Estimate none = improvement_of({0.0, 0.0, 0.0, 0.0});
  EXPECT_EQ(none.ci_low, 0.0);
  EXPECT_FALSE(judge_candidate(none).apply);
}

TEST(ApplyRule, NothingKnownIsRefused) {
  EXPECT_FALSE(judge_candidate(std::nullopt).apply);
  EXPECT_TRUE(says(judge_candidate(std::nullopt), "no estimate"));
  EXPECT_FALSE(judge_candidate(Estimate{}).apply);  // no value, no events
  EXPECT_FALSE(judge_candidate(improvement_of({})).apply);
  // One event has no variance: its "interval" is a point.
  const ApplyVerdict single = judge_candidate(improvement_of({0.5}));
  EXPECT_FALSE(single.apply);
  EXPECT_TRUE(says(single, "too few events")) << single.reason;
  Estimate broken = improvement_of({0.3, 0.31, 0.29});
  broken.ci_high = std::nan("");
  EXPECT_FALSE(judge_candidate(broken).apply);
}

}  // namespace
}  // namespace pz
