#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/errors.hpp"
#include "core/estimators.hpp"

namespace pz {
namespace {

constexpr double kZ = 1.959963984540054;

// Four logged events; the weights pi / mu are 2, 2, 0.5 and 0.
//            reward  mu    pi   dm    rhat   w    ips term  dr term
//   event 1:   1    0.5   1.0  0.6   0.5    2     2         0.6 + 2 * 0.5  = 1.6
//   event 2:   0    0.25  0.5  0.2   0.1    2     0         0.2 + 2 * -0.1 = 0.0
//   event 3:   1    0.8   0.4  0.5   0.7    0.5   0.5       0.5 + 0.5 * 0.3 = 0.65
//   event 4:   0    0.5   0.0  0.3   0.4    0     0         0.3
OffPolicyEstimator four_events(EstimatorSettings settings = {}) {
  OffPolicyEstimator estimator(settings);
  estimator.add({1.0, 0.5, 1.0, 0.6, 0.5});
  estimator.add({0.0, 0.25, 0.5, 0.2, 0.1});
  estimator.add({1.0, 0.8, 0.4, 0.5, 0.7});
  estimator.add({0.0, 0.5, 0.0, 0.3, 0.4});
  return estimator;
}

TEST(RunningMean, MeanAndSampleVariance) {
  RunningMean mean;
  for (double term : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) mean.add(term);
  EXPECT_DOUBLE_EQ(mean.mean(), 5.0);
  EXPECT_NEAR(mean.variance(), 32.0 / 7.0, 1e-12);  // squared deviations sum to 32
  Estimate estimate = mean.estimate(kZ);
  EXPECT_NEAR(estimate.std_error, std::sqrt(32.0 / 7.0 / 8.0), 1e-12);
  EXPECT_NEAR(estimate.ci_low, 5.0 - kZ * estimate.std_error, 1e-12);
  EXPECT_EQ(estimate.events, 8u);
}

TEST(RunningMean, EmptyAndSingle) {
  RunningMean mean;
  EXPECT_EQ(mean.estimate(kZ).events, 0u);
  mean.add(3.0);
  Estimate one = mean.estimate(kZ);
  EXPECT_DOUBLE_EQ(one.value, 3.0);
  EXPECT_DOUBLE_EQ(one.ci_low, 3.0);  // no variance from one term
  EXPECT_DOUBLE_EQ(one.ci_high, 3.0);
}

TEST(OffPolicyEstimator, InverseProbabilityScoring) {
  Estimate ips = four_events().ips();
  // terms 2, 0, 0.5, 0: mean 0.625; squared deviations 1.890625 + 0.390625 +
  // 0.015625 + 0.390625 = 2.6875; variance 2.6875 / 3; se = sqrt(variance / 4).
  EXPECT_DOUBLE_EQ(ips.value, 0.625);
  const double se = std::sqrt(2.6875 / 3.0 / 4.0);
  EXPECT_NEAR(ips.std_error, se, 1e-12);
  EXPECT_NEAR(ips.ci_low, 0.625 - kZ * se, 1e-12);
  EXPECT_NEAR(ips.ci_high, 0.625 + kZ * se, 1e-12);
  EXPECT_EQ(ips.events, 4u);
}

TEST(OffPolicyEstimator, SelfNormalized) {
  Estimate snips = four_events().snips();
  // sum(w r) = 2.5, sum(w) = 4.5: value 5/9.
  const double value = 2.5 / 4.5;
  EXPECT_NEAR(snips.value, value, 1e-12);
  // delta method: 4 (1 - 5/9)^2 + 4 (0 - 5/9)^2 + 0.25 (1 - 5/9)^2 = 2.0740740...,
  // times n / (n - 1) = 4 / 3, square root, divided by sum(w).
  const double squares = 4.0 * (4.0 / 9.0) * (4.0 / 9.0) + 4.0 * (5.0 / 9.0) * (5.0 / 9.0) +
                         0.25 * (4.0 / 9.0) * (4.0 / 9.0);
  EXPECT_NEAR(squares, 2.0740740740740740, 1e-12);
  const double se = std::sqrt(squares * 4.0 / 3.0) / 4.5;
  EXPECT_NEAR(snips.std_error, se, 1e-12);
  EXPECT_NEAR(snips.ci_low, value - kZ * se, 1e-12);
}

TEST(OffPolicyEstimator, DoublyRobust) {
  Estimate dr = four_events().doubly_robust();
  // terms 1.6, 0, 0.65, 0.3: mean 0.6375; squared deviations sum to 1.446875.
  EXPECT_NEAR(dr.value, 0.6375, 1e-12);
  EXPECT_NEAR(dr.std_error, std::sqrt(1.446875 / 3.0 / 4.0), 1e-12);
}

TEST(OffPolicyEstimator, ClipsLargeWeights) {
  EstimatorSettings settings;
  settings.max_weight = 1.5;
  OffPolicyEstimator estimator = four_events(settings);
  // weights become 1.5, 1.5, 0.5, 0: IPS terms 1.5, 0, 0.5, 0.
  EXPECT_EQ(estimator.clipped(), 2u);
  EXPECT_DOUBLE_EQ(estimator.largest_weight(), 2.0);
  EXPECT_DOUBLE_EQ(estimator.ips().value, 0.5);
  EXPECT_NEAR(estimator.snips().value, 2.0 / 3.5, 1e-12);
  // DR terms 0.6 + 0.75, 0.2 - 0.15, 0.65, 0.3.
  EXPECT_NEAR(estimator.doubly_robust().value, (1.35 + 0.05 + 0.65 + 0.3) / 4.0, 1e-12);
}

TEST(OffPolicyEstimator, OnPolicyIsTheAverageReward) {
  // Target = logging policy: every weight is 1 and all three agree with the mean.
  OffPolicyEstimator estimator;
  for (int i = 0; i < 10; ++i) estimator.add({i % 2 == 0 ? 1.0 : 0.0, 0.3, 0.3, 0.0, 0.0});
  EXPECT_DOUBLE_EQ(estimator.ips().value, 0.5);
  EXPECT_DOUBLE_EQ(estimator.snips().value, 0.5);
  EXPECT_DOUBLE_EQ(estimator.doubly_robust().value, 0.5);
  EXPECT_NEAR(estimator.snips().std_error, estimator.ips().std_error, 1e-12);
}

TEST(OffPolicyEstimator, TinyPropensityWithoutClippingDominates) {
  EstimatorSettings unclipped;
  unclipped.max_weight = std::numeric_limits<double>::infinity();
  OffPolicyEstimator raw(unclipped);
  OffPolicyEstimator clipped;  // default max_weight 100
  for (int i = 0; i < 999; ++i) {
    raw.add({0.0, 0.1, 0.1, 0.0, 0.0});
    clipped.add({0.0, 0.1, 0.1, 0.0, 0.0});
  }
  raw.add({1.0, 1e-6, 0.1, 0.0, 0.0});  // weight 100,000
  clipped.add({1.0, 1e-6, 0.1, 0.0, 0.0});
  EXPECT_NEAR(raw.ips().value, 100.0, 1e-9);     // one click decides everything
  EXPECT_NEAR(clipped.ips().value, 0.1, 1e-12);  // 100 / 1000
  EXPECT_EQ(clipped.clipped(), 1u);
  // Self-normalization bounds the estimate by the rewards even without clipping.
  EXPECT_LE(raw.snips().value, 1.0);
}

TEST(OffPolicyEstimator, RejectsBadInput) {
  OffPolicyEstimator estimator;
  EXPECT_THROW(estimator.add({1.0, 0.0, 0.5, 0.0, 0.0}), InputError);
  EXPECT_THROW(estimator.add({1.0, 1.5, 0.5, 0.0, 0.0}), InputError);
  EXPECT_THROW(estimator.add({1.0, 0.5, -0.1, 0.0, 0.0}), InputError);
  EXPECT_THROW(estimator.add({std::nan(""), 0.5, 0.5, 0.0, 0.0}), InputError);
  EXPECT_EQ(estimator.events(), 0u);
  EstimatorSettings bad;
  bad.max_weight = 0.0;
  EXPECT_THROW(OffPolicyEstimator{bad}, InputError);
}

}  // namespace
TEST(OffPolicyEstimator, NoWeightMeansUnknownNotZero) {
  // The target never takes the logged action: IPS and SNIPS know nothing;
  // DR still has its reward model (0.3 and 0.1 predicted for the target).
  OffPolicyEstimator estimator;
  estimator.add({1.0, 0.5, 0.0, 0.3, 0.4});
  estimator.add({0.0, 0.5, 0.0, 0.1, 0.2});
  EXPECT_FALSE(estimator.ips().has_value);
  EXPECT_FALSE(estimator.snips().has_value);
  EXPECT_EQ(estimator.snips().events, 2u);
  ASSERT_TRUE(estimator.doubly_robust().has_value);
  EXPECT_NEAR(estimator.doubly_robust().value, 0.2, 1e-12);
  EXPECT_TRUE(four_events().snips().has_value);
}

}  // namespace pz
