// SQL functions of the buffered log: whether an event is still queued (for
// pz_reward), writing one queued event now (for pz_activate), and the queue's
// figures (the view pz.log_queue).
#include "pg/event_log.hpp"
#include "pg/guard.hpp"
#include "pg/log_queue.hpp"

namespace pz::pg {
namespace {

// PostgreSQL side (plain C: may ereport anywhere).
Datum stats_tuple(FunctionCallInfo fcinfo, const QueueStats& stats) {
  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
    elog(ERROR, "pz: pz.log_queue_stats must return a record");
  desc = BlessTupleDesc(desc);
  const uint64_t figures[] = {stats.queued,    stats.queued_bytes, stats.capacity_bytes,
                              stats.enqueued,  stats.written,      stats.written_directly,
                              stats.discarded, stats.failed,       stats.forwarded,
                              stats.dropped};
  constexpr int kFigures = sizeof figures / sizeof figures[0];
  Datum values[kFigures + 2];
  bool nulls[kFigures + 2] = {};
  for (int i = 0; i < kFigures; ++i) values[i] = Int64GetDatum(static_cast<int64>(figures[i]));
  values[kFigures] = BoolGetDatum(stats.logger_running);
  values[kFigures + 1] = BoolGetDatum(stats.forwarder_connected);
  return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

bool write_if_queued(const pg_uuid_t* event_id) {
  QueuedEvent event;
  if (!find_queued_event(MyDatabaseId, *event_id, &event)) return false;
  EventRow row;
  restore_event_row(event.row, &row);
  (void)write_queued_row(row);
  return true;
}

}  // namespace
}  // namespace pz::pg

// pz.event_queued(event_id): true while the event waits in the queue.
PZ_SQL_FUNCTION(pz_event_queued) {
  bool queued = false;
  pz::pg::pg_call(
      [&] { queued = pz::pg::find_queued_event(MyDatabaseId, *PG_GETARG_UUID_P(0), nullptr); });
  return BoolGetDatum(queued);
}

// pz.write_queued_event(event_id): inserts a queued event in the caller's
// transaction (the logger's later write finds it there); false if not queued.
PZ_SQL_FUNCTION(pz_write_queued_event) {
  bool written = false;
  pz::pg::pg_call([&] { written = pz::pg::write_if_queued(PG_GETARG_UUID_P(0)); });
  return BoolGetDatum(written);
}

// pz.log_queue_stats(): the figures of the buffered-log queue.
PZ_SQL_FUNCTION(pz_log_queue_stats) {
  pz::pg::QueueStats stats = pz::pg::read_queue_stats();
  Datum result = 0;
  pz::pg::pg_call([&] { result = pz::pg::stats_tuple(fcinfo, stats); });
  return result;
}
