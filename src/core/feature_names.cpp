#include "feature_names.hpp"

#include <algorithm>
#include <cmath>

#include "model.hpp"

namespace pz {

NamingFeatureBuilder::NamingFeatureBuilder(FeatureSet& out, FeatureNames& names)
    : inner_(out), out_(out), names_(names) {}

std::string NamingFeatureBuilder::value_path() {
  if (stack_.empty()) return pending_path_;  // the inner builder rejects it
  Frame& frame = stack_.back();
  if (!frame.is_array) return pending_path_;
  return frame.path + "[" + std::to_string(frame.next_index++) + "]";
}

void NamingFeatureBuilder::name_new(size_t before, const std::string& name) {
  for (size_t i = before; i < out_.size(); ++i) names_.push_back({namespace_, name});
}

void NamingFeatureBuilder::begin_object() {
  inner_.begin_object();
  if (stack_.empty())
    stack_.push_back({"", false, 0});
  else if (stack_.size() == 1)
    stack_.push_back({namespace_, false, 0});
  else
    stack_.push_back({value_path(), false, 0});
}

void NamingFeatureBuilder::end_object() {
  inner_.end_object();
  if (!stack_.empty()) stack_.pop_back();
}

void NamingFeatureBuilder::begin_array() {
  inner_.begin_array();
  stack_.push_back({value_path(), true, 0});
}

void NamingFeatureBuilder::end_array() {
  inner_.end_array();
  if (!stack_.empty()) stack_.pop_back();
}

void NamingFeatureBuilder::hashed_key(const HashedKey& key) {
  inner_.hashed_key(key);
  name_key(key.name);
}

void NamingFeatureBuilder::key(std::string_view name) {
  inner_.key(name);
  name_key(name);
}

void NamingFeatureBuilder::name_key(std::string_view name) {
  if (stack_.size() == 1) {
    namespace_.assign(name);
    pending_path_.assign(name);
  } else if (!stack_.empty()) {
    pending_path_ = stack_.back().path + "." + std::string(name);
  }
}

void NamingFeatureBuilder::string_value(std::string_view value) {
  const size_t before = out_.size();
  std::string name = pending_path_;
  if (!stack_.empty() && stack_.back().is_array) {
    name = stack_.back().path;
    ++stack_.back().next_index;
  }
  inner_.string_value(value);
  name_new(before, name + "=" + std::string(value));
}

void NamingFeatureBuilder::number_value(double value) {
  const size_t before = out_.size();
  std::string name = value_path();
  inner_.number_value(value);
  name_new(before, name);
}

void NamingFeatureBuilder::bool_value(bool value) {
  const size_t before = out_.size();
  std::string name = value_path();
  inner_.bool_value(value);
  name_new(before, name);
}

void NamingFeatureBuilder::null_value() {
  inner_.null_value();
  if (!stack_.empty() && stack_.back().is_array) ++stack_.back().next_index;
}

void add_named_action_id(FeatureSet& set, FeatureNames& names, std::string_view action_id) {
  add_action_id(set, action_id);
  names.push_back({std::string(kActionIdNamespace),
                   std::string(kActionIdNamespace) + "=" + std::string(action_id)});
}

std::vector<Contribution> explain_score(const Model& model, const FeatureSet& context,
                                        const FeatureNames& context_names, const FeatureSet& action,
                                        const FeatureNames& action_names) {
  std::vector<Contribution> terms;
  const auto interaction = [](const std::string& left, const std::string& right) {
    return left + " \u00d7 " + right;
  };
  model.visit_terms(context, action, [&](int32_t c, int32_t a, double value) {
    if (value == 0.0) return;
    if (c < 0 && a < 0)
      terms.push_back({"constant", "bias", value});
    else if (a < 0)
      terms.push_back({context_names.at(c).space, context_names.at(c).name, value});
    else if (c < 0)
      terms.push_back({action_names.at(a).space, action_names.at(a).name, value});
    else
      terms.push_back({interaction(context_names.at(c).space, action_names.at(a).space),
                       interaction(context_names.at(c).name, action_names.at(a).name), value});
  });
  return terms;
}

std::vector<Contribution> top_contributions(std::vector<Contribution> terms, size_t top) {
  std::vector<Contribution> shown{{"constant", "bias", 0.0}};
  std::vector<Contribution> features;
  for (Contribution& term : terms) {
    if (term.space == "constant" && term.feature == "bias")
      shown[0].value += term.value;
    else
      features.push_back(std::move(term));
  }
  std::stable_sort(features.begin(), features.end(),
                   [](const Contribution& a, const Contribution& b) {
                     return std::fabs(a.value) > std::fabs(b.value);
                   });
  const size_t kept = std::min(top, features.size());
  for (size_t i = 0; i < kept; ++i) shown.push_back(std::move(features[i]));
  if (kept < features.size()) {
    double rest = 0.0;
    for (size_t i = kept; i < features.size(); ++i) rest += features[i].value;
    const size_t more = features.size() - kept;
    shown.push_back(
        {"other", std::to_string(more) + (more == 1 ? " more feature" : " more features"), rest});
  }
  return shown;
}

}  // namespace pz
