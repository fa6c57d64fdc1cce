// The buffered-log queue: a bounded ring of serialized events that rank calls
// of loops with logging = buffered append to, and that the pz logger writes to
// pz.events in batches (see logger.hpp).
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

// Appends one event (its serialized row, `size` bytes) for `database`. Never
// waits: kFull when there is no room now, kTooLarge when it would never fit,
// kClosed while the logger is shutting down (it would not write it).
EnqueueResult enqueue_event(Oid database, const pg_uuid_t& event_id, const char* row,
                            uint32_t size);

// A copy of one queued event, palloc'd in the current memory context.
struct QueuedEvent {
  uint64_t end;  // position just past the record: pass it to release_events()
  Oid database;
  pg_uuid_t event_id;
  uint32_t size;
  char* row;
};

// Copies up to `max` events from `*position` (0: the oldest queued) into
// `events` and moves `*position` past them; returns how many. Only the logger
// releases events, so what it reads stays in place until it releases it.
int read_events(uint64_t* position, int max, QueuedEvent* events);

// Frees the queue up to `end` once the events before it are committed.
void release_events(uint64_t end, uint64_t written, uint64_t discarded, uint64_t failed);

// Finds a queued event of `database`; copies its row into `found` when not null.
bool find_queued_event(Oid database, const pg_uuid_t& event_id, QueuedEvent* found);

// Counts an event that a rank call inserted itself because the queue was full.
void count_direct_write();

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
  bool logger_running;
};
QueueStats read_queue_stats();

}  // namespace pz::pg
