// Small helpers shared by the unit tests.
#pragma once

#include <string_view>

#include "core/features.hpp"
#include "core/json_text.hpp"

namespace pz::testing {

inline FeatureSet features_of(std::string_view json) {
  FeatureSet set;
  FeatureBuilder builder(set);
  parse_json(json, builder);
  return set;
}

// The hash of one feature, as FeatureBuilder names it: namespace-seeded "path" or "path=value".
inline uint32_t only_feature_hash(std::string_view json) {
  FeatureSet set = features_of(json);
  return set.size() == 1 ? set.features()[0].hash : 0u;
}

inline FeatureSet action_of(std::string_view id, std::string_view features_json) {
  FeatureSet set = features_of(features_json);
  add_action_id(set, id);
  return set;
}

}  // namespace pz::testing
