// The interval of an estimate over one cohort (a segment of the log). A
// normal interval from a handful of events claims a precision the data do
// not have: three events with the same reward have a sample variance of 0.
// A cohort's interval therefore uses Student's t quantile for its size, never
// assumes less spread than the whole log shows, and is cut to the range the
// value can take.
#pragma once

#include <cstdint>

#include "core/estimators.hpp"

namespace pz {

// The quantile t such that P(|T| <= t) for Student's t with `dof` degrees of
// freedom equals P(|Z| <= z) for a standard normal: the t counterpart of the
// two-sided normal quantile z. dof must be at least 1.
double student_t_quantile(double z, uint64_t dof);

// `cohort` and `whole` are the same estimator over the cohort's events and
// over all events (value, std_error, events). One event: nothing beyond the
// range is known, [low, high]. More: value +- t(n - 1) * sqrt(max(cohort
// variance, whole variance) / n), cut to [low, high]. The value is unchanged.
Estimate cohort_estimate(const Estimate& cohort, const Estimate& whole, double z, double low,
                         double high);

}  // namespace pz
