// SQL functions of on-demand learning: pz_train, pz_retrain, and the model
// check that pz_rollback_model uses.
#include <optional>
#include <string>
#include <string_view>

#include "core/errors.hpp"
#include "core/model_format.hpp"
#include "core/settings.hpp"
#include "pg/guard.hpp"
#include "pg/gucs.hpp"
#include "pg/trainer.hpp"

namespace pz::pg {
namespace {

Datum jsonb_from_text(const std::string& text) {
  Datum result = 0;
  pg_call([&] { result = DirectFunctionCall1(jsonb_in, CStringGetDatum(text.c_str())); });
  return result;
}

}  // namespace
}  // namespace pz::pg

PZ_SQL_FUNCTION(pz_train) {
  char* name = nullptr;
  pg_call([&] {
    if (!PG_ARGISNULL(0)) name = text_to_cstring(PG_GETARG_TEXT_PP(0));
  });
  if (name == nullptr) throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "loop must not be null");
  TrainCounts counts = train_loop(name, pz_train_batch_size());
  return jsonb_from_text(train_counts_json(counts));
}

// pz_retrain(loop text, since timestamptz DEFAULT NULL)
PZ_SQL_FUNCTION(pz_retrain) {
  char* name = nullptr;
  std::optional<int64_t> since;
  pg_call([&] {
    if (!PG_ARGISNULL(0)) name = text_to_cstring(PG_GETARG_TEXT_PP(0));
    if (!PG_ARGISNULL(1)) since = PG_GETARG_TIMESTAMPTZ(1);
  });
  if (name == nullptr) throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "loop must not be null");
  TrainCounts counts = retrain_loop(name, since);
  return jsonb_from_text(retrain_counts_json(counts));
}

// pz.model_fits(settings jsonb, weights bytea): can a stored model serve a loop
// with these settings (same feature space, readable blob)?
PZ_SQL_FUNCTION(pz_model_fits) {
  char* settings_json = nullptr;
  bytea* weights = nullptr;
  pg_call([&] {
    settings_json = JsonbToCString(nullptr, &PG_GETARG_JSONB_P(0)->root, -1);
    weights = PG_GETARG_BYTEA_PP(1);
  });
  LoopSettings settings = parse_loop_settings(settings_json);
  try {
    deserialize_model(std::string_view(VARDATA_ANY(weights), VARSIZE_ANY_EXHDR(weights)), settings.space,
                      settings.learner, ModelUse::kScoring);
  } catch (const ModelFormatError&) {
    return BoolGetDatum(false);
  }
  return BoolGetDatum(true);
}
