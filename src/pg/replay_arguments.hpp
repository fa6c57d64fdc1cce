// The leading arguments of the internal replay functions (pz.evaluate_log,
// pz.evaluate_segments): loop_id integer, settings jsonb, weights bytea
// (NULL: untrained), since timestamptz, until timestamptz.
#pragma once

#include "pg/evaluate.hpp"
#include "pg/postgres.hpp"

namespace pz::pg {

struct ReplayArguments {
  int32 loop_id;
  char* settings_json;
  bytea* weights;  // NULL: untrained
  bool has_since;
  TimestampTz since;
  bool has_until;
  TimestampTz until;
};

// PostgreSQL side (run inside pg_call): reads arguments 0 to 4; a NULL loop_id
// or settings is an error.
void read_replay_arguments(FunctionCallInfo fcinfo, ReplayArguments* args);

// C++ side: the request's loop, settings, current model and window.
void apply_replay_arguments(const ReplayArguments& args, EvaluationRequest* request);

}  // namespace pz::pg
