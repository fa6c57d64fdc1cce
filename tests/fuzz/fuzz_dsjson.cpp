// libFuzzer target: arbitrary bytes as a DSJSON line into the reader (and its
// JSON scanner), and a line it accepts into the featurizer. Nothing may crash
// or leak; bad input must end in pz::InputError (DsjsonError is one).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/dsjson.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  pz::DsjsonDecision decision;
  try {
    pz::read_dsjson_line(line, decision);
  } catch (const pz::InputError&) {
    return 0;
  }
  size_t actions = decision.action_ids.size();
  if (actions == 0 || decision.ranking.size() != actions || decision.probabilities.size() != actions ||
      decision.action_features.size() != actions)
    std::abort();
  pz::FeatureSet context;
  pz::FeatureSet chosen;
  try {
    pz::featurize_decision(decision, context, chosen);
  } catch (const pz::InputError&) {
    return 0;  // a non-finite number
  }
  // The documents are in jsonb's order already: ordering again drops nothing.
  pz::TokenList ordered;
  pz::order_like_jsonb(decision.context, ordered);
  if (ordered.size() != decision.context.size()) std::abort();
  return 0;
}
