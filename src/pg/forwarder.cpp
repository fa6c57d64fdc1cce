#include "pg/forwarder.hpp"

#include <cstdio>
#include <cstring>

#include "core/forward_batch.hpp"
#include "pg/gucs.hpp"
#include "pg/log_queue.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "access/xlogrecovery.h"
#include "libpq-fe.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

namespace pz::pg {

namespace {

constexpr int kBatchRecords = 1000;
constexpr long kIoTimeoutMs = 10000;  // connecting, or one call, before giving up on it
constexpr long kRetryMs = 1000;       // between attempts to reach the primary
constexpr long kWarnEveryMs = 60000;  // the unreachable primary's WARNING, at most this often
constexpr long kReplayWaitMs =
    60000;  // a sent batch whose commit replay never shows is released then
constexpr int kMaxPending = 64;

// A batch the primary committed, waiting for replay to show it here.
struct Pending {
  uint64_t end;  // queue position after its last record
  XLogRecPtr lsn;
  TimestampTz sent_at;
  uint64_t records;
};

PGconn* connection = nullptr;
char* connected_with = nullptr;  // the pz.primary_conninfo the connection was made with
uint64_t sent_position = 0;      // 0: nothing sent (the queue's oldest record)
Pending pending[kMaxPending];
int pending_count = 0;
TimestampTz next_attempt = 0;
TimestampTz last_warning = 0;
MemoryContext forward_context = nullptr;
QueuedEvent records[kBatchRecords];

bool elapsed(TimestampTz since, long ms) {
  return TimestampDifferenceExceeds(since, GetCurrentTimestamp(), static_cast<int>(ms));
}

void warn_unreachable(const char* why) {
  set_forwarder_connected(false);
  if (last_warning != 0 && !elapsed(last_warning, kWarnEveryMs)) return;
  last_warning = GetCurrentTimestamp();
  QueueStats stats = read_queue_stats();
  ereport(
      WARNING,
      (errmsg("pz logger cannot forward to the primary: %s", why),
       errdetail(
           "%llu decisions and rewards are queued (%llu of %llu bytes); %llu were dropped since "
           "the server started because the queue was full.",
           static_cast<unsigned long long>(stats.queued),
           static_cast<unsigned long long>(stats.queued_bytes),
           static_cast<unsigned long long>(stats.capacity_bytes),
           static_cast<unsigned long long>(stats.dropped)),
       errhint("Check pz.primary_conninfo and that the primary is up. The queue holds until it is "
               "full; "
               "a crash of this server loses what it holds.")));
}

void disconnect() {
  if (connection != nullptr) PQfinish(connection);
  connection = nullptr;
  set_forwarder_connected(false);
  // Resend from the oldest record not known to be committed on the primary.
  sent_position = pending_count > 0 ? pending[pending_count - 1].end : 0;
}

// Waits for the connection's socket (or a timeout); false on timeout.
bool wait_for_socket(int events, TimestampTz deadline) {
  long remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
  if (remaining <= 0) return false;
  // Not WL_EXIT_ON_PM_DEATH: after the postmaster died the logger still
  // forwards what is queued before it exits (see logger.cpp).
  int happened =
      WaitLatchOrSocket(MyLatch, events | WL_LATCH_SET | WL_TIMEOUT | WL_POSTMASTER_DEATH,
                        PQsocket(connection), remaining, PG_WAIT_EXTENSION);
  if (happened & WL_LATCH_SET) ResetLatch(MyLatch);
  if (happened & WL_POSTMASTER_DEATH) pg_usleep(1000L);  // it reports at once from now on
  CHECK_FOR_INTERRUPTS();
  return true;
}

bool connect_primary() {
  const char* keys[] = {"dbname", "fallback_application_name", nullptr};
  const char* values[] = {pz_primary_conninfo(), "pz forwarder", nullptr};
  connection = PQconnectStartParams(keys, values, 1);
  if (connection == nullptr || PQstatus(connection) == CONNECTION_BAD) {
    warn_unreachable(connection != nullptr ? PQerrorMessage(connection) : "out of memory");
    disconnect();
    return false;
  }
  TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), kIoTimeoutMs);
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK) {
    if (status == PGRES_POLLING_FAILED ||
        !wait_for_socket(status == PGRES_POLLING_READING ? WL_SOCKET_READABLE : WL_SOCKET_WRITEABLE,
                         deadline)) {
      warn_unreachable(status == PGRES_POLLING_FAILED ? PQerrorMessage(connection)
                                                      : "connecting timed out");
      disconnect();
      return false;
    }
    status = PQconnectPoll(connection);
  }
  if (PQsetnonblocking(connection, 1) != 0) {
    warn_unreachable(PQerrorMessage(connection));
    disconnect();
    return false;
  }
  if (connected_with != nullptr) pfree(connected_with);
  connected_with = MemoryContextStrdup(TopMemoryContext, pz_primary_conninfo());
  return true;
}

// Runs one statement; returns its result (PQclear it), nullptr when the
// connection failed or timed out (then closed, with a WARNING).
PGresult* run(const char* query, int count, const char* const* values, const int* lengths,
              const int* formats) {
  TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), kIoTimeoutMs);
  bool ok = PQsendQueryParams(connection, query, count, nullptr, values, lengths, formats, 0) == 1;
  int flushed;
  while (ok && (flushed = PQflush(connection)) != 0) {
    ok = flushed == 1 && wait_for_socket(WL_SOCKET_READABLE | WL_SOCKET_WRITEABLE, deadline) &&
         PQconsumeInput(connection) == 1;
  }
  while (ok && PQisBusy(connection))
    ok = wait_for_socket(WL_SOCKET_READABLE, deadline) && PQconsumeInput(connection) == 1;
  if (!ok) {
    warn_unreachable(PQstatus(connection) == CONNECTION_BAD ? PQerrorMessage(connection)
                                                            : "the primary did not answer in time");
    disconnect();
    return nullptr;
  }
  PGresult* result = PQgetResult(connection);
  for (PGresult* more; (more = PQgetResult(connection)) != nullptr;) PQclear(more);
  return result;
}

// Runs a statement that must return one row; its first value, or nullptr.
char* run_for_value(const char* query, int count, const char* const* values, const int* lengths,
                    const int* formats) {
  PGresult* result = run(query, count, values, lengths, formats);
  if (result == nullptr) return nullptr;
  char* value = nullptr;
  if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1) {
    value = pstrdup(PQgetvalue(result, 0, 0));
  } else {
    // The primary refused (privileges, an old pz there) or ended the session:
    // a WARNING, and a new session later.
    warn_unreachable(PQresultErrorMessage(result));
    PQclear(result);
    disconnect();
    return nullptr;
  }
  PQclear(result);
  return value;
}

void release_replayed() {
  XLogRecPtr replayed = GetXLogReplayRecPtr(nullptr);
  int released = 0;
  while (released < pending_count &&
         (pending[released].lsn <= replayed || elapsed(pending[released].sent_at, kReplayWaitMs)))
    ++released;
  if (released == 0) return;
  uint64_t records_released = 0;
  for (int i = 0; i < released; ++i) records_released += pending[i].records;
  release_events(pending[released - 1].end, records_released, 0, 0);
  memmove(pending, pending + released, (pending_count - released) * sizeof(Pending));
  pending_count -= released;
}

// The batch as pz.ingest_forwarded takes it, palloc'd.
char* encode_batch(int count, size_t* bytes) {
  size_t total = kBatchHeaderBytes;
  for (int i = 0; i < count; ++i) total += batch_record_bytes(records[i].size);
  char* batch = static_cast<char*>(palloc(total));
  write_batch_header(batch, static_cast<uint32_t>(count));
  char* cursor = batch + kBatchHeaderBytes;
  for (int i = 0; i < count; ++i)
    cursor = write_batch_record(cursor, static_cast<uint8_t>(records[i].kind),
                                records[i].event_id.data, records[i].row, records[i].size);
  *bytes = total;
  return batch;
}

// Sends records[0, count) and notes the commit; false if not done.
bool send(int count, uint64_t end) {
  size_t bytes;
  char* batch = encode_batch(count, &bytes);
  const char* values[2] = {pz_node_name(), batch};
  int lengths[2] = {0, static_cast<int>(bytes)};
  int formats[2] = {0, 1};
  char* answer =
      run_for_value("SELECT pz.ingest_forwarded($1, $2)::text", 2, values, lengths, formats);
  if (answer == nullptr) return false;
  // After the commit: replay past this point shows the batch here.
  char* lsn_text = run_for_value("SELECT pg_catalog.pg_current_wal_insert_lsn()::text", 0, nullptr,
                                 nullptr, nullptr);
  unsigned high = 0, low = 0;
  XLogRecPtr lsn = lsn_text != nullptr && sscanf(lsn_text, "%X/%X", &high, &low) == 2
                       ? (static_cast<XLogRecPtr>(high) << 32) | low
                       : InvalidXLogRecPtr;
  // Committed even if the position is unknown: wait the longest for replay then.
  pending[pending_count++] = {end, lsn == InvalidXLogRecPtr ? UINT64_MAX : lsn,
                              GetCurrentTimestamp(), static_cast<uint64_t>(count)};
  sent_position = end;
  count_forwarded(static_cast<uint64_t>(count));
  set_forwarder_connected(true);
  last_warning = 0;
  return true;
}

}  // namespace

int forward_batch() {
  release_replayed();
  const char* conninfo = pz_primary_conninfo();
  if (connection != nullptr && (connected_with == nullptr || strcmp(connected_with, conninfo) != 0))
    disconnect();  // pz.primary_conninfo changed (SIGHUP)
  if (pending_count == kMaxPending) return 0;
  if (forward_context == nullptr)
    forward_context =
        AllocSetContextCreate(TopMemoryContext, "pz forwarder batch", ALLOCSET_DEFAULT_SIZES);
  MemoryContextReset(forward_context);
  MemoryContext caller = MemoryContextSwitchTo(forward_context);
  uint64_t position = sent_position;
  int count = read_events(&position, kBatchRecords, records);
  int sent = 0;
  if (count > 0) {
    if (conninfo[0] == '\0') {
      warn_unreachable("pz.primary_conninfo is not set");
    } else if (GetCurrentTimestamp() >= next_attempt) {
      if ((connection != nullptr || connect_primary()) && send(count, position)) sent = count;
      // Failed: the next attempt after a pause (not at every round).
      if (sent == 0) next_attempt = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), kRetryMs);
    }
  }
  MemoryContextSwitchTo(caller);
  return sent;
}

void forwarder_reset() {
  pending_count = 0;
  disconnect();
  sent_position = 0;
}

}  // namespace pz::pg
