#include "pg/ablation.hpp"

#include <algorithm>

#include "core/errors.hpp"

namespace pz::pg {

bool AblatingHandler::drops(std::string_view name_space, std::string_view key) const {
  if (key.empty())
    return std::find(ablation_.namespaces.begin(), ablation_.namespaces.end(), name_space) !=
           ablation_.namespaces.end();
  for (const auto& [ns, k] : ablation_.keys)
    if (ns == name_space && k == key) return true;
  return false;
}

// A scalar inside or right after a dropped key is not forwarded.
bool AblatingHandler::swallow_scalar() {
  if (dropping_ > 0) return true;
  if (drop_next_) {
    drop_next_ = false;
    return true;
  }
  return false;
}

bool AblatingHandler::swallow_open() {
  if (dropping_ > 0) {
    ++dropping_;
    return true;
  }
  if (drop_next_) {
    drop_next_ = false;
    dropping_ = 1;
    return true;
  }
  ++depth_;
  return false;
}

bool AblatingHandler::swallow_close() {
  if (dropping_ > 0) {
    --dropping_;
    return true;
  }
  --depth_;
  return false;
}

void AblatingHandler::begin_object() {
  if (!swallow_open()) next_.begin_object();
}
void AblatingHandler::end_object() {
  if (!swallow_close()) next_.end_object();
}
void AblatingHandler::begin_array() {
  if (!swallow_open()) next_.begin_array();
}
void AblatingHandler::end_array() {
  if (!swallow_close()) next_.end_array();
}

void AblatingHandler::key(std::string_view name) {
  if (dropping_ > 0) return;
  if (depth_ == 1) {
    namespace_.assign(name);
    if (drops(name, {})) {
      drop_next_ = true;
      return;
    }
  } else if (depth_ == 2 && drops(namespace_, name)) {
    drop_next_ = true;
    return;
  }
  next_.key(name);
}

void AblatingHandler::string_value(std::string_view value) {
  if (!swallow_scalar()) next_.string_value(value);
}
void AblatingHandler::number_value(double value) {
  if (!swallow_scalar()) next_.number_value(value);
}
void AblatingHandler::bool_value(bool value) {
  if (!swallow_scalar()) next_.bool_value(value);
}
void AblatingHandler::null_value() {
  if (!swallow_scalar()) next_.null_value();
}

void featurize_context_without(JsonTokens context, const DocumentAblation& ablation,
                               FeatureSet& out) {
  out.clear();
  TokenCursor cursor(context);
  if (cursor.peek().kind != TokenKind::kBeginObject)
    throw InputError(std::string("context must be a JSON object, not ") +
                     json_type_name(cursor.peek()));
  FeatureBuilder builder(out);
  AblatingHandler filter(builder, ablation);
  cursor.replay_value(filter);
}

void featurize_action_without(JsonTokens actions, const Candidate& candidate,
                              const DocumentAblation& ablation, bool drop_id, FeatureSet& out) {
  out.clear();
  if (candidate.has_features) {
    FeatureBuilder builder(out);
    AblatingHandler filter(builder, ablation);
    TokenCursor cursor(actions);
    cursor.seek(candidate.features_token);
    cursor.replay_value(filter);
  }
  if (!drop_id) add_action_id(out, candidate.id);
}

}  // namespace pz::pg
