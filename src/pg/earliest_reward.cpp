// pz.earliest_reward(value, received_at, reward_id): the aggregate behind the
// reward_aggregation "earliest" (pg/reward_query.hpp). It keeps the least
// (received_at, reward_id) seen and its value, with no sort: the ordered
// aggregate it replaces, (array_agg(value ORDER BY received_at, reward_id))[1],
// set up a sort for every event the trainer read, rewarded or not, which cost
// more than reading the event.
#include "pg/guard.hpp"

namespace {

struct Earliest {
  TimestampTz received_at;
  int64 reward_id;
  double value;
};

}  // namespace

// Transition: (state internal, value float8, received_at timestamptz, reward_id bigint).
// A row with a NULL argument is passed over (the columns it is given are NOT NULL).
PZ_SQL_FUNCTION(pz_earliest_reward_step) {
  MemoryContext aggregate_context;
  if (!AggCheckCallContext(fcinfo, &aggregate_context))
    throw pz::pg::SqlError(ERRCODE_FEATURE_NOT_SUPPORTED, "pz.earliest_reward_step can only be called as an aggregate");
  Earliest* state = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<Earliest*>(PG_GETARG_POINTER(0));
  if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3)) {
    if (state == nullptr) PG_RETURN_NULL();
    PG_RETURN_POINTER(state);
  }
  const double value = PG_GETARG_FLOAT8(1);
  const TimestampTz received_at = PG_GETARG_TIMESTAMPTZ(2);
  const int64 reward_id = PG_GETARG_INT64(3);
  if (state == nullptr) {
    state = static_cast<Earliest*>(MemoryContextAlloc(aggregate_context, sizeof(Earliest)));
  } else if (received_at > state->received_at ||
             (received_at == state->received_at && reward_id >= state->reward_id)) {
    PG_RETURN_POINTER(state);
  }
  *state = Earliest{received_at, reward_id, value};
  PG_RETURN_POINTER(state);
}

// Final: the value of the earliest row, NULL when there was none.
PZ_SQL_FUNCTION(pz_earliest_reward_final) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  PG_RETURN_FLOAT8(reinterpret_cast<const Earliest*>(PG_GETARG_POINTER(0))->value);
}
