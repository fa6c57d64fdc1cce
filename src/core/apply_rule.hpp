// When pz_optimize(apply => true) may change a loop's settings: only when the
// 95% lower bound of the candidate's estimated improvement over the online
// policy (the one that made the logged decisions) is above zero. A best point
// estimate among many noisy candidates is often best by luck alone.
#pragma once

#include <optional>
#include <string>

#include "estimators.hpp"

namespace pz {

struct ApplyVerdict {
  bool apply = false;
  std::string reason;  // why, in a sentence fragment fit for a notice
};

// `improvement`: the candidate's value minus the online policy's, event by
// event, with its 95% interval (none, or without a value: nothing is known).
ApplyVerdict judge_candidate(const std::optional<Estimate>& improvement);

}  // namespace pz
