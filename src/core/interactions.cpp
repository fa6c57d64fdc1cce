#include <algorithm>
#include <string>

#include "features.hpp"
#include "little_endian.hpp"

namespace pz {
namespace {

constexpr std::string_view kWildcard = "*";

uint32_t rule_namespace(std::string_view name) {
  return name == kWildcard ? 0u : namespace_hash(name);
}

}  // namespace

Interactions Interactions::all() {
  Interactions rules;
  rules.add(kWildcard, kWildcard);
  return rules;
}

Interactions Interactions::none() { return Interactions(); }

void Interactions::add(std::string_view context_namespace, std::string_view action_namespace) {
  pairs_.push_back({rule_namespace(context_namespace), rule_namespace(action_namespace)});
}

uint64_t Interactions::fingerprint() const {
  // Order and repetition of rules do not change the feature space.
  std::vector<uint64_t> keys;
  keys.reserve(pairs_.size());
  for (const Pair& pair : pairs_) keys.push_back((uint64_t{pair.context} << 32) | pair.action);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());

  std::string bytes = "interactions";
  append_u64(bytes, keys.size());
  for (uint64_t key : keys) append_u64(bytes, key);
  return NameHash().add(bytes).state();
}

uint64_t FeatureSpace::fingerprint() const {
  std::string bytes = "feature-space";
  append_u32(bytes, static_cast<uint32_t>(bits));
  append_u64(bytes, interactions.fingerprint());
  return NameHash().add(bytes).state();
}

}  // namespace pz
