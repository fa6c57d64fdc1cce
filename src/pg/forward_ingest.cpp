// pz.ingest_forwarded(node, batch): the primary's end of forwarding. Writes
// the decisions a standby's logger forwarded through the same idempotent
// path as the local logger (write_queued_row), and its rewards by their keys
// (reward_log.hpp), then adds the batch to the node's inflow in
// pz.node_inflow. All in the caller's transaction: a batch counts whole or
// not at all, and a resent one counts nothing twice.
#include <cstring>

#include "core/forward_batch.hpp"
#include "pg/event_log.hpp"
#include "pg/guard.hpp"
#include "pg/kept_plan.hpp"
#include "pg/log_queue.hpp"
#include "pg/reward_log.hpp"

extern "C" {
#include "access/xlog.h"
#include "utils/timestamp.h"
}

namespace pz::pg {

namespace {

constexpr int kMaxNodeName = 63;
constexpr int kMaxLoopsPerBatch = 64;  // distinct loops counted before their inflow is recorded

// One loop's share of a batch.
struct Inflow {
  int32 loop_id;
  int64 events;
  int64 rewards;
  TimestampTz oldest;  // the oldest record's time: the forwarding lag
};

struct IngestCounts {
  int64 events;
  int64 rewards;
  int64 duplicates;
  int64 discarded;
};

constexpr int kPruneEveryCalls = 100;  // keys older than kept are deleted every so many batches

SPIPlanPtr inflow_plan = nullptr;
SPIPlanPtr prune_plan = nullptr;
int calls_since_prune = kPruneEveryCalls;  // a new session prunes first

// A reward key guards against a resend, which comes within minutes (or, from
// a standby cut off from its primary, within its queue's life): a week is ample.
void prune_reward_keys() {
  if (++calls_since_prune < kPruneEveryCalls) return;
  calls_since_prune = 0;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  if (prune_plan == nullptr)
    prune_plan = prepare_kept_plan(
        "DELETE FROM pz.forwarded_rewards WHERE forwarded_at < now() - interval '7 days'", 0,
        nullptr);
  if (SPI_execute_plan(prune_plan, nullptr, nullptr, false, 0) != SPI_OK_DELETE)
    elog(ERROR, "pz: pruning pz.forwarded_rewards failed");
  SPI_finish();
}

void record_inflow(const char* node, const Inflow* inflows, int count);

// The loop's entry (the caller keeps a free one: see kMaxLoopsPerBatch).
Inflow* inflow_of(Inflow* inflows, int* count, int32 loop_id) {
  for (int i = 0; i < *count; ++i)
    if (inflows[i].loop_id == loop_id) return &inflows[i];
  inflows[*count] = {loop_id, 0, 0, DT_NOEND};
  return &inflows[(*count)++];
}

void record_inflow(const char* node, const Inflow* inflows, int count) {
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  if (inflow_plan == nullptr) {
    Oid types[5] = {TEXTOID, INT4OID, INT8OID, INT8OID, TIMESTAMPTZOID};
    inflow_plan = prepare_kept_plan(
        "INSERT INTO pz.node_inflow AS n (node, loop_id, events, rewards, first_forward_at, "
        "last_forward_at, "
        "                                 forwarding_lag) "
        "VALUES ($1, $2, $3, $4, now(), now(), greatest(interval '0', now() - $5)) "
        "ON CONFLICT (node, loop_id) DO UPDATE SET events = n.events + excluded.events, "
        "    rewards = n.rewards + excluded.rewards, last_forward_at = excluded.last_forward_at, "
        "    forwarding_lag = excluded.forwarding_lag",
        5, types);
  }
  for (int i = 0; i < count; ++i) {
    Datum values[5] = {CStringGetTextDatum(node), Int32GetDatum(inflows[i].loop_id),
                       Int64GetDatum(inflows[i].events), Int64GetDatum(inflows[i].rewards),
                       TimestampTzGetDatum(inflows[i].oldest)};
    if (SPI_execute_plan(inflow_plan, values, nullptr, false, 0) != SPI_OK_INSERT)
      elog(ERROR, "pz: recording a node's inflow failed");
  }
  SPI_finish();
}

void ingest_event(char* row_bytes, Inflow* inflows, int* loops, IngestCounts* counts) {
  EventRow row;
  restore_event_row(row_bytes, &row);
  switch (write_queued_row(row)) {
    case QueuedWrite::kWritten: {
      Inflow* inflow = inflow_of(inflows, loops, DatumGetInt32(row.values[kEventLoopColumn]));
      inflow->events += 1;
      inflow->oldest = Min(inflow->oldest, DatumGetTimestampTz(row.values[kEventCreatedAtColumn]));
      counts->events += 1;
      break;
    }
    case QueuedWrite::kAlreadyWritten:
      counts->duplicates += 1;
      break;
    case QueuedWrite::kDiscarded:
    case QueuedWrite::kIdTaken:
      counts->discarded += 1;
      break;
  }
}

void ingest_reward(const BatchRecordView& record, char* row_bytes, const char* node,
                   Inflow* inflows, int* loops, IngestCounts* counts) {
  pg_uuid_t event_id;
  memcpy(event_id.data, record.id, UUID_LEN);
  int32 loop_id = 0;
  switch (write_queued_reward(event_id, row_bytes, node, &loop_id)) {
    case RewardWrite::kWritten: {
      Inflow* inflow = inflow_of(inflows, loops, loop_id);
      inflow->rewards += 1;
      inflow->oldest = Min(inflow->oldest, queued_reward_time(row_bytes));
      counts->rewards += 1;
      break;
    }
    case RewardWrite::kAlreadyWritten:
      counts->duplicates += 1;
      break;
    case RewardWrite::kDiscarded:
    case RewardWrite::kRejected:
      counts->discarded += 1;
      break;
  }
}

SqlError malformed(const char* why) {
  return SqlError(
      ERRCODE_INVALID_BINARY_REPRESENTATION, std::string("forwarded batch is malformed: ") + why,
      "Batches are made by the pz logger of a standby running the same pz version and server "
      "architecture.");
}

// Checks the whole batch before anything is written (bad input writes nothing).
uint32_t check_batch(const char* data, size_t size) {
  const char* error = nullptr;
  uint32_t announced = 0;
  const char* cursor = read_batch_header(data, size, &announced, &error);
  if (cursor == nullptr) throw malformed(error);
  const char* end = data + size;
  uint32_t found = 0;
  while (cursor < end) {
    BatchRecordView record;
    cursor = read_batch_record(cursor, end, &record, &error);
    if (cursor == nullptr) throw malformed(error);
    bool valid = false;
    pg_call([&] {
      if (record.kind == static_cast<uint8_t>(RecordKind::kEvent))
        valid = event_row_valid(record.payload, record.payload_bytes, &error);
      else if (record.kind == static_cast<uint8_t>(RecordKind::kReward))
        valid = reward_record_valid(record.payload, record.payload_bytes, &error);
      else
        error = "a record is of an unknown kind";
    });
    if (!valid) throw malformed(error);
    ++found;
  }
  if (found != announced) throw malformed("its record count does not match its header");
  return found;
}

Datum counts_tuple(FunctionCallInfo fcinfo, const IngestCounts& counts) {
  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
    elog(ERROR, "pz: pz.ingest_forwarded must return a record");
  desc = BlessTupleDesc(desc);
  Datum values[4] = {Int64GetDatum(counts.events), Int64GetDatum(counts.rewards),
                     Int64GetDatum(counts.duplicates), Int64GetDatum(counts.discarded)};
  bool nulls[4] = {false, false, false, false};
  return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

}  // namespace

}  // namespace pz::pg

PZ_SQL_FUNCTION(pz_ingest_forwarded) {
  using namespace pz::pg;
  bool standby = false;
  pg_call([&] { standby = RecoveryInProgress(); });
  if (standby)
    throw SqlError(ERRCODE_READ_ONLY_SQL_TRANSACTION,
                   "pz.ingest_forwarded runs on the primary only",
                   "Point pz.primary_conninfo of the standbys at the primary.");
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
    throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED,
                   std::string(PG_ARGISNULL(0) ? "node" : "batch") + " must not be null");
  char* node = nullptr;
  bytea* batch = nullptr;
  pg_call([&] {
    node = text_to_cstring(PG_GETARG_TEXT_PP(0));
    batch = PG_GETARG_BYTEA_PP(1);
  });
  const size_t node_bytes = strlen(node);
  if (node_bytes == 0 || node_bytes > kMaxNodeName)
    throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "node name must be 1 to 63 bytes long",
                   "Set pz.node_name (or cluster_name) on the standby.");
  const char* data = VARDATA_ANY(batch);
  const size_t size = VARSIZE_ANY_EXHDR(batch);
  check_batch(data, size);

  IngestCounts counts = {0, 0, 0, 0};
  pg_call([&] {
    Inflow inflows[kMaxLoopsPerBatch];
    int loops = 0;
    const char* error = nullptr;
    uint32_t announced = 0;
    const char* end = data + size;
    MemoryContext record_context =
        AllocSetContextCreate(CurrentMemoryContext, "pz ingest", ALLOCSET_DEFAULT_SIZES);
    for (const char* cursor = read_batch_header(data, size, &announced, &error); cursor < end;) {
      BatchRecordView record;
      cursor = read_batch_record(cursor, end, &record, &error);
      if (loops == kMaxLoopsPerBatch) {
        record_inflow(node, inflows, loops);
        loops = 0;
      }
      MemoryContext caller = MemoryContextSwitchTo(record_context);
      char* row_bytes = static_cast<char*>(palloc(Max(record.payload_bytes, 1u)));
      memcpy(row_bytes, record.payload, record.payload_bytes);
      if (record.kind == static_cast<uint8_t>(RecordKind::kEvent))
        ingest_event(row_bytes, inflows, &loops, &counts);
      else
        ingest_reward(record, row_bytes, node, inflows, &loops, &counts);
      MemoryContextSwitchTo(caller);
      MemoryContextReset(record_context);
    }
    if (loops > 0) record_inflow(node, inflows, loops);
    prune_reward_keys();
  });
  Datum result = 0;
  pg_call([&] { result = counts_tuple(fcinfo, counts); });
  return result;
}
