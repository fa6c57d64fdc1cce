// pz_rank(loop, context, actions, options): featurize, score with the loop's
// current model, explore, log the decision, return every action ranked.
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/features.hpp"
#include "core/hashing.hpp"
#include "core/policy.hpp"
#include "pg/event_log.hpp"
#include "pg/featurize.hpp"
#include "pg/guard.hpp"
#include "pg/jsonb_tokens.hpp"
#include "pg/loop_cache.hpp"
#include "pg/rank_request.hpp"

namespace pz::pg {

namespace {

struct RankArguments {
  char* loop;  // NULL when the argument is NULL
  Jsonb* context;
  Jsonb* actions;
  Jsonb* options;
};

// PostgreSQL side (plain C: may ereport anywhere).
void read_arguments(FunctionCallInfo fcinfo, RankArguments* args) {
  InitMaterializedSRF(fcinfo, 0);
  args->loop = PG_ARGISNULL(0) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(0));
  args->context = PG_ARGISNULL(1) ? nullptr : PG_GETARG_JSONB_P(1);
  args->actions = PG_ARGISNULL(2) ? nullptr : PG_GETARG_JSONB_P(2);
  args->options = PG_ARGISNULL(3) ? nullptr : PG_GETARG_JSONB_P(3);
}

pg_uuid_t new_event_id(const RankOptions& options) {
  pg_uuid_t id;
  if (!options.event_id.empty()) {
    pg_call([&] {
      pg_uuid_t* parsed = DatumGetUUIDP(DirectFunctionCall1(uuid_in, CStringGetDatum(options.event_id.c_str())));
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
    random_ok = pg_strong_random(id.data, UUID_LEN);
    now = GetCurrentTimestamp();
  });
  if (!random_ok) throw SqlError(ERRCODE_INTERNAL_ERROR, "could not generate a random event id");
  const uint64_t unix_ms = static_cast<uint64_t>(
      now / 1000 + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * static_cast<int64_t>(SECS_PER_DAY) * 1000);
  for (int i = 0; i < 6; ++i) id.data[i] = static_cast<uint8_t>(unix_ms >> (8 * (5 - i)));
  id.data[6] = (id.data[6] & 0x0f) | 0x70;  // version 7
  id.data[8] = (id.data[8] & 0x3f) | 0x80;  // RFC 9562 variant
  return id;
}

// Apprentice mode shows the application's own choice (the baseline, else the
// first action given) and logs it as chosen with certainty.
void follow_baseline(const std::vector<Candidate>& candidates, const RankOptions& options, Decision& decision) {
  uint32_t shown = 0;
  for (uint32_t i = 0; i < candidates.size(); ++i)
    if (options.has_baseline && candidates[i].id == options.baseline) shown = i;
  std::vector<uint32_t> ranking{shown};
  for (uint32_t index : decision.ranking)
    if (index != shown) ranking.push_back(index);
  decision.ranking = std::move(ranking);
  decision.probabilities.assign(candidates.size(), 0.0);
  decision.probabilities[shown] = 1.0;
}

void emit_rows(FunctionCallInfo fcinfo, const pg_uuid_t* event_id, const std::vector<Candidate>& candidates,
               const std::vector<double>& scores, const Decision& decision) {
  ReturnSetInfo* result = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  for (size_t rank = 0; rank < decision.ranking.size(); ++rank) {
    uint32_t index = decision.ranking[rank];
    const std::string& id = candidates[index].id;
    Datum values[5];
    bool nulls[5] = {event_id == nullptr, false, false, false, false};
    values[0] = event_id == nullptr ? 0 : UUIDPGetDatum(const_cast<pg_uuid_t*>(event_id));
    values[1] = PointerGetDatum(cstring_to_text_with_len(id.data(), static_cast<int>(id.size())));
    values[2] = Int32GetDatum(static_cast<int32>(rank + 1));
    values[3] = Float8GetDatum(decision.probabilities[index]);
    values[4] = Float8GetDatum(scores[index]);
    tuplestore_putvalues(result->setResult, result->setDesc, values, nulls);
  }
}

// Reused between calls: featurizing thousands of actions then allocates nothing.
std::vector<FeatureSet>& action_feature_pool() {
  static std::vector<FeatureSet> pool;
  return pool;
}

}  // namespace

}  // namespace pz::pg

PZ_SQL_FUNCTION(pz_rank) {
  RankArguments args;
  pg_call([&] { read_arguments(fcinfo, &args); });
  if (args.loop == nullptr) throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "loop must not be null");
  if (args.context == nullptr)
    throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "context must not be null", "Pass '{}' for no context.");
  // No viable item: jsonb_agg over nothing gives NULL, and the ranking is empty.
  if (args.actions == nullptr) return static_cast<Datum>(0);

  JsonTokens context_tokens = tokenize_jsonb(args.context);
  JsonTokens action_tokens = tokenize_jsonb(args.actions);
  JsonTokens option_tokens = args.options == nullptr ? JsonTokens{} : tokenize_jsonb(args.options);

  FeatureSet context;
  featurize_context(context_tokens, context);
  RankOptions options = parse_rank_options(option_tokens);
  std::vector<Candidate> candidates = parse_candidates(action_tokens, options);
  if (options.has_baseline) {
    bool found = false;
    for (const Candidate& candidate : candidates) found = found || candidate.id == options.baseline;
    if (!found) throw InputError("baseline \"" + options.baseline + "\" is not one of the actions to rank");
  }

  const CachedLoop& loop = current_loop(args.loop);

  std::vector<FeatureSet>& actions = action_feature_pool();
  actions.resize(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) featurize_action(action_tokens, candidates[i], actions[i]);

  std::vector<double> scores;
  loop.model->score_all(context, actions, scores);

  pg_uuid_t event_id = new_event_id(options);
  Decision decision = decide(loop.settings.exploration, scores, loop.model->examples(),
                             seed_from_bytes(event_id.data, UUID_LEN));
  if (loop.apprentice) follow_baseline(candidates, options, decision);

  if (options.learn) {
    EventRecord record{event_id,
                       loop.loop_id,
                       loop.model_version,
                       args.context,
                       args.actions,
                       JsonContainerSize(&args.actions->root),
                       &candidates,
                       &scores,
                       &decision,
                       !options.deferred,
                       options.has_baseline ? &options.baseline : nullptr,
                       !options.event_id.empty()};
    insert_event(record);
  }
  pg_call([&] { emit_rows(fcinfo, options.learn ? &event_id : nullptr, candidates, scores, decision); });
  return static_cast<Datum>(0);
}
