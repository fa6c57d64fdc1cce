#include "pg/featurize.hpp"

#include <string>

#include "core/errors.hpp"

namespace pz::pg {

void featurize_context(JsonTokens context, FeatureSet& out) {
  TokenCursor cursor(context);
  if (cursor.peek().kind != TokenKind::kBeginObject)
    throw InputError(std::string("context must be a JSON object, not ") + json_type_name(cursor.peek()));
  FeatureBuilder builder(out);
  cursor.replay_value(builder);
}

void featurize_action(JsonTokens actions, const Candidate& candidate, FeatureSet& out) {
  out.clear();
  if (candidate.has_features) {
    FeatureBuilder builder(out);
    TokenCursor cursor(actions);
    cursor.seek(candidate.features_token);
    cursor.replay_value(builder);
  }
  add_action_id(out, candidate.id);
}

}  // namespace pz::pg
