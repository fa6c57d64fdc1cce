#include "pg/reward_log.hpp"

#include <cstring>

#include "pg/event_log.hpp"
#include "pg/guard.hpp"
#include "pg/gucs.hpp"
#include "pg/kept_plan.hpp"
#include "pg/log_queue.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/resowner.h"
}

namespace pz::pg {

namespace {

// A queued reward: this header, then the signal's bytes.
struct RewardHeader {
  pg_uuid_t key;  // random: the same reward forwarded twice is written once
  TimestampTz received_at;
  float8 value;
  int32 signal_bytes;  // -1: no signal
};

SPIPlanPtr write_plan = nullptr;

// One statement: the key first (a key written before stops the rest), the
// reward only if its event is still there.
constexpr const char* kWriteReward =
    "WITH e AS (SELECT e.loop_id FROM pz.events AS e WHERE e.event_id = $1 LIMIT 1), "
    "     k AS (INSERT INTO pz.forwarded_rewards (reward_key, node, event_id) SELECT $2, $6, $1 "
    "FROM e "
    "           ON CONFLICT (reward_key) DO NOTHING RETURNING reward_key), "
    "     r AS (INSERT INTO pz.rewards (event_id, received_at, value, signal) "
    "           SELECT $1, $3, $4, $5 FROM k RETURNING reward_id) "
    "SELECT (SELECT loop_id FROM e), (SELECT count(*) FROM r)";

// Errors that retrying cannot cure: the reward is rejected, not retried.
bool rejects_the_reward(int sqlstate) {
  int category = ERRCODE_TO_CATEGORY(sqlstate);
  return category == ERRCODE_DATA_EXCEPTION || category == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION ||
         category == ERRCODE_PROGRAM_LIMIT_EXCEEDED;
}

RewardWrite run_write(const pg_uuid_t& event_id, const char* serialized, const char* node,
                      int32* loop_id) {
  RewardHeader header;
  memcpy(&header, serialized, sizeof header);
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  if (write_plan == nullptr) {
    Oid types[6] = {UUIDOID, UUIDOID, TIMESTAMPTZOID, FLOAT8OID, TEXTOID, TEXTOID};
    write_plan = prepare_kept_plan(kWriteReward, 6, types);
  }
  Datum values[6] = {UUIDPGetDatum(const_cast<pg_uuid_t*>(&event_id)),
                     UUIDPGetDatum(&header.key),
                     TimestampTzGetDatum(header.received_at),
                     Float8GetDatum(header.value),
                     0,
                     CStringGetTextDatum(node)};
  char nulls[6] = {' ', ' ', ' ', ' ', 'n', ' '};
  if (header.signal_bytes >= 0) {
    values[4] =
        PointerGetDatum(cstring_to_text_with_len(serialized + sizeof header, header.signal_bytes));
    nulls[4] = ' ';
  }
  if (SPI_execute_plan(write_plan, values, nulls, false, 0) != SPI_OK_SELECT || SPI_processed != 1)
    elog(ERROR, "pz: writing a forwarded reward failed");
  bool loop_null, count_null;
  Datum loop = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &loop_null);
  int64 written =
      DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &count_null));
  SPI_finish();
  *loop_id = loop_null ? 0 : DatumGetInt32(loop);
  if (loop_null) return RewardWrite::kDiscarded;
  return written > 0 ? RewardWrite::kWritten : RewardWrite::kAlreadyWritten;
}

}  // namespace

bool reward_record_valid(const char* serialized, uint32 size, const char** error) {
  RewardHeader header;
  if (size < sizeof header) {
    *error = "a reward is cut short";
    return false;
  }
  memcpy(&header, serialized, sizeof header);
  if (header.signal_bytes < -1 || size != sizeof header + Max(header.signal_bytes, 0)) {
    *error = "a reward has a signal of the wrong size";
    return false;
  }
  return true;
}

TimestampTz queued_reward_time(const char* serialized) {
  RewardHeader header;
  memcpy(&header, serialized, sizeof header);
  return header.received_at;
}

// In a subtransaction of its own, so that a rejected reward leaves the rest
// of the batch (and the queue behind it) going.
RewardWrite write_queued_reward(const pg_uuid_t& event_id, const char* serialized, const char* node,
                                int32* loop_id) {
  MemoryContext caller = CurrentMemoryContext;
  ResourceOwner owner = CurrentResourceOwner;
  RewardWrite result = RewardWrite::kRejected;
  BeginInternalSubTransaction(nullptr);
  MemoryContextSwitchTo(caller);
  PG_TRY();
  {
    result = run_write(event_id, serialized, node, loop_id);
    ReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(caller);
    CurrentResourceOwner = owner;
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller);
    ErrorData* error = CopyErrorData();
    FlushErrorState();
    RollbackAndReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(caller);
    CurrentResourceOwner = owner;
    if (!rejects_the_reward(error->sqlerrcode)) ReThrowError(error);
    ereport(WARNING, (errcode(error->sqlerrcode),
                      errmsg("pz could not write a reward forwarded by node \"%s\": %s", node,
                             error->message),
                      errdetail("The reward is dropped.")));
    *loop_id = 0;
    result = RewardWrite::kRejected;
  }
  PG_END_TRY();
  return result;
}

}  // namespace pz::pg

// pz.queue_reward(event_id, reward, signal): pz_reward on a hot standby,
// after its checks. Queues the reward for the primary; never waits on it.
PZ_SQL_FUNCTION(pz_queue_reward) {
  using namespace pz::pg;
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
    throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED,
                   std::string(PG_ARGISNULL(0) ? "event_id" : "reward") + " must not be null");
  check_buffering_available();
  char* record = nullptr;
  uint32 size = 0;
  pg_call([&] {
    text* signal = PG_ARGISNULL(2) ? nullptr : PG_GETARG_TEXT_PP(2);
    RewardHeader header;
    memset(&header, 0, sizeof header);
    if (!pg_strong_random(header.key.data, UUID_LEN))
      ereport(ERROR,
              (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate a random reward key")));
    header.received_at = GetCurrentTimestamp();
    header.value = PG_GETARG_FLOAT8(1);
    header.signal_bytes = signal == nullptr ? -1 : static_cast<int32>(VARSIZE_ANY_EXHDR(signal));
    size = static_cast<uint32>(sizeof header + Max(header.signal_bytes, 0));
    record = static_cast<char*>(palloc(size));
    memcpy(record, &header, sizeof header);
    if (signal != nullptr) memcpy(record + sizeof header, VARDATA_ANY(signal), header.signal_bytes);
  });
  pg_call([&] {
    EnqueueResult result =
        enqueue_waiting(RecordKind::kReward, MyDatabaseId, *PG_GETARG_UUID_P(0), record, size);
    if (result != EnqueueResult::kQueued) drop_queued_record("reward", result);
  });
  PG_RETURN_VOID();
}
