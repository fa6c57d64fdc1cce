// pz.evaluate_log(): the C side of pz_evaluate, pz_optimize and
// pz_feature_importance. The SQL wrappers (sql/install/50_evaluation.sql)
// check the arguments and validate candidate settings; this reads the arms
// they built, runs one replay and returns its estimates as rows.
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "pg/evaluate.hpp"
#include "pg/guard.hpp"
#include "pg/replay_arguments.hpp"

namespace pz::pg {
namespace {

using Json = nlohmann::json;

struct EvaluateArguments {
  ReplayArguments replay;
  bool fixed;
  char* arms_json;
  double max_weight;
  char* objective;  // the 9-argument form's objective, NULL: none
};

void read_arguments(FunctionCallInfo fcinfo, EvaluateArguments* args) {
  InitMaterializedSRF(fcinfo, 0);
  for (int i : {5, 6, 7})
    if (PG_ARGISNULL(i))
      ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("pz: null argument")));
  read_replay_arguments(fcinfo, &args->replay);
  args->fixed = PG_GETARG_BOOL(5);
  args->arms_json = JsonbToCString(nullptr, &PG_GETARG_JSONB_P(6)->root, -1);
  args->max_weight = PG_GETARG_FLOAT8(7);
  // The 8-argument form (pz_optimize, pz_feature_importance) has no objective.
  args->objective = PG_NARGS() > 8 && !PG_ARGISNULL(8)
                        ? JsonbToCString(nullptr, &PG_GETARG_JSONB_P(8)->root, -1)
                        : nullptr;
}

// [{"name", "settings", "ablations": [{"side", "namespace", "key"}], "compare", "compare_online"}]
std::vector<ReplayArm> parse_arms(const char* text) {
  Json arms = Json::parse(text);
  if (!arms.is_array()) throw InputError("arms must be a JSON array");
  std::vector<ReplayArm> result;
  for (const Json& item : arms) {
    ReplayArm arm;
    arm.name = item.at("name").get<std::string>();
    arm.settings = parse_loop_settings(item.at("settings").dump());
    arm.compare_to_first = item.value("compare", false);
    arm.compare_to_online = item.value("compare_online", false);
    if (item.contains("ablations")) {
      for (const Json& ablation : item.at("ablations")) {
        arm.ablations.push_back({ablation.at("side").get<std::string>() == "context",
                                 ablation.at("namespace").get<std::string>(),
                                 ablation.value("key", std::string())});
      }
    }
    result.push_back(std::move(arm));
  }
  return result;
}

void emit_rows(FunctionCallInfo fcinfo, const std::vector<EvaluationRow>* rows) {
  ReturnSetInfo* result = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  for (const EvaluationRow& row : *rows) {
    Datum values[6];
    bool nulls[6] = {false, false, false, false, false, false};
    values[0] = PointerGetDatum(
        cstring_to_text_with_len(row.policy.data(), static_cast<int>(row.policy.size())));
    values[1] = PointerGetDatum(
        cstring_to_text_with_len(row.estimator.data(), static_cast<int>(row.estimator.size())));
    // Nothing known (no event, or no weight): NULL, rather than a misleading 0.
    nulls[2] = nulls[3] = nulls[4] = !row.estimate.has_value;
    values[2] = Float8GetDatum(row.estimate.value);
    values[3] = Float8GetDatum(row.estimate.ci_low);
    values[4] = Float8GetDatum(row.estimate.ci_high);
    values[5] = Int64GetDatum(static_cast<int64>(row.estimate.events));
    tuplestore_putvalues(result->setResult, result->setDesc, values, nulls);
  }
}

}  // namespace
}  // namespace pz::pg

PZ_SQL_FUNCTION(pz_evaluate_log) {
  EvaluateArguments args;
  pg_call([&] { read_arguments(fcinfo, &args); });
  if (!(args.max_weight > 0.0)) throw InputError("max_weight must be greater than 0");

  EvaluationRequest request;
  apply_replay_arguments(args.replay, &request);
  request.fixed_policies = args.fixed;
  request.arms = parse_arms(args.arms_json);
  request.estimator.max_weight = args.max_weight;
  if (args.objective != nullptr) request.rescore = parse_objective(args.objective);

  std::vector<EvaluationRow> rows = evaluate_log(request);
  pg_call([&] { emit_rows(fcinfo, &rows); });
  return static_cast<Datum>(0);
}
