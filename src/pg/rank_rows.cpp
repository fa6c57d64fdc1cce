// pz_rank_rows(loop, context, actions anyarray, options): the actions as an
// array of rows (ARRAY(SELECT c FROM catalog c WHERE ...)), featurized from
// the tuples, then the decision path shared with pz_rank; each row is
// returned as `item`, so the statement needs no join back to the catalog.
#include <string>
#include <vector>

#include "core/features.hpp"
#include "pg/cached_actions.hpp"
#include "pg/freed_memory.hpp"
#include "pg/guard.hpp"
#include "pg/limits.hpp"
#include "pg/jsonb_tokens.hpp"
#include "pg/loop_cache.hpp"
#include "pg/rank_decision.hpp"
#include "pg/rank_request.hpp"
#include "pg/rank_row_documents.hpp"
#include "pg/row_actions.hpp"

namespace pz::pg {

namespace {

struct RankRowsArguments {
  char* loop;  // NULL when the argument is NULL
  Jsonb* context;
  ArrayType* actions;  // NULL when NULL or empty
  Jsonb* options;
};

// PostgreSQL side (plain C: may ereport anywhere).
void read_arguments(FunctionCallInfo fcinfo, RankRowsArguments* args) {
  InitMaterializedSRF(fcinfo, 0);
  check_row_array_type(get_fn_expr_argtype(fcinfo->flinfo, 2));
  args->loop = PG_ARGISNULL(0) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(0));
  args->context = PG_ARGISNULL(1) ? nullptr : PG_GETARG_JSONB_P(1);
  args->actions = PG_ARGISNULL(2) ? nullptr : PG_GETARG_ARRAYTYPE_P(2);
  if (args->actions != nullptr &&
      ArrayGetNItems(ARR_NDIM(args->actions), ARR_DIMS(args->actions)) == 0)
    args->actions = nullptr;
  args->options = PG_ARGISNULL(3) ? nullptr : PG_GETARG_JSONB_P(3);
}

// The loop's action_key and action_features as the PostgreSQL side reads them.
class ColumnChoice {
 public:
  explicit ColumnChoice(const RowSettings& settings) {
    signature_ = settings.action_key;
    signature_ += '\0';
    if (settings.action_features) {
      for (const std::string& name : *settings.action_features) {
        names_.push_back(name.c_str());
        signature_ += name;
        signature_ += '\0';
      }
    } else {
      signature_ += '*';  // no column name is empty: cannot collide with a list
    }
    columns_ =
        RowColumns{settings.action_key.c_str(), settings.action_features ? names_.data() : nullptr,
                   static_cast<int>(names_.size()), signature_.data(), signature_.size()};
  }
  const RowColumns* columns() const { return &columns_; }

 private:
  std::vector<const char*> names_;
  std::string signature_;
  RowColumns columns_;
};

bool all_cached(const RowActions& rows) {
  if (rows.entries == nullptr) return false;
  for (int i = 0; i < rows.count; ++i)
    if (rows.entries[i] == ActionCache::kNone) return false;
  return true;
}

std::vector<Candidate> read_candidates(const RowActions& rows, const RankOptions& options) {
  CandidateList list(options, static_cast<size_t>(rows.count));
  for (int i = 0; i < rows.count; ++i) {
    list.add(Candidate{std::string(rows.ids[i], rows.id_lengths[i]), static_cast<size_t>(i),
                       rows.features_token[i], true});
  }
  return list.finish();
}

}  // namespace

}  // namespace pz::pg

PZ_SQL_FUNCTION(pz_rank_rows) {
  keep_freed_memory(kRankFreedMemory);
  RankRowsArguments args;
  pg_call([&] { read_arguments(fcinfo, &args); });
  check_loop_and_context(args.loop, args.context);
  // No viable item (an empty array, or array_agg over nothing): no ranking, nothing logged.
  if (args.actions == nullptr) return static_cast<Datum>(0);
  check_rank_document_sizes(VARSIZE(args.context), VARSIZE(args.actions));

  FeatureSet context;
  RankOptions options = read_context_and_options(args.context, args.options, context);

  const CachedLoop& loop = current_loop(args.loop);
  ColumnChoice choice(loop.settings.rows);
  KeptTokens tokens;
  RowActions rows;
  ActionCache& cache = row_action_cache();
  cache.start_call();
  pg_call([&] { read_row_actions(args.actions, choice.columns(), &cache, tokens.buffer(), &rows); });

  std::vector<Candidate> candidates = all_cached(rows)
      ? cached_candidates(cache, rows.entries, static_cast<size_t>(rows.count), options)
      : read_candidates(rows, options);

  const std::vector<FeatureView>& actions = featurize_rows(rows, candidates);
  RankInput input{&loop, args.context, &context, &options, &candidates, &actions};
  RankOutcome outcome = decide_and_log(input, [&] {
    int64* hashes = nullptr;
    Jsonb* logged = logged_row_documents(rows, candidates, &hashes);
    return LoggedActions{logged, candidates.size(), hashes};
  });
  emit_ranking(fcinfo, outcome, candidates, rows.items);
  return static_cast<Datum>(0);
}
