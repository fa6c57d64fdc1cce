// pz.explain_scores(): the C side of pz_explain. The SQL wrapper
// (sql/update/81_explain.sql) finds the event and the model version that
// decided it; this splits each ranked action's score into named terms.
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/errors.hpp"
#include "core/feature_names.hpp"
#include "core/model_format.hpp"
#include "core/settings.hpp"
#include "pg/featurize.hpp"
#include "pg/guard.hpp"

namespace pz::pg {
namespace {

struct ExplainArguments {
  char* settings_json;
  bytea* weights;  // NULL: untrained
  Jsonb* context;
  Jsonb* actions;
  std::vector<std::string> ranking;
  int32 top;
};

void read_arguments(FunctionCallInfo fcinfo, ExplainArguments* args) {
  InitMaterializedSRF(fcinfo, 0);
  for (int i : {0, 2, 3, 4, 5})
    if (PG_ARGISNULL(i))
      ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("pz: null argument")));
  args->settings_json = JsonbToCString(nullptr, &PG_GETARG_JSONB_P(0)->root, -1);
  args->weights = PG_ARGISNULL(1) ? nullptr : PG_GETARG_BYTEA_PP(1);
  args->context = PG_GETARG_JSONB_P(2);
  args->actions = PG_GETARG_JSONB_P(3);
  Datum* ids;
  bool* id_nulls;
  int count;
  deconstruct_array(PG_GETARG_ARRAYTYPE_P(4), TEXTOID, -1, false, TYPALIGN_INT, &ids, &id_nulls,
                    &count);
  for (int i = 0; i < count; ++i)
    if (!id_nulls[i]) args->ranking.push_back(TextDatumGetCString(ids[i]));
  args->top = PG_GETARG_INT32(5);
}

void emit_rows(FunctionCallInfo fcinfo, const std::string& action_id,
               const std::vector<Contribution>& rows) {
  ReturnSetInfo* result = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  for (const Contribution& row : rows) {
    Datum values[4];
    bool nulls[4] = {false, false, false, false};
    values[0] = PointerGetDatum(
        cstring_to_text_with_len(action_id.data(), static_cast<int>(action_id.size())));
    values[1] = PointerGetDatum(
        cstring_to_text_with_len(row.space.data(), static_cast<int>(row.space.size())));
    values[2] = PointerGetDatum(
        cstring_to_text_with_len(row.feature.data(), static_cast<int>(row.feature.size())));
    values[3] = Float8GetDatum(row.value);
    tuplestore_putvalues(result->setResult, result->setDesc, values, nulls);
  }
}

}  // namespace
}  // namespace pz::pg

PZ_SQL_FUNCTION(pz_explain_scores) {
  ExplainArguments args;
  pg_call([&] { read_arguments(fcinfo, &args); });
  const LoopSettings settings = parse_loop_settings(args.settings_json);
  std::unique_ptr<Model> model;
  try {
    model = args.weights == nullptr
                ? std::make_unique<Model>(settings.space, settings.learner, ModelUse::kScoring)
                : std::make_unique<Model>(deserialize_model(
                      std::string_view(VARDATA_ANY(args.weights), VARSIZE_ANY_EXHDR(args.weights)),
                      settings.space, settings.learner, ModelUse::kScoring));
  } catch (const ModelFormatError& error) {
    throw SqlError(
        ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        std::string("the model version that decided this event cannot be read: ") + error.what(),
        "The loop's feature space (bits, interactions) changed since; explain events decided "
        "under the current settings.");
  }

  FeatureSet context;
  FeatureNames context_names;
  featurize_context_named(tokenize_jsonb(args.context), context, context_names);
  const JsonTokens action_tokens = tokenize_jsonb(args.actions);
  const std::vector<Candidate> candidates = parse_candidates(action_tokens, RankOptions{});
  std::unordered_map<std::string, const Candidate*> by_id;
  for (const Candidate& candidate : candidates) by_id.emplace(candidate.id, &candidate);

  FeatureSet action;
  FeatureNames action_names;
  for (const std::string& id : args.ranking) {
    auto found = by_id.find(id);
    if (found == by_id.end()) continue;  // not in the logged actions: nothing to explain
    featurize_action_named(action_tokens, *found->second, action, action_names);
    const std::vector<Contribution> rows =
        top_contributions(explain_score(*model, context, context_names, action, action_names),
                          static_cast<size_t>(args.top));
    pg_call([&] { emit_rows(fcinfo, id, rows); });
  }
  return static_cast<Datum>(0);
}
