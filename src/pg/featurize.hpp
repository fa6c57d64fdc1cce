// Features of a logged or live decision, read from jsonb tokens: the same code
// for pz_rank (scoring) and the trainer (learning), so both see one feature space.
#pragma once

#include "core/feature_names.hpp"
#include "core/features.hpp"
#include "pg/jsonb_tokens.hpp"
#include "pg/rank_request.hpp"

namespace pz::pg {

// Throws InputError unless the context is an object.
void featurize_context(JsonTokens context, FeatureSet& out);

// The action's features (if any) and its id feature.
void featurize_action(JsonTokens actions, const Candidate& candidate, FeatureSet& out);

// The same features, each named, for explanations.
void featurize_context_named(JsonTokens context, FeatureSet& out, FeatureNames& names);
void featurize_action_named(JsonTokens actions, const Candidate& candidate, FeatureSet& out,
                            FeatureNames& names);

}  // namespace pz::pg
