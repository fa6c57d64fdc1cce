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
    // One per backend: no allocation per action, and each key of the
    // actions' documents hashed once. Restarted, so an error thrown halfway
    // through an earlier document leaves nothing behind.
    static KeyCache keys;
    static FeatureBuilder builder(out, &keys);
    builder.restart(out);
    TokenCursor cursor(actions);
    cursor.seek(candidate.features_token);
    cursor.replay_value(builder);
  }
  add_action_id(out, candidate.id);
}

void featurize_context_named(JsonTokens context, FeatureSet& out, FeatureNames& names) {
  TokenCursor cursor(context);
  if (cursor.peek().kind != TokenKind::kBeginObject)
    throw InputError(std::string("context must be a JSON object, not ") + json_type_name(cursor.peek()));
  NamingFeatureBuilder builder(out, names);
  cursor.replay_value(builder);
}

void featurize_action_named(JsonTokens actions, const Candidate& candidate, FeatureSet& out,
                            FeatureNames& names) {
  out.clear();
  names.clear();
  if (candidate.has_features) {
    NamingFeatureBuilder builder(out, names);
    TokenCursor cursor(actions);
    cursor.seek(candidate.features_token);
    cursor.replay_value(builder);
  }
  add_named_action_id(out, names, candidate.id);
}

}  // namespace pz::pg
