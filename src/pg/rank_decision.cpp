#include "pg/rank_decision.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/hashing.hpp"
#include "pg/event_log.hpp"
#include "pg/featurize.hpp"
#include "pg/guard.hpp"
#include "pg/scratch_context.hpp"
#include "pg/subjects.hpp"

namespace pz::pg {

namespace {

// Strong random bytes fetched a page at a time: one pg_strong_random call
// per event id cost a few percent of a rank call. Refilled in each process
// that uses it (a forked child must not replay its parent's bytes).
bool take_strong_random(uint8_t* out, size_t length) {
  static uint8_t pool[4096];
  static size_t used = sizeof(pool);
  static int filled_by = 0;
  if (filled_by != MyProcPid || used + length > sizeof(pool)) {
    if (!pg_strong_random(pool, sizeof(pool))) return false;
    used = 0;
    filled_by = MyProcPid;
  }
  memcpy(out, pool + used, length);
  used += length;
  return true;
}

pg_uuid_t new_event_id(const RankOptions& options) {
  pg_uuid_t id;
  if (!options.event_id.empty()) {
    pg_call([&] {
      pg_uuid_t* parsed =
          DatumGetUUIDP(DirectFunctionCall1(uuid_in, CStringGetDatum(options.event_id.c_str())));
      id = *parsed;
    });
    return id;
  }
  // Version 7 (RFC 9562): the first 48 bits are the Unix time in milliseconds,
  // the rest random. Ids that grow with time keep the inserts into the
  // primary key, and the trainer's updates of recent events, on the few index
  // pages at its right edge instead of all over it.
  bool random_ok = false;
  TimestampTz now = 0;
  pg_call([&] {
    // The first 6 bytes are the time (below).
    random_ok = take_strong_random(id.data + 6, UUID_LEN - 6);
    now = GetCurrentTimestamp();
  });
  if (!random_ok) throw SqlError(ERRCODE_INTERNAL_ERROR, "could not generate a random event id");
  const uint64_t unix_ms =
      static_cast<uint64_t>(now / 1000 + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) *
                                             static_cast<int64_t>(SECS_PER_DAY) * 1000);
  for (int i = 0; i < 6; ++i) id.data[i] = static_cast<uint8_t>(unix_ms >> (8 * (5 - i)));
  id.data[6] = (id.data[6] & 0x0f) | 0x70;  // version 7
  id.data[8] = (id.data[8] & 0x3f) | 0x80;  // RFC 9562 variant
  return id;
}

// The loop's policy, or with options.exploration an epsilon-greedy one with
// that epsilon for this decision only (0: the model's best, with certainty).
ExplorationSettings decision_policy(const ExplorationSettings& loop, const RankOptions& options) {
  if (!options.has_exploration) return loop;
  ExplorationSettings policy = loop;
  policy.algorithm = Algorithm::kEpsilonGreedy;
  policy.epsilon = options.exploration;
  return policy;
}

// Apprentice mode shows the application's own choice (the baseline, else the
// first action given) and logs it as chosen with certainty.
// With slots, the other slots are the next actions in the order given, each
// shown with certainty too.
void follow_baseline(const std::vector<Candidate>& candidates, const RankOptions& options,
                     Decision& decision) {
  uint32_t shown = 0;
  for (uint32_t i = 0; i < candidates.size(); ++i)
    if (options.has_baseline && candidates[i].id == options.baseline) shown = i;
  std::vector<uint32_t> ranking{shown};
  const size_t slots = decision.slot_probabilities.size();
  for (uint32_t i = 0; ranking.size() < slots; ++i)
    if (i != shown) ranking.push_back(i);
  std::vector<bool> placed(candidates.size(), false);
  for (uint32_t index : ranking) placed[index] = true;
  for (uint32_t index : decision.ranking)
    if (!placed[index]) ranking.push_back(index);
  decision.ranking = std::move(ranking);
  decision.probabilities.assign(candidates.size(), 0.0);
  decision.probabilities[shown] = 1.0;
  decision.slot_probabilities.assign(slots, 1.0);
}

// PostgreSQL side (plain C: may ereport anywhere).
void emit_rows(FunctionCallInfo fcinfo, const pg_uuid_t* event_id,
               const std::vector<Candidate>& candidates, const std::vector<double>& scores,
               const Decision& decision, const Datum* items) {
  ReturnSetInfo* result = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  // One text value rewritten for each row (tuplestore_putvalues copies it),
  // not one allocated per candidate.
  size_t longest_id = 0;
  for (const Candidate& candidate : candidates) longest_id = std::max(longest_id, candidate.id.size());
  text* action_id = static_cast<text*>(palloc(VARHDRSZ + longest_id));
  for (size_t rank = 0; rank < decision.ranking.size(); ++rank) {
    uint32_t index = decision.ranking[rank];
    const Candidate& candidate = candidates[index];
    Datum values[6];
    bool nulls[6] = {event_id == nullptr, false, false, false, false, false};
    values[0] = event_id == nullptr ? 0 : UUIDPGetDatum(const_cast<pg_uuid_t*>(event_id));
    SET_VARSIZE(action_id, VARHDRSZ + candidate.id.size());
    memcpy(VARDATA(action_id), candidate.id.data(), candidate.id.size());
    values[1] = PointerGetDatum(action_id);
    values[2] = Int32GetDatum(static_cast<int32>(rank + 1));
    // A slot's own probability; below the slots, the one of being at rank 1.
    values[3] = Float8GetDatum(rank < decision.slot_probabilities.size() ? decision.slot_probabilities[rank]
                                                                          : decision.probabilities[index]);
    values[4] = Float8GetDatum(scores[index]);
    values[5] = items == nullptr ? 0 : items[candidate.element];
    tuplestore_putvalues(result->setResult, result->setDesc, values, nulls);
  }
  pfree(action_id);
}

}  // namespace

void check_loop_and_context(const char* loop, Jsonb* context) {
  if (loop == nullptr) throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "loop must not be null");
  if (context == nullptr)
    throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "context must not be null",
                   "Pass '{}' for no context.");
}

RankOptions read_context_and_options(Jsonb* context, Jsonb* options, FeatureSet& context_features) {
  featurize_context(tokenize_jsonb(context), context_features);
  return parse_rank_options(options == nullptr ? JsonTokens{} : tokenize_jsonb(options));
}

const std::vector<FeatureSet>& featurize_candidates(JsonTokens tokens,
                                                    const std::vector<Candidate>& candidates) {
  // Reused between calls: featurizing thousands of actions then allocates nothing.
  static std::vector<FeatureSet> pool;
  pool.resize(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) featurize_action(tokens, candidates[i], pool[i]);
  return pool;
}

RankOutcome decide_and_log(const RankInput& input,
                           const std::function<LoggedActions()>& log_actions) {
  const CachedLoop& loop = *input.loop;
  const RankOptions& options = *input.options;
  RankOutcome outcome;
  loop.model->score_all(*input.context_features, *input.actions, outcome.scores);

  outcome.event_id = new_event_id(options);
  outcome.decision = decide(decision_policy(loop.settings.exploration, options), outcome.scores, loop.model->examples(),
                            seed_from_bytes(outcome.event_id.data, UUID_LEN), static_cast<size_t>(options.slots));
  if (loop.apprentice) follow_baseline(*input.candidates, options, outcome.decision);

  outcome.logged = options.learn;
  if (options.learn) {
    ScratchScope scratch;
    LoggedActions logged = log_actions();
    EventRecord record{outcome.event_id,
                       loop.loop_id,
                       loop.model_version,
                       input.context,
                       logged.actions,
                       logged.count,
                       input.candidates,
                       &outcome.scores,
                       &outcome.decision,
                       !options.deferred,
                       options.has_baseline ? &options.baseline : nullptr,
                       options.subject.empty() ? nullptr : subject_hash(options.subject),
                       !options.event_id.empty(),
                       logged.hashes};
    insert_event(record);
  }
  return outcome;
}

void emit_ranking(FunctionCallInfo fcinfo, const RankOutcome& outcome,
                  const std::vector<Candidate>& candidates, const Datum* items) {
  pg_call([&] {
    emit_rows(fcinfo, outcome.logged ? &outcome.event_id : nullptr, candidates, outcome.scores,
              outcome.decision, items);
  });
}

}  // namespace pz::pg
