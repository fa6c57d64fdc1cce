// One join-and-train step of a loop: the events whose reward wait has passed
// get their aggregated reward (or the default, or are skipped), the current
// model learns them in event order, and the new model version is stored and
// made current, all in the caller's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pz::pg {

struct TrainCounts {
  std::string loop;
  int64_t joined = 0;     // events closed by this step (learned + skipped + quarantined)
  int64_t learned = 0;    // examples learned: rewarded + defaulted
  int64_t rewarded = 0;   // with at least one reward by the time they were joined
  int64_t defaulted = 0;  // no reward came: learned with the loop's default_reward
  int64_t skipped = 0;    // deferred and never activated: not learned
  int64_t quarantined = 0;   // could not be learned: not learned, never retried
  int64_t late_rewards = 0;  // rewards of the events skipped or quarantined by this step
  int64_t model_version = 0;  // current after the step
  int64_t examples = 0;       // examples learned by that model in total
  bool more_due = false;      // the batch limit stopped the step early
};

// Runs inside an open transaction with a snapshot (SPI is connected inside).
// Locks the loop's row for the step, so two trainers of one loop serialize.
// Throws SqlError 42704 for an unknown loop.
TrainCounts train_loop(const std::string& loop_name, int64_t max_events);

// Rebuilds the loop's model from scratch (pz_retrain): the untrained model
// learns, in event order, the kept events joined as rewarded or defaulted and
// created at or after `since` (a timestamptz; all when empty), each with the
// reward it was joined with; the result is stored as a new version and made
// current. The events are left as they are. Same transaction and lock rules
// as train_loop; the counts are learned, model_version and examples.
TrainCounts retrain_loop(const std::string& loop_name, std::optional<int64_t> since);

// The counts as JSON text, as pz_train returns them.
std::string train_counts_json(const TrainCounts& counts);
// The counts of retrain_loop as JSON text, as pz_retrain returns them.
std::string retrain_counts_json(const TrainCounts& counts);

}  // namespace pz::pg
