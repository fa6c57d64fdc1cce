// libFuzzer target: arbitrary bytes as JSON text into the featurizer, and the
// features into a model's scoring and learning. Nothing may crash or leak; bad
// input must end in pz::InputError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/errors.hpp"
#include "core/features.hpp"
#include "core/json_text.hpp"
#include "core/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static pz::Model model(pz::FeatureSpace{12, pz::Interactions::all()}, pz::LearnerSettings{});
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The first half is the context, the rest an action's features.
  size_t split = size / 2;
  pz::FeatureSet context;
  pz::FeatureSet action;
  try {
    pz::FeatureBuilder context_builder(context);
    pz::parse_json(text.substr(0, split), context_builder);
    pz::FeatureBuilder action_builder(action);
    pz::parse_json(text.substr(split), action_builder);
  } catch (const pz::InputError&) {
    return 0;
  }
  pz::add_action_id(action, text.substr(0, 8));
  double score = model.score(context, action);
  if (score == score) model.learn(context, action, 0.5, 0.25, 4);  // NaN scores must not arise
  return 0;
}
