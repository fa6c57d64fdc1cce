#include "core/cohort_interval.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pz {
namespace {

constexpr double kPi = 3.14159265358979323846;
// Above this many degrees of freedom the exact sums below get long, and the
// first correction term of the expansion in 1/dof is within 1e-5 of t.
constexpr uint64_t kExactDegrees = 1000;

// P(|T| <= t) for integer degrees of freedom, by the finite series in
// theta = atan(t / sqrt(dof)) (Abramowitz and Stegun 26.7.3 and 26.7.4).
double central_probability(double t, uint64_t dof) {
  const double theta = std::atan(t / std::sqrt(static_cast<double>(dof)));
  const double c2 = std::cos(theta) * std::cos(theta);
  double term = 1.0;
  double sum = 1.0;
  if (dof % 2 == 0) {
    // sin(theta) (1 + 1/2 c^2 + 1*3/(2*4) c^4 + ... up to c^(dof - 2))
    for (uint64_t k = 2; k + 2 <= dof; k += 2) {
      term *= c2 * static_cast<double>(k - 1) / static_cast<double>(k);
      sum += term;
    }
    return std::sin(theta) * sum;
  }
  if (dof == 1) return 2.0 * theta / kPi;
  // 2/pi (theta + sin cos (1 + 2/3 c^2 + 2*4/(3*5) c^4 + ... up to c^(dof - 3)))
  for (uint64_t k = 2; k + 3 <= dof; k += 2) {
    term *= c2 * static_cast<double>(k) / static_cast<double>(k + 1);
    sum += term;
  }
  return 2.0 / kPi * (theta + std::sin(theta) * std::cos(theta) * sum);
}

}  // namespace

double student_t_quantile(double z, uint64_t dof) {
  if (dof > kExactDegrees) return z + (z * z * z + z) / (4.0 * static_cast<double>(dof));
  const double level = std::erf(z / std::sqrt(2.0));
  // central_probability rises with t: bisect between z (t is never below it)
  // and a bound doubled until it is above.
  double low = z;
  double high = 2.0 * z + 1.0;
  while (central_probability(high, dof) < level) high *= 2.0;
  for (int i = 0; i < 100 && high - low > 1e-12 * high; ++i) {
    const double middle = 0.5 * (low + high);
    (central_probability(middle, dof) < level ? low : high) = middle;
  }
  return 0.5 * (low + high);
}

Estimate cohort_estimate(const Estimate& cohort, const Estimate& whole, double z, double low,
                         double high) {
  Estimate result = cohort;
  if (!cohort.has_value) return result;
  if (cohort.events < 2) {
    result.ci_low = low;
    result.ci_high = high;
    result.std_error = std::numeric_limits<double>::infinity();
    return result;
  }
  const double n = static_cast<double>(cohort.events);
  double variance = cohort.std_error * cohort.std_error * n;
  if (whole.has_value && whole.events >= 2)
    variance =
        std::max(variance, whole.std_error * whole.std_error * static_cast<double>(whole.events));
  result.std_error = std::sqrt(variance / n);
  const double half = student_t_quantile(z, cohort.events - 1) * result.std_error;
  result.ci_low = std::clamp(cohort.value - half, low, high);
  result.ci_high = std::clamp(cohort.value + half, low, high);
  return result;
}

}  // namespace pz
