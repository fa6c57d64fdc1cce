#include "pg/replay_arguments.hpp"

namespace pz::pg {

void read_replay_arguments(FunctionCallInfo fcinfo, ReplayArguments* args) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("pz: null argument")));
  args->loop_id = PG_GETARG_INT32(0);
  args->settings_json = JsonbToCString(nullptr, &PG_GETARG_JSONB_P(1)->root, -1);
  args->weights = PG_ARGISNULL(2) ? nullptr : PG_GETARG_BYTEA_PP(2);
  args->has_since = !PG_ARGISNULL(3);
  args->since = args->has_since ? PG_GETARG_TIMESTAMPTZ(3) : 0;
  args->has_until = !PG_ARGISNULL(4);
  args->until = args->has_until ? PG_GETARG_TIMESTAMPTZ(4) : 0;
}

void apply_replay_arguments(const ReplayArguments& args, EvaluationRequest* request) {
  request->loop_id = args.loop_id;
  request->loop_settings = parse_loop_settings(args.settings_json);
  if (args.weights != nullptr)
    request->current_model.emplace(VARDATA_ANY(args.weights), VARSIZE_ANY_EXHDR(args.weights));
  request->has_since = args.has_since;
  request->since = args.since;
  request->has_until = args.has_until;
  request->until = args.until;
}

}  // namespace pz::pg
