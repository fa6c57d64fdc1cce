#include "model.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <stdexcept>
#include <string>

#include "errors.hpp"

namespace pz {
namespace {

// The adaptive update's state per weight: its gradient sum and its scale.
constexpr size_t kAdaptiveFloatsPerWeight = 2;

// The constant feature every example has, so the model learns the mean reward.
const uint32_t kBiasHash = NameHash().add("_bias").finish();

// Features smaller than this are treated as this small in the normalizer, as
// VW does, so a feature's rate never divides by zero.
constexpr double kMinSquaredValue = FLT_MIN;

// Below this, 1 - exp(-x) is replaced by x to avoid cancellation.
constexpr double kSmallStep = 1e-6;

template <class Visit>
void visit_context_features(const FeatureSet& context, uint32_t mask, Visit&& visit) {
  visit(kBiasHash & mask, 1.0f);
  for (const Feature& feature : context.features()) visit(feature.hash & mask, feature.value);
}

// The action's own features and its quadratic features with the context.
template <class Visit>
void visit_action_features(const Interactions& rules, const FeatureSet& context,
                           const FeatureSet& action, uint32_t mask, Visit&& visit) {
  const std::vector<Feature>& context_features = context.features();
  const std::vector<Feature>& action_features = action.features();
  for (const Feature& feature : action_features) visit(feature.hash & mask, feature.value);
  for (const NamespaceSpan& action_span : action.namespaces()) {
    for (const NamespaceSpan& context_span : context.namespaces()) {
      if (!rules.applies(context_span.namespace_hash, action_span.namespace_hash)) continue;
      for (uint32_t c = context_span.begin; c < context_span.end; ++c) {
        const Feature& left = context_features[c];
        for (uint32_t a = action_span.begin; a < action_span.end; ++a) {
          const Feature& right = action_features[a];
          visit(interaction_hash(left.hash, right.hash) & mask, left.value * right.value);
        }
      }
    }
  }
}

template <class Visit>
void visit_all_features(const Interactions& rules, const FeatureSet& context,
                        const FeatureSet& action, uint32_t mask, Visit&& visit) {
  visit_context_features(context, mask, visit);
  visit_action_features(rules, context, action, mask, visit);
}

// Per-feature learning rate of adaptive + normalized sgd:
// G^-power_t * (N^2)^(power_t - 1), i.e. 1 / (sqrt(G) * N) at power_t 0.5
// and 1 / (G^(1/4) * N^(3/2)) at 0.25.
double feature_rate(float squared_gradients, float scale, double power_t) {
  if (squared_gradients <= 0.0f || scale <= 0.0f) return 0.0;
  if (power_t == 0.5) return 1.0 / (std::sqrt(double{squared_gradients}) * scale);
  // The default: square roots instead of two pow() calls a feature.
  if (power_t == 0.25) {
    const double n = scale;
    return 1.0 / (std::sqrt(std::sqrt(double{squared_gradients})) * n * std::sqrt(n));
  }
  return std::pow(double{squared_gradients}, -power_t) *
         std::pow(double{scale} * scale, power_t - 1.0);
}

void check_bits(int bits) {
  if (bits < 10 || bits > 28)
    throw InputError("bits must be an integer from 10 to 28, got " + std::to_string(bits));
}

}  // namespace

Model::Model(FeatureSpace space, LearnerSettings settings, ModelUse use)
    : space_(std::move(space)), settings_(settings), use_(use) {
  check_bits(space_.bits);
  const size_t size = size_t{1} << space_.bits;
  weights_.assign(size, 0.0f);
  if (use_ == ModelUse::kLearning) adaptive_state_.assign(kAdaptiveFloatsPerWeight * size, 0.0f);
}

Model::Model(FeatureSpace space, const float* weights, uint64_t examples, Borrowed)
    : space_(std::move(space)),
      use_(ModelUse::kScoring),
      borrowed_weights_(weights),
      examples_(examples) {
  check_bits(space_.bits);
  if (weights == nullptr) throw std::invalid_argument("a model cannot borrow null weights");
}

Model Model::over_weights(FeatureSpace space, const float* weights, uint64_t examples) {
  return Model(std::move(space), weights, examples, Borrowed{});
}

size_t Model::weight_bytes(int bits, ModelUse use) {
  const size_t floats_per_weight = use == ModelUse::kLearning ? 1 + kAdaptiveFloatsPerWeight : 1;
  return (size_t{1} << bits) * floats_per_weight * sizeof(float);
}

const FeatureSpace& Model::space() const { return space_; }
const LearnerSettings& Model::settings() const { return settings_; }
void Model::set_settings(const LearnerSettings& settings) { settings_ = settings; }
ModelUse Model::use() const { return use_; }
uint64_t Model::examples() const { return examples_; }
bool Model::borrows_weights() const { return borrowed_weights_ != nullptr; }

size_t Model::memory_bytes() const {
  return sizeof(Model) + (weights_.capacity() + adaptive_state_.capacity()) * sizeof(float);
}

double Model::context_score(const FeatureSet& context) const {
  const float* weights = weight_data();
  double sum = 0.0;
  visit_context_features(context, space_.mask(),
                         [&](uint32_t index, float value) { sum += weights[index] * value; });
  return sum;
}

double Model::action_score(const FeatureSet& context, const FeatureSet& action) const {
  const float* weights = weight_data();
  double sum = 0.0;
  visit_action_features(space_.interactions, context, action, space_.mask(),
                        [&](uint32_t index, float value) { sum += weights[index] * value; });
  return sum;
}

double Model::score(const FeatureSet& context, const FeatureSet& action) const {
  return context_score(context) + action_score(context, action);
}

// The same walk as visit_all_features, with the indexes of the features.
void Model::visit_terms(const FeatureSet& context, const FeatureSet& action,
                        const std::function<void(int32_t, int32_t, double)>& term) const {
  const float* weights = weight_data();
  const uint32_t mask = space_.mask();
  const std::vector<Feature>& context_features = context.features();
  const std::vector<Feature>& action_features = action.features();
  // Products in float, as score() forms them, so the terms add up to it.
  term(-1, -1, double{weights[kBiasHash & mask] * 1.0f});
  for (size_t c = 0; c < context_features.size(); ++c)
    term(static_cast<int32_t>(c), -1,
         double{weights[context_features[c].hash & mask] * context_features[c].value});
  for (size_t a = 0; a < action_features.size(); ++a)
    term(-1, static_cast<int32_t>(a),
         double{weights[action_features[a].hash & mask] * action_features[a].value});
  for (const NamespaceSpan& action_span : action.namespaces()) {
    for (const NamespaceSpan& context_span : context.namespaces()) {
      if (!space_.interactions.applies(context_span.namespace_hash, action_span.namespace_hash)) continue;
      for (uint32_t c = context_span.begin; c < context_span.end; ++c) {
        const Feature& left = context_features[c];
        for (uint32_t a = action_span.begin; a < action_span.end; ++a) {
          const Feature& right = action_features[a];
          term(static_cast<int32_t>(c), static_cast<int32_t>(a),
               double{weights[interaction_hash(left.hash, right.hash) & mask] * (left.value * right.value)});
        }
      }
    }
  }
}

namespace {

// The weights one action's score reads, in the order action_score() adds
// them: gathered for a block of actions (and their cache lines prefetched)
// before any is added up, so that the random reads of thousands of quadratic
// weights overlap instead of stalling the sum one at a time.
class TermBlock {
 public:
  // Actions a block: enough reads in flight to hide memory latency, few
  // enough that their lines are still cached when summed.
  static constexpr size_t kActions = 16;

  TermBlock(const Interactions& rules, const FeatureSet& context, uint32_t mask, const float* weights)
      : rules_(rules), context_(context), mask_(mask), weights_(weights) {
    // interaction_hash's context side, once per call rather than per action.
    crossed_.clear();
    for (const Feature& feature : context.features())
      crossed_.push_back({interaction_part(feature.hash), feature.value});
  }

  // Gathers the terms of actions [begin, end) (at most kActions).
  template <class Actions>
  void gather(const Actions& actions, size_t begin, size_t end) {
    size_t most = 0;  // each action feature, alone and with every context feature
    for (size_t i = begin; i < end; ++i) most += view_of(actions[i]).size * (1 + crossed_.size());
    if (terms_.size() < most) terms_.resize(most);
    Term* next = terms_.data();
    for (size_t i = begin; i < end; ++i) {
      next = gather_action(view_of(actions[i]), next);
      ends_[i - begin] = static_cast<size_t>(next - terms_.data());
    }
    count_ = end - begin;
  }

  // Each gathered action's score: `shared` plus its terms, added in
  // action_score()'s order so that the result is the same to the bit.
  // Four actions at a time, each its own chain of additions: one chain waits
  // on every addition's latency, four in step keep the adder busy.
  void sum_into(double shared, double* scores) const {
    size_t i = 0;
    for (; i + 4 <= count_; i += 4) {
      const Term* term[4];
      size_t length[4];
      for (size_t k = 0; k < 4; ++k) {
        const size_t begin = i + k == 0 ? 0 : ends_[i + k - 1];
        term[k] = terms_.data() + begin;
        length[k] = ends_[i + k] - begin;
      }
      const size_t common = std::min(std::min(length[0], length[1]), std::min(length[2], length[3]));
      double sum[4] = {0.0, 0.0, 0.0, 0.0};
      for (size_t t = 0; t < common; ++t)
        for (size_t k = 0; k < 4; ++k) sum[k] += weights_[term[k][t].index] * term[k][t].value;
      for (size_t k = 0; k < 4; ++k) {
        for (size_t t = common; t < length[k]; ++t) sum[k] += weights_[term[k][t].index] * term[k][t].value;
        scores[i + k] = shared + sum[k];
      }
    }
    for (; i < count_; ++i) {
      const Term* term = terms_.data() + (i == 0 ? 0 : ends_[i - 1]);
      const Term* end = terms_.data() + ends_[i];
      double sum = 0.0;
      for (; term < end; ++term) sum += weights_[term->index] * term->value;
      scores[i] = shared + sum;
    }
  }

 private:
  struct Crossed {
    uint32_t part;  // interaction_part of the context feature's hash
    float value;
  };
  struct Term {
    uint32_t index;
    float value;
  };

  Term* add(Term* at, uint32_t index, float value) const {
    __builtin_prefetch(weights_ + index);
    *at = {index, value};
    return at + 1;
  }

  static FeatureView view_of(const FeatureSet& action) { return action.view(); }
  static FeatureView view_of(const FeatureView& action) { return action; }

  Term* gather_action(const FeatureView& action, Term* next) const {
    const Feature* features = action.features;
    for (uint32_t f = 0; f < action.size; ++f) next = add(next, features[f].hash & mask_, features[f].value);
    for (uint32_t n = 0; n < action.namespace_count; ++n) {
      const NamespaceSpan& action_span = action.namespaces[n];
      for (const NamespaceSpan& context_span : context_.namespaces()) {
        if (!rules_.applies(context_span.namespace_hash, action_span.namespace_hash)) continue;
        for (uint32_t c = context_span.begin; c < context_span.end; ++c) {
          const Crossed left = crossed_[c];
          for (uint32_t a = action_span.begin; a < action_span.end; ++a)
            next = add(next, crossed_hash(left.part, features[a].hash) & mask_, left.value * features[a].value);
        }
      }
    }
    return next;
  }

  const Interactions& rules_;
  const FeatureSet& context_;
  const uint32_t mask_;
  const float* const weights_;
  // Kept by the thread between calls, so a call allocates nothing. Not
  // inlined: in a shared library a thread-local's address costs a call, which
  // the compiler would otherwise repeat wherever the buffers are used.
  struct Buffers {
    std::vector<Crossed> crossed;
    std::vector<Term> terms;
  };
  [[gnu::noinline]] static Buffers& kept_buffers() {
    thread_local Buffers buffers;
    return buffers;
  }
  Buffers& kept_ = kept_buffers();
  std::vector<Crossed>& crossed_ = kept_.crossed;
  std::vector<Term>& terms_ = kept_.terms;
  size_t ends_[kActions] = {};
  size_t count_ = 0;
};

}  // namespace

template <class Actions>
void Model::score_views(const FeatureSet& context, const Actions& actions, std::vector<double>& scores) const {
  const double shared = context_score(context);
  scores.resize(actions.size());
  TermBlock block(space_.interactions, context, space_.mask(), weight_data());
  for (size_t begin = 0; begin < actions.size(); begin += TermBlock::kActions) {
    const size_t end = std::min(actions.size(), begin + TermBlock::kActions);
    block.gather(actions, begin, end);
    block.sum_into(shared, scores.data() + begin);
  }
}

void Model::score_all(const FeatureSet& context, const std::vector<FeatureSet>& actions,
                      std::vector<double>& scores) const {
  score_views(context, actions, scores);
}

void Model::score_all(const FeatureSet& context, const std::vector<FeatureView>& actions,
                      std::vector<double>& scores) const {
  score_views(context, actions, scores);
}

// One step of importance-weighted squared loss with VW's default update
// (adaptive, normalized, invariant): first the per-feature state and the
// sensitivity of the prediction to the step, then the safe step itself.
double Model::importance_weight(double probability, size_t action_count) const {
  if (settings_.cb_type == CbType::kDm) return 1.0;
  // Counted as if this event were already learned, as learn() counts it.
  const double events = static_cast<double>(examples_) + 1.0;
  const double actions = action_count_sum_ + static_cast<double>(action_count);
  return (1.0 / probability) * events / actions;
}

void Model::learn(const FeatureSet& context, const FeatureSet& chosen_action, double reward,
                  double probability, size_t action_count) {
  if (use_ != ModelUse::kLearning) throw std::logic_error("a scoring-only model cannot learn");
  if (!(probability > 0.0 && probability <= 1.0)) {
    throw InputError("the probability of a logged action must be in (0, 1], got " +
                     std::to_string(probability));
  }
  if (!std::isfinite(reward)) throw InputError("a reward must be a finite number");
  if (action_count == 0) throw InputError("an event must offer at least one action");

  const double prediction = score(context, chosen_action);
  // 1 / probability divided by the mean number of actions per event (VW's
  // mtr weight): without it an event of K actions would weigh about K
  // examples and every step would jump to the label.
  const double importance = importance_weight(probability, action_count);
  ++examples_;
  action_count_sum_ += static_cast<double>(action_count);
  if (prediction == reward) return;  // no loss, no update (and no normalizer change), as in VW

  const uint32_t mask = space_.mask();
  const double power_t = settings_.power_t;
  const double residual = reward - prediction;
  const double squared_gradient = 4.0 * residual * residual * importance;
  float* weights = weights_.data();
  float* state = adaptive_state_.data();

  double norm_x = 0.0;
  double prediction_per_update = 0.0;
  visit_all_features(
      space_.interactions, context, chosen_action, mask, [&](uint32_t index, float value) {
        double x2 = double{value} * value;
        double x_abs = std::fabs(value);
        if (x2 < kMinSquaredValue) {
          x2 = kMinSquaredValue;
          x_abs = std::sqrt(kMinSquaredValue);
        }
        float& squared_gradients = state[2 * index];
        float& scale = state[2 * index + 1];
        squared_gradients += static_cast<float>(squared_gradient * x2);
        if (x_abs > scale) {
          // A larger scale was found: rescale the weight as if it had always been used.
          if (scale > 0.0f) {
            const double ratio = scale / x_abs;
            weights[index] *=
                static_cast<float>(power_t == 0.5 ? ratio : std::pow(ratio * ratio, 1.0 - power_t));
          }
          scale = static_cast<float>(x_abs);
        }
        norm_x += x2 / (double{scale} * scale);
        prediction_per_update += x2 * feature_rate(squared_gradients, scale, power_t);
      });

  total_weight_ += importance;
  normalized_sum_norm_x_ += importance * norm_x;
  // Corrects for how many features are active on average (VW's update_multiplier).
  const double multiplier = power_t == 0.5
                                ? std::sqrt(total_weight_ / normalized_sum_norm_x_)
                                : std::pow(normalized_sum_norm_x_ / total_weight_, power_t - 1.0);
  prediction_per_update *= multiplier;
  if (!(prediction_per_update > 0.0)) return;

  // Importance-invariant step: the prediction moves towards the reward as if
  // the example were seen `importance` times in infinitesimal steps, so it
  // never overshoots.
  const double update_scale = settings_.learning_rate * importance;
  const double exponent = 2.0 * update_scale * prediction_per_update;
  const double update = exponent < kSmallStep
                            ? 2.0 * residual * update_scale
                            : residual * -std::expm1(-exponent) / prediction_per_update;
  const double step = update * multiplier;
  // l2 decays only the weights this example touches (lazily, like VW's sparse l2).
  const double shrink = 1.0 / (1.0 + settings_.learning_rate * settings_.l2 * importance);

  visit_all_features(
      space_.interactions, context, chosen_action, mask, [&](uint32_t index, float value) {
        const double rate = feature_rate(state[2 * index], state[2 * index + 1], power_t);
        weights[index] = static_cast<float>(weights[index] * shrink + step * value * rate);
      });
}

}  // namespace pz
