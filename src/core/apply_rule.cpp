#include "apply_rule.hpp"

#include <cmath>
#include <cstdio>

namespace pz {
namespace {

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

std::string figures(const Estimate& e) {
  return "improvement over the online policy " + number(e.value) + " (95% interval [" +
         number(e.ci_low) + ", " + number(e.ci_high) + "], " + std::to_string(e.events) +
         " events)";
}

}  // namespace

ApplyVerdict judge_candidate(const std::optional<Estimate>& improvement) {
  if (!improvement || !improvement->has_value || improvement->events == 0)
    return {false, "no estimate of the improvement over the online policy (no logged event)"};
  const Estimate& e = *improvement;
  if (!std::isfinite(e.value) || !std::isfinite(e.ci_low) || !std::isfinite(e.ci_high))
    return {false, "the estimate of the improvement over the online policy is not finite"};
  // A single event has no variance: its interval is a point, not evidence.
  if (e.events < 2)
    return {false, "too few events to bound the improvement over the online policy (" +
                       std::to_string(e.events) + ")"};
  if (e.ci_low > 0.0) return {true, "its 95% lower bound is above zero: " + figures(e)};
  if (e.ci_high < 0.0) return {false, "the candidate is worse than the online policy: " + figures(e)};
  return {false, "the 95% interval includes zero: " + figures(e)};
}

}  // namespace pz
