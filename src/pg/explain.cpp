// pz.explain_scores(): the C side of pz_explain. The SQL wrapper
// (sql/update/81_explain.sql) finds the event and the model version that
// decided it; this splits each ranked action's score into named terms. The
// what-if form (sql/update/87_explain_what_if.sql) passes no ranking: every
// action, highest score first.
#include <algorithm>
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
  bool ranked;  // else: no ranking given
  std::vector<std::string> ranking;
  int32 top;
};

void read_arguments(FunctionCallInfo fcinfo, ExplainArguments* args) {
  InitMaterializedSRF(fcinfo, 0);
  for (int i : {0, 2, 3, 5})
    if (PG_ARGISNULL(i))
      ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("pz: null argument")));
  args->settings_json = JsonbToCString(nullptr, &PG_GETARG_JSONB_P(0)->root, -1);
  args->weights = PG_ARGISNULL(1) ? nullptr : PG_GETARG_BYTEA_PP(1);
  args->context = PG_GETARG_JSONB_P(2);
  args->actions = PG_GETARG_JSONB_P(3);
  args->ranked = !PG_ARGISNULL(4);
  if (args->ranked) {
    Datum* ids;
    bool* id_nulls;
    int count;
    deconstruct_array(PG_GETARG_ARRAYTYPE_P(4), TEXTOID, -1, false, TYPALIGN_INT, &ids, &id_nulls,
                      &count);
    for (int i = 0; i < count; ++i)
      if (!id_nulls[i]) args->ranking.push_back(TextDatumGetCString(ids[i]));
  }
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

// One action's terms, with their sum: its score.
struct Explained {
  std::string id;
  std::vector<Contribution> terms;
  double score;
};

// A decision not logged: each action in the order of the model's scores,
// highest first (the order it would show without exploring); ties keep the
// order given.
std::vector<std::string> order_by_score(std::vector<Explained>& explained) {
  std::stable_sort(explained.begin(), explained.end(),
                   [](const Explained& a, const Explained& b) { return a.score > b.score; });
  std::vector<std::string> order;
  for (const Explained& action : explained) order.push_back(action.id);
  return order;
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

  FeatureSet action;
  FeatureNames action_names;
  std::vector<Explained> explained;
  for (const Candidate& candidate : candidates) {
    featurize_action_named(action_tokens, candidate, action, action_names);
    Explained terms{candidate.id,
                    explain_score(*model, context, context_names, action, action_names), 0.0};
    for (const Contribution& term : terms.terms) terms.score += term.value;
    explained.push_back(std::move(terms));
  }
  const std::vector<std::string> ranking = args.ranked ? args.ranking : order_by_score(explained);
  std::unordered_map<std::string, const Explained*> by_id;
  for (const Explained& terms : explained) by_id.emplace(terms.id, &terms);
  for (const std::string& id : ranking) {
    auto found = by_id.find(id);
    if (found == by_id.end()) continue;  // not in the logged actions: nothing to explain
    const std::vector<Contribution> rows =
        top_contributions(found->second->terms, static_cast<size_t>(args.top));
    pg_call([&] { emit_rows(fcinfo, id, rows); });
  }
  return static_cast<Datum>(0);
}
