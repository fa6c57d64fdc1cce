#include "estimators.hpp"

#include <algorithm>
#include <cmath>

#include "errors.hpp"

namespace pz {
namespace {

Estimate around(double value, double std_error, uint64_t events, double z) {
  Estimate estimate;
  estimate.value = value;
  estimate.std_error = std_error;
  estimate.ci_low = value - z * std_error;
  estimate.ci_high = value + z * std_error;
  estimate.events = events;
  estimate.has_value = true;
  return estimate;
}

// The target never takes a logged action: the log says nothing about it.
Estimate unknown(uint64_t events) {
  Estimate estimate;
  estimate.events = events;
  return estimate;
}

}  // namespace

double doubly_robust_term(const LoggedOutcome& event, double max_weight) {
  const double weight = std::min(event.target_probability / event.logged_probability, max_weight);
  return event.target_prediction + weight * (event.reward - event.logged_prediction);
}

void RunningMean::add(double term) {
  ++count_;
  const double delta = term - mean_;
  mean_ += delta / static_cast<double>(count_);
  squares_ += delta * (term - mean_);
}

double RunningMean::variance() const {
  return count_ < 2 ? 0.0 : squares_ / static_cast<double>(count_ - 1);
}

Estimate RunningMean::estimate(double z) const {
  if (count_ == 0) return Estimate{};
  return around(mean_, std::sqrt(variance() / static_cast<double>(count_)), count_, z);
}

OffPolicyEstimator::OffPolicyEstimator(EstimatorSettings settings) : settings_(settings) {
  if (!(settings_.max_weight > 0.0)) throw InputError("max_weight must be greater than 0");
}

void OffPolicyEstimator::add(const LoggedOutcome& event) {
  if (!(event.logged_probability > 0.0 && event.logged_probability <= 1.0))
    throw InputError("a logged probability must be greater than 0 and at most 1");
  if (!(event.target_probability >= 0.0 && event.target_probability <= 1.0))
    throw InputError("a target probability must be from 0 to 1");
  if (!std::isfinite(event.reward) || !std::isfinite(event.target_prediction) ||
      !std::isfinite(event.logged_prediction))
    throw InputError("rewards and predictions must be finite");

  const double raw_weight = event.target_probability / event.logged_probability;
  largest_weight_ = std::max(largest_weight_, raw_weight);
  double weight = raw_weight;
  if (weight > settings_.max_weight) {
    weight = settings_.max_weight;
    ++clipped_;
  }
  const double r = event.reward;
  ips_.add(weight * r);
  dr_.add(doubly_robust_term(event, settings_.max_weight));
  weight_sum_ += weight;
  weighted_reward_sum_ += weight * r;
  const double w2 = weight * weight;
  w2_sum_ += w2;
  w2r_sum_ += w2 * r;
  w2r2_sum_ += w2 * r * r;
}

Estimate OffPolicyEstimator::ips() const {
  if (events() > 0 && weight_sum_ <= 0.0) return unknown(events());
  return ips_.estimate(settings_.z);
}

Estimate OffPolicyEstimator::doubly_robust() const { return dr_.estimate(settings_.z); }

Estimate OffPolicyEstimator::snips() const {
  const uint64_t n = events();
  if (n == 0) return Estimate{};
  if (weight_sum_ <= 0.0) return unknown(n);
  const double value = weighted_reward_sum_ / weight_sum_;
  const double residual_squares =
      std::max(0.0, w2r2_sum_ - 2.0 * value * w2r_sum_ + value * value * w2_sum_);
  const double correction = n < 2 ? 1.0 : static_cast<double>(n) / static_cast<double>(n - 1);
  const double std_error = std::sqrt(correction * residual_squares) / weight_sum_;
  return around(value, std_error, n, settings_.z);
}

}  // namespace pz
