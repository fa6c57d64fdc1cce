// The decision path that pz_rank (actions as jsonb) and pz_rank_rows (actions
// as rows) share once each has read its candidates: score with the loop's
// model, explore, log the decision, return the ranking.
#pragma once

#include <functional>
#include <vector>

#include "core/features.hpp"
#include "core/policy.hpp"
#include "pg/jsonb_tokens.hpp"
#include "pg/loop_cache.hpp"
#include "pg/postgres.hpp"
#include "pg/rank_request.hpp"

namespace pz::pg {

// What a rank call has read and checked.
struct RankInput {
  const CachedLoop* loop;
  Jsonb* context;  // as given, for the log
  const FeatureSet* context_features;
  const RankOptions* options;
  const std::vector<Candidate>* candidates;
  const std::vector<FeatureView>* actions;  // by candidate
};

// The candidates as they are logged in pz.events.actions: a jsonb array and
// how many elements it has (when more than the candidates, the excluded ones
// are left out by their Candidate::element).
struct LoggedActions {
  Jsonb* actions;
  size_t count;
  const int64* hashes = nullptr;  // each element's content hash, when known (else computed)
};

struct RankOutcome {
  pg_uuid_t event_id;
  bool logged;
  std::vector<double> scores;  // by candidate
  Decision decision;
};

// Freed heap a backend that ranks keeps for its next calls (see
// pg/freed_memory.hpp): a call over 5,000 actions spent a third of its time
// faulting in and unmapping the memory of its result rows.
constexpr size_t kRankFreedMemory = 64 * 1024 * 1024;

// Throws SqlError (22004) for a NULL loop name or context.
void check_loop_and_context(const char* loop, Jsonb* context);

// The context's features and the options, read alike by both forms.
RankOptions read_context_and_options(Jsonb* context, Jsonb* options, FeatureSet& context_features);

// The features of each candidate, read from `tokens` (actions as jsonb or as
// rows). Reuses its storage between calls.
const std::vector<FeatureView>& featurize_candidates(JsonTokens tokens,
                                                     const std::vector<Candidate>& candidates);

// Scores, explores and, unless options.learn is false, logs the event with
// the actions `log_actions` gives (called only then).
RankOutcome decide_and_log(const RankInput& input,
                           const std::function<LoggedActions()>& log_actions);

// Returns the ranking as the function's rows: event_id (NULL when nothing was
// logged), action_id, rank, probability, score, and with `items` (by
// Candidate::element) a sixth column, the candidate itself.
void emit_ranking(FunctionCallInfo fcinfo, const RankOutcome& outcome,
                  const std::vector<Candidate>& candidates, const Datum* items);

}  // namespace pz::pg
