// libFuzzer target: arbitrary bytes as a DSJSON line into the reader (and its
// JSON scanner), and a line it accepts into the featurizer. Nothing may crash
// or leak; bad input must end in pz::InputError (DsjsonError is one). A
// DsjsonLineReader, which takes over the actions of the lines before, must
// read each line as read_dsjson_line does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/dsjson.hpp"

namespace {

// Reads the line twice (the second time with its own actions remembered);
// false if it is refused.
bool read_with_reader(const std::string& line, pz::DsjsonDecision& decision) {
  static pz::DsjsonLineReader reader;  // across inputs, as across an import's lines
  try {
    reader.read(line, decision);
    reader.read(line, decision);
  } catch (const pz::InputError&) {
    return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  pz::DsjsonDecision decision;
  pz::DsjsonDecision read_again;
  bool accepted = true;
  try {
    pz::read_dsjson_line(line, decision);
  } catch (const pz::InputError&) {
    accepted = false;
  }
  if (read_with_reader(line, read_again) != accepted) std::abort();
  if (!accepted) return 0;
  if (read_again.action_ids != decision.action_ids || read_again.ranking != decision.ranking ||
      read_again.actions.size() != decision.actions.size() || read_again.context.size() != decision.context.size() ||
      read_again.action_features != decision.action_features)
    std::abort();
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
