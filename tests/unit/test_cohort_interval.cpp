#include <gtest/gtest.h>

#include <cmath>

#include "core/cohort_interval.hpp"
#include "core/estimators.hpp"

namespace pz {
namespace {

constexpr double kZ = 1.959963984540054;

TEST(StudentT, MatchesTablesAtNinetyFivePercent) {
  EXPECT_NEAR(student_t_quantile(kZ, 1), 12.7062, 1e-3);
  EXPECT_NEAR(student_t_quantile(kZ, 2), 4.3027, 1e-3);
  EXPECT_NEAR(student_t_quantile(kZ, 5), 2.5706, 1e-3);
  EXPECT_NEAR(student_t_quantile(kZ, 10), 2.2281, 1e-3);
  EXPECT_NEAR(student_t_quantile(kZ, 30), 2.0423, 1e-3);
  EXPECT_NEAR(student_t_quantile(kZ, 1000), 1.9623, 1e-3);
  EXPECT_NEAR(student_t_quantile(kZ, 1001), 1.9623, 1e-3);  // the expansion takes over
  EXPECT_NEAR(student_t_quantile(kZ, 1000000), kZ, 1e-5);
}

TEST(StudentT, OtherLevels) {
  EXPECT_NEAR(student_t_quantile(1.6448536269514722, 4), 2.1318, 1e-3);  // 90%
  EXPECT_NEAR(student_t_quantile(2.5758293035489004, 3), 5.8409, 1e-3);  // 99%
}

Estimate mean_of(std::initializer_list<double> terms) {
  RunningMean mean;
  for (double term : terms) mean.add(term);
  return mean.estimate(kZ);
}

TEST(CohortEstimate, OneEventKnowsOnlyTheRange) {
  Estimate one = cohort_estimate(mean_of({1.0}), mean_of({0.0, 1.0, 1.0, 0.0}), kZ, -1.0, 1.0);
  EXPECT_DOUBLE_EQ(one.value, 1.0);
  EXPECT_DOUBLE_EQ(one.ci_low, -1.0);
  EXPECT_DOUBLE_EQ(one.ci_high, 1.0);
}

TEST(CohortEstimate, EqualRewardsDoNotClaimPrecision) {
  // Three events, all 1: a normal interval would be [1, 1].
  Estimate whole = mean_of({0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0});
  Estimate cohort = cohort_estimate(mean_of({1.0, 1.0, 1.0}), whole, kZ, -1.0, 1.0);
  const double whole_variance = whole.std_error * whole.std_error * 8.0;
  const double half = student_t_quantile(kZ, 2) * std::sqrt(whole_variance / 3.0);
  EXPECT_DOUBLE_EQ(cohort.value, 1.0);
  EXPECT_NEAR(cohort.ci_low, 1.0 - half, 1e-12);
  EXPECT_DOUBLE_EQ(cohort.ci_high, 1.0);  // cut to the range
  EXPECT_GT(1.0 - cohort.ci_low, 1.0);
}

TEST(CohortEstimate, LargeCohortIsNearlyNormal) {
  RunningMean mean;
  for (int i = 0; i < 5000; ++i) mean.add(i % 3 == 0 ? 1.0 : 0.0);
  Estimate normal = mean.estimate(kZ);
  Estimate cohort = cohort_estimate(normal, normal, kZ, -1.0, 1.0);
  EXPECT_NEAR(cohort.ci_low, normal.ci_low, 1e-4);
  EXPECT_NEAR(cohort.ci_high, normal.ci_high, 1e-4);
}

TEST(CohortEstimate, NoEventsStaysUnknown) {
  EXPECT_FALSE(cohort_estimate(Estimate{}, mean_of({1.0, 0.0}), kZ, -1.0, 1.0).has_value);
}

}  // namespace
}  // namespace pz
