// The buffered-log queue: a bounded ring of serialized events that rank calls
// of loops with logging = buffered append to, and that the pz logger writes to
// pz.events in batches (see logger.hpp). On a hot standby the queue also takes
// the rewards pz_reward receives there, and the logger forwards both to the
// primary (forwarder.hpp).
//
// The ring lives in memory the postmaster maps when it preloads pz, not in the
// main shared memory segment: the postmaster rebuilds that segment after any
// process crashes (a kill -9 of a backend or of the logger), and the queued
// events must survive that. They do not survive the postmaster itself (an
// immediate shutdown or a crash of the server): see the README for the bound.
//
// Every function is PostgreSQL side (plain C: may ereport).
#pragma once

#include <cstdint>

#include "pg/postgres.hpp"

namespace pz::pg {

// Maps the ring and installs the shared-memory hooks; called from _PG_init
// while shared_preload_libraries is being processed.
void init_log_queue();

// False when pz is not preloaded: there is no queue.
bool log_queue_available();

enum class EnqueueResult { kQueued, kFull, kTooLarge, kClosed };

// What a record holds: a decision (an event row), or a reward received on a
// standby (reward_log.hpp), which names its event in event_id.
enum class RecordKind : uint8_t { kEvent = 0, kReward = 1 };

// Appends one record (its serialized row, `size` bytes) for `database`. Never
// waits: kFull when there is no room now, kTooLarge when it would never fit,
// kClosed while the logger is shutting down (it would not write it).
EnqueueResult enqueue_record(RecordKind kind, Oid database, const pg_uuid_t& event_id,
                             const char* row, uint32_t size);
inline EnqueueResult enqueue_event(Oid database, const pg_uuid_t& event_id, const char* row,
                                   uint32_t size) {
  return enqueue_record(RecordKind::kEvent, database, event_id, row, size);
}

// enqueue_record(), but when the queue is full and its reader is draining it
// (the logger on a primary, the connected forwarder on a standby), waits a
// moment for room. Waits on the latch only (PostgreSQL side: may ereport on
// an interrupt); never on the network.
EnqueueResult enqueue_waiting(RecordKind kind, Oid database, const pg_uuid_t& event_id,
                              const char* row, uint32_t size);

// One queued record: a copy palloc'd in the current memory context, or (as
// read_events() gives it) its row left in the ring.
struct QueuedEvent {
  uint64_t end;  // position just past the record: pass it to release_events()
  RecordKind kind;
  Oid database;
  pg_uuid_t event_id;
  uint32_t size;
  char* row;
};

// Reads up to `max` events from `*position` (0: the oldest queued) into
// `events` and moves `*position` past them; returns how many. Only the logger
// releases events, so what it reads stays in place until it releases it: a
// row is left in the ring unless it wraps around its end (then copied), and
// must not be used after release_events() passed it.
int read_events(uint64_t* position, int max, QueuedEvent* events);

// Frees the queue up to `end` once the events before it are committed.
void release_events(uint64_t end, uint64_t written, uint64_t discarded, uint64_t failed);

// Finds a queued event of `database`; copies its row into `found` when not null.
bool find_queued_event(Oid database, const pg_uuid_t& event_id, QueuedEvent* found);

// Counts an event that a rank call inserted itself because the queue was full.
void count_direct_write();

// Counts a record a standby could not queue (full while the primary is
// unreachable): the decision or reward is lost, with a WARNING.
void count_dropped();

// On a standby, where nothing can be inserted instead: counts a record that
// enqueue_waiting() could not queue and warns that `what` ("decision",
// "reward") is not logged.
void drop_queued_record(const char* what, EnqueueResult why);

// The forwarder's side on a standby: records sent to the primary, and whether
// it is connected (a rank call waits for room only while it is: a queue that
// the primary does not drain would only make every rank call slow).
void count_forwarded(uint64_t records);
void set_forwarder_connected(bool connected);
bool forwarder_connected();

// The logger's side: where to wake it (attaching also opens the queue), and
// closing the queue while it drains it before exiting.
void attach_logger(Latch* latch);
void close_queue();
void detach_logger();
void wake_logger();

struct QueueStats {
  uint64_t queued;
  uint64_t queued_bytes;
  uint64_t capacity_bytes;
  uint64_t enqueued;
  uint64_t written;
  uint64_t written_directly;
  uint64_t discarded;
  uint64_t failed;
  uint64_t forwarded;
  uint64_t dropped;
  bool logger_running;
  bool forwarder_connected;
};
QueueStats read_queue_stats();

}  // namespace pz::pg
