// Off-policy estimators: the value a target policy would have obtained,
// estimated from events logged by another policy, with a 95% interval.
// Streaming: each logged event is added once and nothing is kept per event.
#pragma once

#include <cstdint>

namespace pz {

// What an estimator needs to know of one logged event.
struct LoggedOutcome {
  double reward;              // the reward the logged action obtained
  double logged_probability;  // propensity of the logged action under the logging policy, (0, 1]
  double target_probability;  // probability the target policy gives the logged action, [0, 1]
  double
      target_prediction;  // direct-method value of the target: sum over actions of pi(a) * rhat(a)
  double logged_prediction;  // direct-method prediction rhat of the logged action
};

struct EstimatorSettings {
  // Importance weights pi / mu above this are cut to it. Logged propensities
  // can be tiny (1e-6 in real logs): one such event would otherwise dominate
  // the estimate and its variance. Clipping trades a small downward bias for
  // a bounded variance; +infinity disables it.
  double max_weight = 100.0;
  // Two-sided normal quantile of the interval (1.96: 95%).
  double z = 1.959963984540054;
};

struct Estimate {
  double value = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
  double std_error = 0.0;
  uint64_t events = 0;
  bool has_value = false;  // false: nothing is known (no event, or no weight on any event)
};

// Mean of per-event terms with a normal-approximation interval: mean +- z *
// sqrt(sample variance / n). Welford's update keeps it stable over millions.
class RunningMean {
 public:
  void add(double term);
  uint64_t count() const { return count_; }
  double mean() const { return mean_; }
  // Sample variance (n - 1 in the denominator); 0 below two terms.
  double variance() const;
  Estimate estimate(double z) const;

 private:
  uint64_t count_ = 0;
  double mean_ = 0.0;
  double squares_ = 0.0;  // sum of squared deviations from the running mean
};

// The doubly robust term of one event: dm + w (r - rhat), w clipped to
// max_weight. Exposed so that two policies can be compared event by event.
double doubly_robust_term(const LoggedOutcome& event, double max_weight);

// IPS, self-normalized IPS and doubly robust estimates of one target policy.
//   w_i   = min(pi_i / mu_i, max_weight)
//   IPS   = mean(w_i r_i)                                  interval: normal, sample variance
//   SNIPS = sum(w_i r_i) / sum(w_i)                        interval: delta method,
//           se^2 = n / (n - 1) * sum(w_i^2 (r_i - SNIPS)^2) / (sum w_i)^2
//   DR    = mean(dm_i + w_i (r_i - rhat_i))               interval: normal, sample variance
class OffPolicyEstimator {
 public:
  explicit OffPolicyEstimator(EstimatorSettings settings = {});

  // Throws InputError for a logged probability outside (0, 1], a target
  // probability outside [0, 1], or a non-finite number.
  void add(const LoggedOutcome& event);

  uint64_t events() const { return ips_.count(); }
  // Events whose weight was cut to max_weight.
  uint64_t clipped() const { return clipped_; }
  // Largest weight seen before clipping.
  double largest_weight() const { return largest_weight_; }

  Estimate ips() const;
  Estimate snips() const;
  Estimate doubly_robust() const;

 private:
  EstimatorSettings settings_;
  RunningMean ips_;
  RunningMean dr_;
  uint64_t clipped_ = 0;
  double largest_weight_ = 0.0;
  // SNIPS sums; the delta-method variance needs sum(w^2 r^2), sum(w^2 r) and
  // sum(w^2) to expand sum(w^2 (r - V)^2) once V is known.
  double weight_sum_ = 0.0;
  double weighted_reward_sum_ = 0.0;
  double w2_sum_ = 0.0;
  double w2r_sum_ = 0.0;
  double w2r2_sum_ = 0.0;
};

}  // namespace pz
