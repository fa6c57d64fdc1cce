// The logger is PostgreSQL-style code throughout: no C++ object with a
// destructor lives in its frames, so errors are caught with PG_TRY as in any
// background worker.
//
// Exactly once: a batch is released from the queue only after its transaction
// committed, and writing is idempotent by event id, so a crash between the two
// writes nothing twice. A clean stop (SIGTERM: server shutdown or
// pg_terminate_backend) closes the queue, writes all of it, then exits.
#include "pg/logger.hpp"

#include <cstring>

#include "pg/event_log.hpp"
#include "pg/forwarder.hpp"
#include "pg/freed_memory.hpp"
#include "pg/gucs.hpp"
#include "pg/log_queue.hpp"
#include "pg/postgres.hpp"
#include "pg/queued_batch.hpp"
#include "pg/reward_log.hpp"
#include "pg/shared_state.hpp"
#include "pg/worker_registration.hpp"
#include "pg/worker_transaction.hpp"

extern "C" {
#include "access/xlog.h"
#include "commands/extension.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"

PGDLLEXPORT void pz_logger_main(Datum argument);
}

namespace pz::pg {

namespace {

constexpr int kBatch = 1000;        // events per transaction
constexpr int kRestartSeconds = 1;  // after an error exit; a crash restarts it at once

struct BatchCounts {
  uint64 written;
  uint64 discarded;  // their loop (or the extension) was dropped meanwhile
  uint64 failed;     // could not be written: a WARNING names each
};

MemoryContext batch_context = nullptr;
// One event's restored row and the garbage of writing it, emptied before the
// next: its first block stays, so the logger does not grow and trim the heap
// (and fault pages in) for every event of a batch.
MemoryContext event_context = nullptr;
constexpr Size kEventContextBytes = 1024 * 1024;
// The restored rows of the events appended together, emptied after them.
MemoryContext append_context = nullptr;
// Rows restored at once: large events are appended in several groups.
constexpr Size kAppendBytes = 8 * 1024 * 1024;

// A batch allocates and frees megabytes (its rows, their tuples, the
// executor's state): with glibc's defaults the logger faulted them in again
// batch after batch (a third of its time). Kept for reuse (freed_memory.hpp).
constexpr size_t kLoggerFreedMemory = 64 * 1024 * 1024;
QueuedEvent events[kBatch];
int appending[kBatch];  // positions in events[] of the group being gathered

void begin_transaction() { begin_worker_transaction("pz: writing queued decisions"); }

// Counts what writing a queued event did; warns of an id taken.
void count_event(const QueuedEvent* event, QueuedWrite written, BatchCounts* counts) {
  switch (written) {
    case QueuedWrite::kWritten:
    case QueuedWrite::kAlreadyWritten:
      ++counts->written;
      break;
    case QueuedWrite::kDiscarded:
      ++counts->discarded;
      break;
    case QueuedWrite::kIdTaken: {
      char* id = DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&event->event_id)));
      ereport(WARNING, (errcode(ERRCODE_UNIQUE_VIOLATION),
                        errmsg("pz logger: event %s already exists: the later decision with that "
                               "event id is not logged",
                               id),
                        errhint("Each options.event_id can be used once.")));
      ++counts->failed;
      break;
    }
  }
}

void write_one(const QueuedEvent* event, bool installed, BatchCounts* counts) {
  if (!installed || event->database != MyDatabaseId) {
    // Another database's events (it was dropped and re-created) or a dropped
    // extension's: nowhere to write them.
    ++counts->discarded;
    return;
  }
  if (event->kind == RecordKind::kReward) {
    // Queued on this node while it was a standby: written by its key, as the
    // primary would have (it may have, and replication brought the key here).
    int32 loop_id;
    switch (write_queued_reward(event->event_id, event->row, pz_node_name(), &loop_id)) {
      case RewardWrite::kWritten:
      case RewardWrite::kAlreadyWritten:
        ++counts->written;
        break;
      case RewardWrite::kDiscarded:
        ++counts->discarded;
        break;
      case RewardWrite::kRejected:
        ++counts->failed;
        break;
    }
    return;
  }
  MemoryContextReset(event_context);
  MemoryContext caller = MemoryContextSwitchTo(event_context);
  EventRow row;
  restore_event_row(event->row, &row);
  QueuedWrite written = write_queued_row(row);
  MemoryContextSwitchTo(caller);
  count_event(event, written, counts);
}

// Local events of this database only.
bool appendable(const QueuedEvent* event) {
  return event->kind == RecordKind::kEvent && event->database == MyDatabaseId;
}

// Writes the gathered events (appending[0, count)) as one group (queued_batch.hpp).
void write_appending(int count, BatchCounts* counts) {
  if (count == 0) return;
  MemoryContextReset(append_context);
  MemoryContext caller = MemoryContextSwitchTo(append_context);
  EventRow* rows = static_cast<EventRow*>(palloc(sizeof(EventRow) * count));
  QueuedWrite* results = static_cast<QueuedWrite*>(palloc(sizeof(QueuedWrite) * count));
  for (int i = 0; i < count; ++i) restore_event_row(events[appending[i]].row, &rows[i]);
  write_queued_rows(rows, count, results);
  MemoryContextSwitchTo(caller);
  for (int i = 0; i < count; ++i) count_event(&events[appending[i]], results[i], counts);
  MemoryContextReset(append_context);
}

// Writes events[from, to) in the current transaction; `append`: the
// events of this database in bulk (in the order queued, around the others),
// unless a table has triggers.
void write_events(int from, int to, bool append, BatchCounts* counts) {
  bool installed = OidIsValid(get_extension_oid("pz", true));
  if (!installed || !append || !queued_rows_appendable()) {
    for (int i = from; i < to; ++i) write_one(&events[i], installed, counts);
    return;
  }
  int gathered = 0;
  Size bytes = 0;
  for (int i = from; i < to; ++i) {
    if (!appendable(&events[i])) {
      write_appending(gathered, counts);
      gathered = 0;
      bytes = 0;
      write_one(&events[i], installed, counts);
      continue;
    }
    if (gathered > 0 && bytes + events[i].size > kAppendBytes) {
      write_appending(gathered, counts);
      gathered = 0;
      bytes = 0;
    }
    appending[gathered++] = i;
    bytes += events[i].size;
  }
  write_appending(gathered, counts);
}

// Errors of the data (class 22, 23) or of a dropped table (42) will not go
// away by retrying: such an event is dropped with a WARNING.
bool error_is_permanent(int sqlstate) {
  int category = ERRCODE_TO_CATEGORY(sqlstate);
  return category == ERRCODE_DATA_EXCEPTION || category == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION ||
         category == ERRCODE_SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION;
}

// After a batch failed: one transaction per event, dropping only those that
// fail by themselves. Returns how many were released (0: retry later).
int write_one_by_one(int count) {
  int released = 0;
  for (int i = 0; i < count; ++i) {
    BatchCounts counts = {0, 0, 0};
    MemoryContext caller = CurrentMemoryContext;
    bool retry_later = false;
    PG_TRY();
    {
      begin_transaction();
      write_events(i, i + 1, false, &counts);
      commit_worker_transaction();
    }
    PG_CATCH();
    {
      MemoryContextSwitchTo(caller);
      ErrorData* error = CopyErrorData();
      FlushErrorState();
      AbortCurrentTransaction();
      pgstat_report_activity(STATE_IDLE, nullptr);
      char* id = DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&events[i].event_id)));
      retry_later = !error_is_permanent(error->sqlerrcode);
      ereport(WARNING, (errcode(error->sqlerrcode),
                        errmsg("pz logger could not write event %s: %s", id, error->message),
                        retry_later ? errdetail("It stays queued and is written later.")
                                    : errdetail("The event is dropped.")));
      FreeErrorData(error);
      counts = {0, 0, 1};  // whatever it counted was rolled back
    }
    PG_END_TRY();
    if (retry_later) break;
    release_events(events[i].end, counts.written, counts.discarded, counts.failed);
    ++released;
  }
  return released;
}

// Writes the oldest queued events in one transaction; returns how many it
// released from the queue (0: empty, or retry later).
int flush_batch() {
  MemoryContextReset(batch_context);
  MemoryContext caller = MemoryContextSwitchTo(batch_context);
  uint64_t position = 0;
  int count = read_events(&position, kBatch, events);
  MemoryContextSwitchTo(caller);
  if (count == 0) return 0;
  BatchCounts counts = {0, 0, 0};
  bool failed = false;
  PG_TRY();
  {
    begin_transaction();
    write_events(0, count, true, &counts);
    commit_worker_transaction();
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller);
    EmitErrorReport();
    FlushErrorState();
    AbortCurrentTransaction();
    pgstat_report_activity(STATE_IDLE, nullptr);
    failed = true;
  }
  PG_END_TRY();
  if (failed) return write_one_by_one(count);
  release_events(events[count - 1].end, counts.written, counts.discarded, counts.failed);
  return count;
}

// Writes batches while full ones come; `all`: until the queue is empty (on a
// standby: until the primary takes no more). A standby forwards them; once
// promoted, the node writes them itself.
void flush(bool all) {
  for (;;) {
    CHECK_FOR_INTERRUPTS();
    bump_loops_generation_after_replay();
    if (RecoveryInProgress()) {
      int sent = forward_batch();
      if (sent == 0 || (!all && (sent < kBatch || ShutdownRequestPending))) return;
      continue;
    }
    forwarder_reset();
    int written = flush_batch();
    if (written == 0 || (written < kBatch && !all)) return;
    if (!all && ShutdownRequestPending) return;
  }
}

// The queue is closed first: rank calls then insert their events themselves
// (or fail in a read-only transaction), so nothing acknowledged stays behind.
// A standby's rank calls cannot insert: its queue stays open for the next
// logger (what a server shutdown leaves in it is the buffered bound).
void drain_and_exit() {
  if (!RecoveryInProgress()) close_queue();
  flush(true);
  proc_exit(1);  // 1: the postmaster starts a new logger unless it is shutting down
}

void on_exit_detach(int, Datum) {
  forwarder_reset();
  detach_logger();
}

}  // namespace

// From a consistent state on: a hot standby's logger forwards.
void register_logger() {
  register_pz_worker("pz_logger_main", "pz logger", kRestartSeconds, BgWorkerStart_ConsistentState);
}

}  // namespace pz::pg

// SIGTERM only asks to stop (no die()): the logger finishes writing the queue.
void pz_logger_main(Datum) {
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnection(pz::pg::pz_database(), nullptr, 0);
  // Its writes must work whatever the server's defaults for sessions are.
  SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_OVERRIDE);
  SetConfigOption("default_transaction_isolation", "read committed", PGC_SUSET, PGC_S_OVERRIDE);
  pz::pg::batch_context =
      AllocSetContextCreate(TopMemoryContext, "pz logger batch", ALLOCSET_DEFAULT_SIZES);
  pz::pg::event_context = AllocSetContextCreate(TopMemoryContext, "pz logger event", pz::pg::kEventContextBytes,
                                                pz::pg::kEventContextBytes, ALLOCSET_DEFAULT_MAXSIZE);
  pz::pg::append_context = AllocSetContextCreate(TopMemoryContext, "pz logger append", ALLOCSET_DEFAULT_SIZES);
  pz::pg::keep_freed_memory(pz::pg::kLoggerFreedMemory);
  before_shmem_exit(pz::pg::on_exit_detach, 0);
  pz::pg::attach_logger(MyLatch);
  for (;;) {
    // Barriers (DROP DATABASE waits for every process to absorb one) and
    // cancels; SIGTERM only sets ShutdownRequestPending.
    CHECK_FOR_INTERRUPTS();
    if (ShutdownRequestPending) pz::pg::drain_and_exit();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }
    pz::pg::flush(false);
    pgstat_report_stat(true);  // all of it before sleeping
    int events = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_POSTMASTER_DEATH,
                           pz::pg::pz_log_flush_interval_ms(), PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    // Its backends may still be writing: what is queued is written before leaving.
    if (events & WL_POSTMASTER_DEATH) pz::pg::drain_and_exit();
  }
}
