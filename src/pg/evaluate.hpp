// Offline evaluation of a loop's decision log: one streaming pass over the
// joined events (SPI cursor, in event order) that estimates the value of
// fixed policies (online, baseline, random, current model) and of replayed
// learning settings (progressive validation: each event is scored before the
// replayed model learns it, starting from an empty model).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/estimators.hpp"
#include "core/objective.hpp"
#include "core/settings.hpp"
#include "pg/postgres.hpp"

namespace pz::pg {

// A namespace (top-level key) left out of the features, or one key of it.
struct Ablation {
  bool context;      // of the context, else of the action features
  std::string name;  // the namespace
  std::string key;   // empty: the whole namespace; else one key inside it
};

// One set of learning settings replayed over the log.
struct ReplayArm {
  std::string name;
  LoopSettings settings;
  std::vector<Ablation> ablations;
  // Also report the event-by-event DR difference "first arm minus this one"
  // (a paired interval: much tighter than comparing two intervals).
  bool compare_to_first = false;
  // Also report "dr_improvement": this arm's DR term minus the logged reward,
  // event by event, i.e. its gain over the online policy (paired interval).
  bool compare_to_online = false;
};

struct EvaluationRequest {
  int32 loop_id = 0;
  LoopSettings loop_settings;
  std::optional<std::string> current_model;  // serialized; none: untrained
  bool has_since = false;
  TimestampTz since = 0;
  bool has_until = false;
  TimestampTz until = 0;
  bool fixed_policies = true;  // online, baseline, random, current
  std::vector<ReplayArm> arms;
  EstimatorSettings estimator;
  // Re-score every event under this objective from its raw rewards (with the
  // loop's reward_aggregation and default_reward); none: the joined rewards.
  std::optional<Objective> rescore;
  // pz_segments: the context path whose value splits the log (none: no split).
  std::optional<std::vector<std::string>> segment_path;
  const char* progress_label = "pz offline evaluation";  // shared by the three SQL functions
};

struct EvaluationRow {
  std::string policy;
  std::string estimator;  // average, ips, snips, dr, dr_difference, dr_improvement
  Estimate estimate;
};

// One segment of the log: the events whose context has one value at the
// segment path (or none: has_segment false).
struct SegmentRow {
  bool has_segment = false;
  std::string segment;
  uint64_t events = 0;
  Estimate online;   // average logged reward
  Estimate random;   // uniform random, doubly robust
  Estimate current;  // the current model (greedy), doubly robust, cohort interval
  // The current model is not above random here (by the point estimates).
  bool not_above_random() const {
    return current.has_value && random.has_value && current.value <= random.value;
  }
};

// Runs inside a transaction; connects SPI itself. NOTICEs report progress
// every 10 seconds of a long run.
std::vector<EvaluationRow> evaluate_log(const EvaluationRequest& request);

// The fixed policies per segment (request.segment_path set; the arms are not
// replayed), in the order of the segments' text, the events without a value last.
std::vector<SegmentRow> evaluate_segments(const EvaluationRequest& request);

}  // namespace pz::pg
