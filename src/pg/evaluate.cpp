#include "pg/evaluate.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/cohort_interval.hpp"
#include "core/errors.hpp"
#include "core/model.hpp"
#include "core/model_format.hpp"
#include "core/policy.hpp"
#include "pg/ablation.hpp"
#include "pg/array_text.hpp"
#include "pg/featurize.hpp"
#include "pg/guard.hpp"
#include "pg/jsonb_tokens.hpp"
#include "pg/reward_query.hpp"

extern "C" {
#include "utils/lsyscache.h"
}

namespace pz::pg {

namespace {

constexpr size_t kReplayMemoryLimit = size_t{4} << 30;


constexpr long kFetchBatch = 1000;
// pz_reward takes rewards in [-1, 1]: no policy's value lies outside.
constexpr double kLowestReward = -1.0;
constexpr double kHighestReward = 1.0;
// Each segment keeps its estimators in memory: a path with a value per user
// (an id) is a mistake, refused before it exhausts the backend's memory.
constexpr size_t kMaxSegments = 10000;
constexpr auto kProgressEvery = std::chrono::seconds(10);

// One joined, non-skipped event as the cursor returned it; tokens point into
// detoasted copies in the batch context.
struct LoggedEvent {
  JsonTokens context;
  JsonTokens actions;
  char* chosen_action;
  char* baseline;  // NULL when the application gave none
  double probability;
  double reward;
  char* signal_rewards;  // re-scoring: rewards per signal by its join (JSON); NULL: none named
  char* segment;         // the context's value at the segment path; NULL: none, or no path
  // With slots (and once joined per slot): the slots' action ids, logged
  // probabilities and learned rewards, in slot order. slots = 0: none.
  int slots;
  char** slot_ids;
  double* slot_probabilities;
  double* slot_rewards;
  char** slot_signal_rewards;  // re-scoring: each slot's rewards per signal (JSON); NULL: none named
};

struct EventBatch {
  LoggedEvent* events;
  int count;
};

// Same order as the trainer learns in, so a replay sees what the loop saw.
// Re-scoring also reads each event's rewards per signal, those the trainer had
// when it joined the event; pz_segments reads the context's value at $4.
std::string logged_events_query(const EvaluationRequest* request) {
  const std::string signal_rewards =
      request->rescore ? signal_rewards_subquery(request->loop_settings.rewards.aggregation,
                                                 "e.event_id", "e.joined_at")
                       : "NULL::text";
  const std::string slot_signal_rewards =
      request->rescore ? slot_signal_rewards_array(request->loop_settings.rewards.aggregation, "e.event_id",
                                                   "e.joined_at", "e.slot_probabilities", 1)
                       : "NULL::text[]";
  return "SELECT e.context, e.actions, e.chosen_action, e.baseline, e.probabilities[1], "
         "       e.reward, e.slot_probabilities, e.slot_rewards, "
         "       CASE WHEN e.slot_probabilities IS NOT NULL THEN e.ranking[1:cardinality(e.slot_probabilities)] END, " +
         signal_rewards +
         ", e.context #>> $4, " + slot_signal_rewards +
         "  FROM pz.events e "
         " WHERE e.loop_id = $1 AND e.outcome IN ('rewarded', 'defaulted') "
         "   AND e.reward IS NOT NULL "
         "   AND ($2::timestamptz IS NULL OR e.created_at >= $2) "
         "   AND ($3::timestamptz IS NULL OR e.created_at < $3) "
         " ORDER BY e.created_at, e.event_id";
}

// The segment path as a text[] for #>> (NULL: no segments).
Datum segment_path_array(const EvaluationRequest* request) {
  const std::vector<std::string>& keys = *request->segment_path;
  Datum* elements = static_cast<Datum*>(palloc(sizeof(Datum) * keys.size()));
  for (size_t i = 0; i < keys.size(); ++i)
    elements[i] =
        PointerGetDatum(cstring_to_text_with_len(keys[i].data(), static_cast<int>(keys[i].size())));
  return PointerGetDatum(
      construct_array(elements, static_cast<int>(keys.size()), TEXTOID, -1, false, TYPALIGN_INT));
}

Portal open_logged_events(const EvaluationRequest* request) {
  const bool segments = request->segment_path.has_value();
  Oid types[4] = {INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTARRAYOID};
  Datum args[4] = {Int32GetDatum(request->loop_id), TimestampTzGetDatum(request->since),
                   TimestampTzGetDatum(request->until),
                   segments ? segment_path_array(request) : Datum(0)};
  char nulls[5] = {' ', request->has_since ? ' ' : 'n', request->has_until ? ' ' : 'n',
                   segments ? ' ' : 'n', '\0'};
  const std::string query = logged_events_query(request);
  Portal portal = SPI_cursor_open_with_args(nullptr, query.c_str(), 4, types, args, nulls, true, 0);
  if (portal == nullptr) elog(ERROR, "pz: opening the decision log failed");
  return portal;
}

// Columns 7 to 9: the slots, kept only when every slot has its probability,
// its learned reward and its action (else the event has no slot estimates).
void read_slots(HeapTuple tuple, TupleDesc desc, LoggedEvent* event) {
  bool is_null[3];
  Datum columns[3];
  for (int c = 0; c < 3; ++c) columns[c] = SPI_getbinval(tuple, desc, 7 + c, &is_null[c]);
  if (is_null[0] || is_null[1] || is_null[2]) return;
  Datum* values[3];
  bool* nulls[3];
  int counts[3];
  const Oid types[3] = {FLOAT8OID, FLOAT8OID, TEXTOID};
  for (int c = 0; c < 3; ++c) {
    int16 length;
    bool by_value;
    char align;
    get_typlenbyvalalign(types[c], &length, &by_value, &align);
    deconstruct_array(DatumGetArrayTypePCopy(columns[c]), types[c], length, by_value, align, &values[c], &nulls[c],
                      &counts[c]);
  }
  if (counts[1] != counts[0] || counts[2] != counts[0]) return;
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < counts[0]; ++i)
      if (nulls[c][i]) return;
  event->slots = counts[0];
  event->slot_ids = static_cast<char**>(palloc(sizeof(char*) * counts[0]));
  event->slot_probabilities = static_cast<double*>(palloc(sizeof(double) * counts[0]));
  event->slot_rewards = static_cast<double*>(palloc(sizeof(double) * counts[0]));
  for (int i = 0; i < counts[0]; ++i) {
    event->slot_probabilities[i] = DatumGetFloat8(values[0][i]);
    event->slot_rewards[i] = DatumGetFloat8(values[1][i]);
    event->slot_ids[i] = TextDatumGetCString(values[2][i]);
  }
}

// Column 12 (re-scoring an event with slots): each slot's rewards per signal.
void read_slot_signal_rewards(HeapTuple tuple, TupleDesc desc, LoggedEvent* event) {
  bool is_null;
  Datum column = SPI_getbinval(tuple, desc, 12, &is_null);
  if (is_null || event->slots == 0) return;
  event->slot_signal_rewards = text_array_strings(column, event->slots);
}

void fetch_logged_events(Portal portal, MemoryContext batch_context, EventBatch* batch) {
  CHECK_FOR_INTERRUPTS();
  SPI_cursor_fetch(portal, true, kFetchBatch);
  MemoryContext spi = MemoryContextSwitchTo(batch_context);
  int count = static_cast<int>(SPI_processed);
  batch->count = count;
  batch->events = static_cast<LoggedEvent*>(palloc0(sizeof(LoggedEvent) * (count > 0 ? count : 1)));
  TupleDesc desc = SPI_tuptable->tupdesc;
  for (int i = 0; i < count; ++i) {
    HeapTuple tuple = SPI_tuptable->vals[i];
    LoggedEvent* event = &batch->events[i];
    bool is_null;
    read_jsonb_tokens(DatumGetJsonbPCopy(SPI_getbinval(tuple, desc, 1, &is_null)), &event->context);
    read_jsonb_tokens(DatumGetJsonbPCopy(SPI_getbinval(tuple, desc, 2, &is_null)), &event->actions);
    event->chosen_action = TextDatumGetCString(SPI_getbinval(tuple, desc, 3, &is_null));
    Datum baseline = SPI_getbinval(tuple, desc, 4, &is_null);
    event->baseline = is_null ? nullptr : TextDatumGetCString(baseline);
    Datum probability = SPI_getbinval(tuple, desc, 5, &is_null);
    event->probability = is_null ? 0.0 : DatumGetFloat8(probability);
    event->reward = DatumGetFloat8(SPI_getbinval(tuple, desc, 6, &is_null));
    read_slots(tuple, desc, event);
    event->signal_rewards = SPI_getvalue(tuple, desc, 10);
    Datum segment = SPI_getbinval(tuple, desc, 11, &is_null);
    event->segment = is_null ? nullptr : TextDatumGetCString(segment);
    read_slot_signal_rewards(tuple, desc, event);
  }
  MemoryContextSwitchTo(spi);
  SPI_freetuptable(SPI_tuptable);
}

void report_progress(const char* label, int64 events) {
  ereport(NOTICE, (errmsg("%s: " INT64_FORMAT " logged events replayed so far", label, events)));
}

// The features one replayed arm sees: the shared ones, or its own when it
// leaves something out.
struct ArmFeatures {
  DocumentAblation context;
  DocumentAblation action;
  bool drop_action_id = false;
  bool ablates() const { return !context.empty() || !action.empty() || drop_action_id; }
  FeatureSet own_context;
  std::vector<FeatureSet> own_actions;
};

// Per-slot and page estimates of a target policy over the events ranked with
// slots. Slot j's weight is the product of the target's and the logging
// policy's probabilities of the slots 1..j as logged (each conditional on the
// slots above it): exact for a slot's reward that depends on what is shown in
// it and above it. The page's value is the sum of its slots'.
struct SlotPolicy {
  std::vector<OffPolicyEstimator> slots;
  RunningMean page;

  // target(j, above): the target's probability of the action logged in slot
  // j, given the actions placed above it.
  template <typename Target>
  void add(const LoggedEvent& event, const std::vector<uint32_t>& placed, const EstimatorSettings& settings,
           Target target) {
    while (slots.size() < placed.size()) slots.emplace_back(settings);
    double logged = 1.0, weight = 1.0, page_value = 0.0;
    for (size_t j = 0; j < placed.size(); ++j) {
      const std::vector<uint32_t> above(placed.begin(), placed.begin() + static_cast<std::ptrdiff_t>(j));
      const double reward = event.slot_rewards[j];
      logged *= event.slot_probabilities[j];
      weight *= target(j, above);
      slots[j].add({reward, logged, weight, 0.0, 0.0});
      page_value += std::min(weight / logged, settings.max_weight) * reward;
    }
    page.add(page_value);
  }

  // "<policy>:slot<j>" (IPS and SNIPS; no direct method: no model scores a
  // position) and "<policy>:page" (IPS).
  void add_rows(const std::string& policy, double z, std::vector<EvaluationRow>& rows) const {
    if (page.count() == 0) return;
    for (size_t j = 0; j < slots.size(); ++j) {
      const std::string slot = policy + ":slot" + std::to_string(j + 1);
      rows.push_back({slot, "ips", slots[j].ips()});
      rows.push_back({slot, "snips", slots[j].snips()});
    }
    rows.push_back({policy + ":page", "ips", page.estimate(z)});
  }
};

struct ArmState {
  const ReplayArm* arm;
  std::unique_ptr<Model> model;
  OffPolicyEstimator estimator;
  RunningMean difference;  // DR term of the first arm minus this arm's
  RunningMean improvement;  // this arm's DR term minus the logged reward
  ArmFeatures features;
  std::vector<double> scores;
  SlotPolicy slots;  // with pz_evaluate's fixed policies only (pz_optimize reads arm rows by position)
};

ArmFeatures features_for(const ReplayArm& arm) {
  ArmFeatures features;
  for (const Ablation& ablation : arm.ablations) {
    if (!ablation.context && ablation.name == kActionIdNamespace && ablation.key.empty()) {
      features.drop_action_id = true;
      continue;
    }
    DocumentAblation& side = ablation.context ? features.context : features.action;
    if (ablation.key.empty())
      side.namespaces.push_back(ablation.name);
    else
      side.keys.emplace_back(ablation.name, ablation.key);
  }
  return features;
}

// Direct-method predictions are model scores cut to the range of the rewards
// seen so far (before the event, so the prediction stays independent of its
// reward; nothing seen yet: 0). A linear model extrapolates, and a click
// model that predicts -0.3 is certainly wrong by that much; uncut, such
// predictions make doubly robust estimates far noisier than IPS.
class RewardRange {
 public:
  double cut(double score) const { return std::min(high_, std::max(low_, score)); }
  void see(double reward) {
    low_ = seen_ ? std::min(low_, reward) : reward;
    high_ = seen_ ? std::max(high_, reward) : reward;
    seen_ = true;
  }

 private:
  bool seen_ = false;
  double low_ = 0.0;
  double high_ = 0.0;
};

double expected_prediction(const RewardRange& range, const std::vector<double>& probabilities,
                           const std::vector<double>& scores) {
  double total = 0.0;
  for (size_t i = 0; i < scores.size(); ++i) total += probabilities[i] * range.cut(scores[i]);
  return total;
}

double mean_prediction(const RewardRange& range, const std::vector<double>& scores) {
  double total = 0.0;
  for (double v : scores) total += range.cut(v);
  return scores.empty() ? 0.0 : total / static_cast<double>(scores.size());
}

// The fixed policies' estimators over one segment of the log.
struct SegmentState {
  RunningMean online;
  OffPolicyEstimator random;
  OffPolicyEstimator current;
};

// The fixed policies' per-slot and page estimates.
struct SlotEstimates {
  std::vector<RunningMean> online;
  RunningMean online_page;
  SlotPolicy random;
  SlotPolicy current;
};

// Everything one pass accumulates.
class Replay {
 public:
  explicit Replay(const EvaluationRequest& request);
  void add(const LoggedEvent& event);
  std::vector<EvaluationRow> rows() const;
  std::vector<SegmentRow> segments() const;

 private:
  void add_fixed(const LoggedEvent& event, const std::vector<Candidate>& candidates, size_t chosen);
  void add_segment(const LoggedEvent& event, const LoggedOutcome& random,
                   const LoggedOutcome& current);
  // The actions shown in the event's slots, as indices into its candidates.
  void place_slots(const LoggedEvent& event, const std::vector<Candidate>& candidates);
  void add_slots(const LoggedEvent& event, const std::vector<Candidate>& candidates);
  // Returns the arm's doubly robust term for the event.
  double add_arm(ArmState& state, const LoggedEvent& event,
                 const std::vector<Candidate>& candidates, size_t chosen, double first_term);

  const EvaluationRequest& request_;
  std::unique_ptr<Model> reference_;  // the loop's settings replayed: the DM of the fixed policies
  std::unique_ptr<Model> current_;
  ExplorationSettings greedy_;
  RunningMean online_;
  OffPolicyEstimator baseline_;
  OffPolicyEstimator random_;
  OffPolicyEstimator current_estimator_;
  std::vector<ArmState> arms_;
  // By the context's value at the segment path; none (nullopt) sorts first.
  std::map<std::optional<std::string>, SegmentState> segments_;
  FeatureSet context_;
  std::vector<FeatureSet> actions_;
  std::vector<double> reference_scores_;
  std::vector<double> current_scores_;
  RewardRange range_;
  SlotEstimates slots_;
  std::vector<uint32_t> placed_;  // the event's slots; empty without slots
};

Replay::Replay(const EvaluationRequest& request)
    : request_(request),
      baseline_(request.estimator),
      random_(request.estimator),
      current_estimator_(request.estimator) {
  greedy_.algorithm = Algorithm::kEpsilonGreedy;
  greedy_.epsilon = 0.0;
  if (request.fixed_policies) {
    reference_ =
        std::make_unique<Model>(request.loop_settings.space, request.loop_settings.learner);
    if (request.current_model) {
      current_ = std::make_unique<Model>(
          deserialize_model(*request.current_model, request.loop_settings.space,
                            request.loop_settings.learner, ModelUse::kScoring));
    } else {
      current_ = std::make_unique<Model>(request.loop_settings.space, request.loop_settings.learner,
                                         ModelUse::kScoring);
    }
  }
  // Every replayed model lives in this backend at once, outside PostgreSQL's
  // memory accounting: refuse a request that could not fit rather than let
  // the operating system kill the server process.
  size_t model_bytes = 0;
  for (const ReplayArm& arm : request.arms)
    model_bytes += Model::weight_bytes(arm.settings.space.bits, ModelUse::kLearning);
  if (model_bytes > kReplayMemoryLimit)
    throw SqlError(ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                   "the candidates' models would take " + std::to_string(model_bytes >> 20) +
                       " MB, more than the 4096 MB an evaluation may use",
                   "Replay fewer candidates at once, or candidates with fewer bits.");
  arms_.reserve(request.arms.size());
  for (const ReplayArm& arm : request.arms) {
    arms_.push_back(ArmState{&arm,
                             std::make_unique<Model>(arm.settings.space, arm.settings.learner),
                             OffPolicyEstimator(request.estimator),
                             RunningMean{},
                             RunningMean{},
                             features_for(arm),
                             {},
                             {}});
  }
}

void Replay::add(const LoggedEvent& event) {
  std::vector<Candidate> candidates = parse_candidates(event.actions, RankOptions{});
  size_t chosen = candidates.size();
  for (size_t i = 0; i < candidates.size(); ++i)
    if (candidates[i].id == event.chosen_action) chosen = i;
  if (chosen == candidates.size())
    throw SqlError(ERRCODE_DATA_CORRUPTED,
                   "the chosen action of a logged event is not among its actions");
  if (!(event.probability > 0.0 && event.probability <= 1.0))
    throw SqlError(ERRCODE_DATA_CORRUPTED,
                   "a logged event has no probability in (0, 1] for its chosen action");

  context_.clear();
  featurize_context(event.context, context_);
  if (actions_.size() < candidates.size()) actions_.resize(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i)
    featurize_action(event.actions, candidates[i], actions_[i]);
  actions_.resize(candidates.size());
  placed_.clear();
  if (request_.fixed_policies) place_slots(event, candidates);

  if (request_.fixed_policies) add_fixed(event, candidates, chosen);
  double first_term = 0.0;
  for (size_t a = 0; a < arms_.size(); ++a) {
    const double term = add_arm(arms_[a], event, candidates, chosen, first_term);
    if (a == 0) first_term = term;
  }
  range_.see(event.reward);
}

void Replay::add_fixed(const LoggedEvent& event, const std::vector<Candidate>& candidates,
                       size_t chosen) {
  const double n = static_cast<double>(actions_.size());
  online_.add(event.reward);
  reference_->score_all(context_, actions_, reference_scores_);
  const double logged_prediction = range_.cut(reference_scores_[chosen]);

  const LoggedOutcome random{event.reward, event.probability, 1.0 / n,
                             mean_prediction(range_, reference_scores_), logged_prediction};
  random_.add(random);

  if (event.baseline != nullptr) {
    // A baseline that is not among the logged actions cannot be evaluated.
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i].id != event.baseline) continue;
      baseline_.add({event.reward, event.probability, i == chosen ? 1.0 : 0.0,
                     range_.cut(reference_scores_[i]), logged_prediction});
      break;
    }
  }

  current_->score_all(context_, actions_, current_scores_);
  std::vector<double> greedy = action_probabilities(greedy_, current_scores_, current_->examples());
  const LoggedOutcome current{event.reward, event.probability, greedy[chosen],
                              expected_prediction(range_, greedy, reference_scores_),
                              logged_prediction};
  current_estimator_.add(current);

  if (request_.segment_path) add_segment(event, random, current);
  if (!placed_.empty()) add_slots(event, candidates);

  reference_->learn(context_, actions_[chosen], event.reward, event.probability, actions_.size());
}

void Replay::add_segment(const LoggedEvent& event, const LoggedOutcome& random,
                         const LoggedOutcome& current) {
  std::optional<std::string> key;
  if (event.segment != nullptr) key.emplace(event.segment);
  auto found = segments_.find(key);
  if (found == segments_.end()) {
    if (segments_.size() == kMaxSegments)
      throw SqlError(
          ERRCODE_PROGRAM_LIMIT_EXCEEDED,
          "the segment path has more than " + std::to_string(kMaxSegments) +
              " distinct values in the log",
          "Segment by a path with fewer values, such as a segment or a device rather than an id.");
    found = segments_
                .emplace(std::move(key),
                         SegmentState{RunningMean{}, OffPolicyEstimator(request_.estimator),
                                      OffPolicyEstimator(request_.estimator)})
                .first;
  }
  found->second.online.add(event.reward);
  found->second.random.add(random);
  found->second.current.add(current);
}

void Replay::place_slots(const LoggedEvent& event, const std::vector<Candidate>& candidates) {
  for (size_t j = 0; j < static_cast<size_t>(event.slots); ++j) {
    size_t index = candidates.size();
    for (size_t i = 0; i < candidates.size(); ++i)
      if (candidates[i].id == event.slot_ids[j]) index = i;
    if (index == candidates.size())
      throw SqlError(ERRCODE_DATA_CORRUPTED, "an action shown in a slot of a logged event is not among its actions");
    if (!(event.slot_probabilities[j] > 0.0 && event.slot_probabilities[j] <= 1.0))
      throw SqlError(ERRCODE_DATA_CORRUPTED, "a logged event has no probability in (0, 1] for a slot");
    placed_.push_back(static_cast<uint32_t>(index));
  }
}

void Replay::add_slots(const LoggedEvent& event, const std::vector<Candidate>& candidates) {
  while (slots_.online.size() < placed_.size()) slots_.online.emplace_back();
  double online_page = 0.0;
  for (size_t j = 0; j < placed_.size(); ++j) {
    slots_.online[j].add(event.slot_rewards[j]);
    online_page += event.slot_rewards[j];
  }
  slots_.online_page.add(online_page);
  const double n = static_cast<double>(candidates.size());
  slots_.random.add(event, placed_, request_.estimator,
                    [n](size_t j, const std::vector<uint32_t>&) { return 1.0 / (n - static_cast<double>(j)); });
  slots_.current.add(event, placed_, request_.estimator, [&](size_t j, const std::vector<uint32_t>& above) {
    return remaining_probabilities(greedy_, current_scores_, above, current_->examples())[placed_[j]];
  });
}

double Replay::add_arm(ArmState& state, const LoggedEvent& event,
                       const std::vector<Candidate>& candidates, size_t chosen, double first_term) {
  const FeatureSet* context = &context_;
  const std::vector<FeatureSet>* actions = &actions_;
  ArmFeatures& features = state.features;
  if (features.ablates()) {
    featurize_context_without(event.context, features.context, features.own_context);
    features.own_actions.resize(candidates.size());
    for (size_t i = 0; i < candidates.size(); ++i)
      featurize_action_without(event.actions, candidates[i], features.action,
                               features.drop_action_id, features.own_actions[i]);
    context = &features.own_context;
    actions = &features.own_actions;
  }
  Model& model = *state.model;
  model.score_all(*context, *actions, state.scores);
  std::vector<double> probabilities =
      action_probabilities(state.arm->settings.exploration, state.scores, model.examples());
  LoggedOutcome outcome{event.reward, event.probability, probabilities[chosen],
                        expected_prediction(range_, probabilities, state.scores),
                        range_.cut(state.scores[chosen])};
  state.estimator.add(outcome);
  if (!placed_.empty()) {
    state.slots.add(event, placed_, request_.estimator, [&](size_t j, const std::vector<uint32_t>& above) {
      return remaining_probabilities(state.arm->settings.exploration, state.scores, above, model.examples())[placed_[j]];
    });
  }
  const double term = doubly_robust_term(outcome, request_.estimator.max_weight);
  if (state.arm->compare_to_first) state.difference.add(first_term - term);
  if (state.arm->compare_to_online) state.improvement.add(term - event.reward);
  model.learn(*context, (*actions)[chosen], event.reward, event.probability, actions->size());
  return term;
}

std::vector<EvaluationRow> Replay::rows() const {
  std::vector<EvaluationRow> rows;
  auto add_all = [&rows](const std::string& policy, const OffPolicyEstimator& estimator) {
    rows.push_back({policy, "ips", estimator.ips()});
    rows.push_back({policy, "snips", estimator.snips()});
    rows.push_back({policy, "dr", estimator.doubly_robust()});
  };
  const double z = request_.estimator.z;
  if (request_.fixed_policies) {
    rows.push_back({"online", "average", online_.estimate(z)});
    if (baseline_.events() > 0) add_all("baseline", baseline_);
    add_all("random", random_);
    add_all("current", current_estimator_);
    // Per slot ("random:slot2") and per page ("random:page").
    for (size_t j = 0; j < slots_.online.size(); ++j)
      rows.push_back({"online:slot" + std::to_string(j + 1), "average", slots_.online[j].estimate(z)});
    if (slots_.online_page.count() > 0)
      rows.push_back({"online:page", "average", slots_.online_page.estimate(z)});
    slots_.random.add_rows("random", z, rows);
    slots_.current.add_rows("current", z, rows);
  }
  for (const ArmState& state : arms_) {
    add_all(state.arm->name, state.estimator);
    if (state.arm->compare_to_first)
      rows.push_back({state.arm->name, "dr_difference", state.difference.estimate(z)});
    if (state.arm->compare_to_online)
      rows.push_back({state.arm->name, "dr_improvement", state.improvement.estimate(z)});
    state.slots.add_rows(state.arm->name, z, rows);
  }
  return rows;
}

std::vector<SegmentRow> Replay::segments() const {
  const double z = request_.estimator.z;
  const Estimate whole_current = current_estimator_.doubly_robust();
  std::vector<SegmentRow> rows;
  for (const auto& [key, state] : segments_) {
    SegmentRow row;
    row.has_segment = key.has_value();
    if (key) row.segment = *key;
    row.events = state.online.count();
    row.online = state.online.estimate(z);
    row.random = state.random.doubly_robust();
    row.current = cohort_estimate(state.current.doubly_robust(), whole_current, z, kLowestReward,
                                  kHighestReward);
    rows.push_back(std::move(row));
  }
  // The events without a value last, after the named segments.
  if (!rows.empty() && !rows.front().has_segment)
    std::rotate(rows.begin(), rows.begin() + 1, rows.end());
  return rows;
}

// One pass of `replay` over the request's window of the log.
void replay_log(const EvaluationRequest& request, Replay& replay) {
  MemoryContext batch_context = nullptr;
  Portal portal = nullptr;
  pg_call([&] {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
    batch_context =
        AllocSetContextCreate(CurrentMemoryContext, "pz evaluation batch", ALLOCSET_DEFAULT_SIZES);
    portal = open_logged_events(&request);
  });
  int64 replayed = 0;
  auto last_report = std::chrono::steady_clock::now();
  for (;;) {
    EventBatch batch;
    pg_call([&] {
      MemoryContextReset(batch_context);
      fetch_logged_events(portal, batch_context, &batch);
    });
    if (batch.count == 0) break;
    for (int i = 0; i < batch.count; ++i) {
      LoggedEvent& event = batch.events[i];
      if (request.rescore) {
        const double default_reward = request.loop_settings.rewards.default_reward;
        event.reward = objective_reward(*request.rescore,
                                        event.signal_rewards != nullptr ? event.signal_rewards : "")
                           .value_or(default_reward);
        for (int j = 0; j < event.slots; ++j) {
          const char* signals = event.slot_signal_rewards != nullptr ? event.slot_signal_rewards[j] : nullptr;
          event.slot_rewards[j] =
              objective_reward(*request.rescore, signals != nullptr ? signals : "").value_or(default_reward);
        }
      }
      replay.add(event);
    }
    replayed += batch.count;
    if (std::chrono::steady_clock::now() - last_report >= kProgressEvery) {
      last_report = std::chrono::steady_clock::now();
      pg_call([&] { report_progress(request.progress_label, replayed); });
    }
  }
  pg_call([&] {
    SPI_cursor_close(portal);
    MemoryContextDelete(batch_context);
    SPI_finish();
  });
}

}  // namespace

std::vector<EvaluationRow> evaluate_log(const EvaluationRequest& request) {
  Replay replay(request);
  replay_log(request, replay);
  return replay.rows();
}

std::vector<SegmentRow> evaluate_segments(const EvaluationRequest& request) {
  Replay replay(request);
  replay_log(request, replay);
  return replay.segments();
}

}  // namespace pz::pg
