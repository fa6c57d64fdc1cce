// pz_export_dsjson(loop, since, until): a loop's joined events as Decision
// Service JSON lines, in event order. PostgreSQL side: the cursor over the log;
// C++ side: each line (src/core/dsjson_writer.cpp).
#include <string>
#include <vector>

#include "core/dsjson.hpp"
#include "pg/guard.hpp"

namespace pz::pg {
namespace {

constexpr long kFetchBatch = 1000;

// ---- PostgreSQL side ----

std::vector<std::string> text_elements(Datum array) {
  Datum* items;
  bool* nulls;
  int count;
  deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false, TYPALIGN_INT, &items, &nulls,
                    &count);
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i)
    out.push_back(nulls[i] ? std::string() : std::string(TextDatumGetCString(items[i])));
  return out;
}

std::vector<double> float_elements(Datum array) {
  Datum* items;
  bool* nulls;
  int count;
  deconstruct_array(DatumGetArrayTypeP(array), FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
                    TYPALIGN_DOUBLE, &items, &nulls, &count);
  std::vector<double> out;
  for (int i = 0; i < count; ++i) out.push_back(nulls[i] ? 0.0 : DatumGetFloat8(items[i]));
  return out;
}

Portal open_events(FunctionCallInfo fcinfo) {
  Oid types[3] = {TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
  Datum args[3] = {PG_GETARG_DATUM(0), PG_ARGISNULL(1) ? 0 : PG_GETARG_DATUM(1),
                   PG_ARGISNULL(2) ? 0 : PG_GETARG_DATUM(2)};
  char nulls[3] = {PG_ARGISNULL(0) ? 'n' : ' ', PG_ARGISNULL(1) ? 'n' : ' ',
                   PG_ARGISNULL(2) ? 'n' : ' '};
  // pz.loop_row: 22004 for a NULL name, 42704 for an unknown loop.
  if (SPI_execute_with_args(
          "SELECT pz.check_evaluation_arguments($2, $3, 1), (pz.loop_row($1, false)).loop_id", 3,
          types, args, nulls, true, 1) != SPI_OK_SELECT)
    elog(ERROR, "pz: reading the loop failed");
  Portal portal = SPI_cursor_open_with_args(
      nullptr,
      "SELECT e.event_id::text, to_char(e.created_at AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
      "       e.context::text, e.actions::text, e.ranking, e.probabilities, e.outcome, e.reward, "
      "       coalesce(e.activated_at > e.created_at, false), e.baseline, "
      "       coalesce(w.rewards, '{}'), coalesce(w.slots, '{}'), "
      "       coalesce(e.slot_probabilities, '{}'), coalesce(e.slot_rewards, '{}') "
      "  FROM pz.events e "
      "  JOIN pz.loops l ON l.loop_id = e.loop_id AND l.name = $1 "
      "  LEFT JOIN LATERAL (SELECT array_agg(r.value ORDER BY r.received_at, r.reward_id) AS "
      "rewards, "
      "                            array_agg(coalesce(r.slot, 0) ORDER BY r.received_at, "
      "r.reward_id) AS slots "
      "                       FROM pz.rewards r WHERE r.event_id = e.event_id) w ON true "
      " WHERE e.outcome IN ('rewarded', 'defaulted', 'skipped') "
      "   AND ($2 IS NULL OR e.created_at >= $2) AND ($3 IS NULL OR e.created_at < $3) "
      " ORDER BY e.created_at, e.event_id",
      3, types, args, nulls, true, 0);
  if (portal == nullptr) elog(ERROR, "pz: opening the log failed");
  return portal;
}

void read_event(HeapTuple tuple, TupleDesc desc, LoggedEvent* event) {
  bool is_null;
  event->event_id = SPI_getvalue(tuple, desc, 1);
  event->timestamp = SPI_getvalue(tuple, desc, 2);
  event->context = SPI_getvalue(tuple, desc, 3);
  event->actions = SPI_getvalue(tuple, desc, 4);
  event->ranking = text_elements(SPI_getbinval(tuple, desc, 5, &is_null));
  event->probabilities = float_elements(SPI_getbinval(tuple, desc, 6, &is_null));
  std::string outcome = SPI_getvalue(tuple, desc, 7);
  event->outcome = outcome == "skipped"     ? DsjsonOutcome::kSkipped
                   : outcome == "defaulted" ? DsjsonOutcome::kDefaulted
                                            : DsjsonOutcome::kRewarded;
  Datum reward = SPI_getbinval(tuple, desc, 8, &is_null);
  event->reward = is_null ? 0.0 : DatumGetFloat8(reward);
  event->deferred = DatumGetBool(SPI_getbinval(tuple, desc, 9, &is_null));
  char* baseline = SPI_getvalue(tuple, desc, 10);
  event->baseline.reset();
  if (baseline != nullptr) event->baseline = std::string(baseline);
  std::vector<double> values = float_elements(SPI_getbinval(tuple, desc, 11, &is_null));
  Datum* slots;
  bool* slot_nulls;
  int count;
  deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tuple, desc, 12, &is_null)), INT4OID,
                    sizeof(int32), true, TYPALIGN_INT, &slots, &slot_nulls, &count);
  event->rewards.clear();
  for (size_t i = 0; i < values.size() && i < static_cast<size_t>(count); ++i)
    event->rewards.push_back({values[i], DatumGetInt32(slots[i])});
  event->slot_probabilities = float_elements(SPI_getbinval(tuple, desc, 13, &is_null));
  event->slot_rewards = float_elements(SPI_getbinval(tuple, desc, 14, &is_null));
}

}  // namespace
}  // namespace pz::pg

PZ_SQL_FUNCTION(pz_export_dsjson) {
  Portal portal = nullptr;
  MemoryContext batch_context = nullptr;
  pg_call([&] {
    // SETOF text: the one column is the expected descriptor's.
    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
    portal = open_events(fcinfo);
    batch_context =
        AllocSetContextCreate(CurrentMemoryContext, "pz dsjson export", ALLOCSET_DEFAULT_SIZES);
  });
  ReturnSetInfo* result = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  std::vector<LoggedEvent> events;
  for (;;) {
    pg_call([&] {
      MemoryContextReset(batch_context);
      SPI_cursor_fetch(portal, true, kFetchBatch);
      MemoryContext spi = MemoryContextSwitchTo(batch_context);
      events.resize(SPI_processed);
      for (uint64 i = 0; i < SPI_processed; ++i)
        read_event(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, &events[i]);
      MemoryContextSwitchTo(spi);
      SPI_freetuptable(SPI_tuptable);
    });
    if (events.empty()) break;
    std::vector<std::string> lines;
    for (const LoggedEvent& event : events) lines.push_back(write_dsjson_line(event));
    pg_call([&] {
      for (const std::string& line : lines) {
        Datum value =
            PointerGetDatum(cstring_to_text_with_len(line.data(), static_cast<int>(line.size())));
        bool is_null = false;
        tuplestore_putvalues(result->setResult, result->setDesc, &value, &is_null);
      }
    });
  }
  pg_call([&] {
    SPI_cursor_close(portal);
    SPI_finish();
  });
  return static_cast<Datum>(0);
}
