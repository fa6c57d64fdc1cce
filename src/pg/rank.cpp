// pz_rank(loop, context, actions, options): the actions as a jsonb array,
// featurized, then the decision path shared with pz_rank_rows.
#include <string>
#include <vector>

#include "core/features.hpp"
#include "pg/cached_actions.hpp"
#include "pg/freed_memory.hpp"
#include "pg/guard.hpp"
#include "pg/jsonb_tokens.hpp"
#include "pg/limits.hpp"
#include "pg/loop_cache.hpp"
#include "pg/rank_decision.hpp"
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

}  // namespace

}  // namespace pz::pg

PZ_SQL_FUNCTION(pz_rank) {
  keep_freed_memory(kRankFreedMemory);
  RankArguments args;
  pg_call([&] { read_arguments(fcinfo, &args); });
  check_loop_and_context(args.loop, args.context);
  // No viable item: jsonb_agg over nothing gives NULL, and the ranking is empty.
  if (args.actions == nullptr) return static_cast<Datum>(0);
  check_rank_document_sizes(VARSIZE(args.context), VARSIZE(args.actions));

  FeatureSet context;
  RankOptions options = read_context_and_options(args.context, args.options, context);
  KeptTokens kept;
  CachedActions cached(jsonb_action_cache());
  std::vector<Candidate> candidates;
  const bool through_cache = cached.read(args.actions, options, kept.buffer(), &candidates);
  if (!through_cache) {
    pg_call([&] { append_jsonb_tokens(args.actions, kept.buffer()); });
    // Sized up front: growing the id set rehashed it a dozen times at 5,000 actions.
    candidates = parse_candidates(kept.tokens(), options, JsonContainerSize(&args.actions->root));
  }

  const CachedLoop& loop = current_loop(args.loop);
  const std::vector<FeatureView>& actions =
      through_cache ? cached.featurize(candidates, kept.buffer()) : featurize_candidates(kept.tokens(), candidates);
  RankInput input{&loop, args.context, &context, &options, &candidates, &actions};
  RankOutcome outcome = decide_and_log(input, [&] {
    return LoggedActions{args.actions, JsonContainerSize(&args.actions->root),
                         through_cache ? cached.hashes() : nullptr};
  });
  emit_ranking(fcinfo, outcome, candidates, nullptr);
  return static_cast<Datum>(0);
}
