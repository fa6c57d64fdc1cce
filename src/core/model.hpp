// The learner: a linear model of reward on hashed features (context, action and
// their interactions), trained online with importance-weighted squared loss
// (the `mtr` reduction of cb_explore_adf) and adaptive, normalized, invariant
// per-feature updates, as Vowpal Wabbit does by default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "features.hpp"

namespace pz {

// How a logged action's example is weighted (VW's --cb_type). kMtr: 1/p over
// the mean number of actions per event, unbiased but learning mostly from
// exploration shows. kDm (direct method): every logged example weighs 1,
// biased toward what the policy shows, and learns much faster in
// bench/learning_suite.cpp and bench/demo_shop.cpp (README "Choosing the
// defaults"). DESIGN.md fixes mtr as the default.
enum class CbType { kMtr, kDm };

struct LearnerSettings {
  double learning_rate = 0.05;
  // How fast each feature's rate decays with its squared gradients. 0.25,
  // not Vowpal Wabbit's 0.5: at 0.5 a loop that has learned for long no
  // longer follows a change of tastes (bench/learning_suite.cpp, late-drift).
  double power_t = 0.25;
  double l2 = 0.0;
  CbType cb_type = CbType::kMtr;
};

// What a deserialized model is for: scoring needs only the weights, so a
// backend's cache keeps a quarter of the memory.
enum class ModelUse { kLearning, kScoring };

class Model {
 public:
  Model(FeatureSpace space, LearnerSettings settings, ModelUse use = ModelUse::kLearning);
  // A scoring-only model over weights kept elsewhere (one read-only copy in
  // shared memory for every backend): nothing is copied. `weights` holds
  // 2^space.bits floats and must stay valid and unchanged while the model (or
  // a copy of it) is used.
  static Model over_weights(FeatureSpace space, const float* weights, uint64_t examples);

  const FeatureSpace& space() const;
  const LearnerSettings& settings() const;
  void set_settings(const LearnerSettings& settings);
  ModelUse use() const;

  // Predicted reward of one action in a context.
  double score(const FeatureSet& context, const FeatureSet& action) const;
  // Same for many actions; the context's own part is computed once.
  void score_all(const FeatureSet& context, const std::vector<FeatureSet>& actions,
                 std::vector<double>& scores) const;
  // The same over actions kept elsewhere; the same scores to the bit.
  void score_all(const FeatureSet& context, const std::vector<FeatureView>& actions,
                 std::vector<double>& scores) const;

  // Each term of score(context, action) in turn: (context feature index, action
  // feature index, weight x value); -1 for no feature on that side, both -1
  // for the bias. For explanations: slower than score().
  void visit_terms(const FeatureSet& context, const FeatureSet& action,
                   const std::function<void(int32_t, int32_t, double)>& term) const;

  // Learns the logged action's reward with importance weight 1 / probability
  // divided by the running mean number of actions per event (`action_count`
  // is how many actions the event offered), as VW's mtr does; with
  // CbType::kDm, weight 1. The mean is kept under either, so a change of
  // cb_type on a trained model takes effect at its next example.
  // probability in (0, 1]; reward finite; action_count >= 1. Throws
  // std::logic_error on a scoring-only model.
  void learn(const FeatureSet& context, const FeatureSet& chosen_action, double reward,
             double probability, size_t action_count);
  // The importance weight learn() gives an action logged with `probability`
  // in an event of `action_count` actions, given the events learned so far
  // (1 under CbType::kDm).
  double importance_weight(double probability, size_t action_count) const;

  uint64_t examples() const;
  // What this object owns: a model over borrowed weights owns none of them.
  size_t memory_bytes() const;
  bool borrows_weights() const;
  // What the weights (and, to learn, their adaptive state) of a model with
  // 2^bits weights take, before it is built.
  static size_t weight_bytes(int bits, ModelUse use);

 private:
  friend std::string serialize_model(const Model& model);
  friend Model deserialize_model(std::string_view blob, const FeatureSpace& expected,
                                 const LearnerSettings& settings, ModelUse use);
  struct Borrowed {};
  Model(FeatureSpace space, const float* weights, uint64_t examples, Borrowed);
  const float* weight_data() const {
    return borrowed_weights_ != nullptr ? borrowed_weights_ : weights_.data();
  }
  double context_score(const FeatureSet& context) const;
  double action_score(const FeatureSet& context, const FeatureSet& action) const;
  template <class Actions>
  void score_views(const FeatureSet& context, const Actions& actions, std::vector<double>& scores) const;

  FeatureSpace space_;
  LearnerSettings settings_;
  ModelUse use_;
  std::vector<float> weights_;  // 2^bits, indexed by masked feature hash; empty when borrowed
  const float* borrowed_weights_ = nullptr;  // set by over_weights() only
  // Per weight: the sum of squared gradients and the largest |x| seen,
  // interleaved so one cache line serves both. Empty for a scoring model.
  std::vector<float> adaptive_state_;
  uint64_t examples_ = 0;
  // Normalizer state shared by all weights (VW's total_weight and
  // normalized_sum_norm_x): sums of importance weights and of their normalized
  // squared feature norms.
  double total_weight_ = 0.0;
  double normalized_sum_norm_x_ = 0.0;
  // Sum over all examples of the number of actions offered: divided by
  // examples_, the mean number of actions per event, by which importance
  // weights are divided. A count, not 1/p, so one improbable draw cannot
  // inflate it (format version 1 kept the sum of 1/p: see model_format.cpp).
  double action_count_sum_ = 0.0;
};

}  // namespace pz
