// Readable names of the features FeatureBuilder hashes, for explanations
// only: the ranking path builds no strings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "features.hpp"

namespace pz {

struct FeatureName {
  std::string space;  // the namespace (top-level key)
  std::string name;   // "user.segment=budget", "price", "tags=new"
};

// By feature index of the FeatureSet built alongside.
using FeatureNames = std::vector<FeatureName>;

// A FeatureBuilder that also names each feature it emits, in the same order,
// with the namespace as the path's first part ("user.segment=budget"; a
// top-level scalar is "device=mobile").
class NamingFeatureBuilder : public DocumentHandler {
 public:
  NamingFeatureBuilder(FeatureSet& out, FeatureNames& names);
  void begin_object() override;
  void end_object() override;
  void begin_array() override;
  void end_array() override;
  void key(std::string_view name) override;
  void hashed_key(const HashedKey& key) override;
  void string_value(std::string_view value) override;
  void number_value(double value) override;
  void bool_value(bool value) override;
  void null_value() override;

 private:
  struct Frame {
    std::string path;
    bool is_array;
    uint32_t next_index;
  };
  std::string value_path();
  void name_key(std::string_view name);
  // Names the features the inner builder emitted since `before`.
  void name_new(size_t before, const std::string& name);
  FeatureBuilder inner_;
  FeatureSet& out_;
  FeatureNames& names_;
  std::vector<Frame> stack_;
  std::string pending_path_;
  std::string namespace_;
};

// The action id feature, named as add_action_id adds it.
void add_named_action_id(FeatureSet& set, FeatureNames& names, std::string_view action_id);

// One term of a score: a feature's weight times its value.
struct Contribution {
  std::string space;
  std::string feature;
  double value;
};

// The terms of model.score(context, action), in no particular order: the
// bias (namespace "constant", feature "bias"), each feature, and each
// interaction ("user × item", "user.segment=budget × item.category=toys").
// Terms of weight zero are left out. They add up to the score.
std::vector<Contribution> explain_score(const class Model& model, const FeatureSet& context,
                                        const FeatureNames& context_names, const FeatureSet& action,
                                        const FeatureNames& action_names);

// What an explanation shows of one action's terms: the bias first (always,
// 0 when untrained), then the `top` others by absolute value, largest first,
// then when any are left their sum as one row (namespace "other", feature
// "N more features"). The rows still add up to the score.
std::vector<Contribution> top_contributions(std::vector<Contribution> terms, size_t top);

}  // namespace pz
