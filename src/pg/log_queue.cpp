#include "pg/log_queue.hpp"

#include <sys/mman.h>

#include <cstring>

#include "pg/gucs.hpp"

extern "C" {
#include "access/xlog.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

namespace pz::pg {

namespace {

constexpr const char* kTrancheName = "pz log queue";

// A record that finds the queue full waits this long for room before its
// caller falls back (see enqueue_waiting()).
constexpr long kFullWaitMs = 500;
constexpr long kFullPollMs = 5;

// The logger may lag this many flush intervals behind the rank calls: past
// that, they wait for it (back-pressure), so what a crash of the server can
// lose stays a fixed span of decisions however loaded the machine is.
constexpr long kLagIntervals = 5;
// A logger that releases nothing for this long is stuck (on a lock, say):
// rank calls stop waiting for it until it moves again, and the queue's
// capacity is the bound meanwhile.
constexpr long kStalledMs = 1000;

// One record in the ring: this header, then the serialized row. Records are
// contiguous in positions (offsets that only grow) and may wrap around the end
// of the data area.
struct RecordHeader {
  uint32_t size;  // bytes of the row after the header
  RecordKind kind;
  Oid database;
  pg_uuid_t event_id;
  TimestampTz queued_at;
};

// In the postmaster's own mapping: survives the rebuild of the main segment.
// head, tail and the counters change only under the lock; the bytes between
// tail and head are complete records (head moves after the copy), so a process
// killed at any point leaves the ring consistent.
struct Ring {
  uint64_t capacity;
  uint64_t head;  // position of the next record
  uint64_t tail;  // position of the oldest record not yet written
  uint64_t queued;
  uint64_t enqueued;
  uint64_t written;
  uint64_t written_directly;
  uint64_t discarded;
  uint64_t failed;
  uint64_t forwarded;
  uint64_t dropped;
  char data[FLEXIBLE_ARRAY_MEMBER];
};

// In the main segment: rebuilt after a crash, which also frees a lock that a
// killed process held.
struct Control {
  LWLock* lock;
  Latch* logger_latch;  // nullptr while no logger runs
  bool closed;          // the logger is draining the queue before it exits
  bool forwarder_connected;
  uint64_t stalled_tail;  // the tail a rank call gave up waiting at (UINT64_MAX: none)
};

Ring* ring = nullptr;
Control* control = nullptr;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

void request_shared_memory() {
  if (previous_request_hook != nullptr) previous_request_hook();
  RequestAddinShmemSpace(MAXALIGN(sizeof(Control)));
  RequestNamedLWLockTranche(kTrancheName, 1);
}

void attach_shared_memory() {
  if (previous_startup_hook != nullptr) previous_startup_hook();
  bool found;
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  auto* state = static_cast<Control*>(ShmemInitStruct("pz log queue", sizeof(Control), &found));
  if (!found) {
    state->lock = &GetNamedLWLockTranche(kTrancheName)->lock;
    state->logger_latch = nullptr;
    state->closed = false;
    state->forwarder_connected = false;
    state->stalled_tail = UINT64_MAX;
  }
  LWLockRelease(AddinShmemInitLock);
  control = state;
}

void copy_in(uint64_t position, const void* source, uint64_t size) {
  uint64_t offset = position % ring->capacity;
  uint64_t first = Min(size, ring->capacity - offset);
  memcpy(ring->data + offset, source, first);
  memcpy(ring->data, static_cast<const char*>(source) + first, size - first);
}

void copy_out(uint64_t position, void* target, uint64_t size) {
  uint64_t offset = position % ring->capacity;
  uint64_t first = Min(size, ring->capacity - offset);
  memcpy(target, ring->data + offset, first);
  memcpy(static_cast<char*>(target) + first, ring->data, size - first);
}

// Reads the record at `position` (the lock held, or the caller the logger);
// returns the position after it. `in_place`: the row may be left where it is
// when it does not wrap around the end of the ring (for the reader, whose
// records stay until it releases them; copying each 6 kB row out was 5% of
// the logger's time), else it is copied.
uint64_t read_record(uint64_t position, QueuedEvent* event, bool in_place) {
  RecordHeader header;
  copy_out(position, &header, sizeof header);
  event->kind = header.kind;
  event->database = header.database;
  event->event_id = header.event_id;
  event->size = header.size;
  const uint64_t row_offset = (position + sizeof header) % ring->capacity;
  if (in_place && row_offset + header.size <= ring->capacity) {
    event->row = ring->data + row_offset;
  } else {
    event->row = static_cast<char*>(palloc(header.size));
    copy_out(position + sizeof header, event->row, header.size);
  }
  event->end = position + sizeof header + header.size;
  return event->end;
}

}  // namespace

void init_log_queue() {
  // Allocated now, in the postmaster, and inherited by every process it forks.
  const uint64_t capacity = static_cast<uint64_t>(pz_log_buffer_kb()) * 1024;
  const size_t bytes = offsetof(Ring, data) + capacity;
  void* mapping = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED)
    ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
                    errmsg("could not map %zu bytes for the pz log queue: %m", bytes),
                    errhint("Lower pz.log_buffer_size.")));
  ring = static_cast<Ring*>(mapping);  // zero-filled: empty
  ring->capacity = capacity;
  previous_request_hook = shmem_request_hook;
  shmem_request_hook = request_shared_memory;
  previous_startup_hook = shmem_startup_hook;
  shmem_startup_hook = attach_shared_memory;
}

bool log_queue_available() { return ring != nullptr && control != nullptr; }

EnqueueResult enqueue_record(RecordKind kind, Oid database, const pg_uuid_t& event_id,
                             const char* row, uint32_t size) {
  const uint64_t needed = sizeof(RecordHeader) + size;
  if (needed > ring->capacity) return EnqueueResult::kTooLarge;
  RecordHeader header{size, kind, database, event_id, GetCurrentTimestamp()};
  LWLockAcquire(control->lock, LW_EXCLUSIVE);
  if (control->closed) {
    LWLockRelease(control->lock);
    return EnqueueResult::kClosed;
  }
  const uint64_t used = ring->head - ring->tail;
  if (used + needed > ring->capacity) {
    LWLockRelease(control->lock);
    return EnqueueResult::kFull;
  }
  copy_in(ring->head, &header, sizeof header);
  copy_in(ring->head + sizeof header, row, size);
  ring->head += needed;  // last: the record is complete before it counts
  ring->queued += 1;
  ring->enqueued += 1;
  // Past half full, the logger writes now instead of at its next interval.
  const bool wake = used <= ring->capacity / 2 && used + needed > ring->capacity / 2;
  Latch* latch = control->logger_latch;
  LWLockRelease(control->lock);
  if (wake && latch != nullptr) SetLatch(latch);
  return EnqueueResult::kQueued;
}

namespace {

// Whether a reader drains the queue now: the logger on a primary, the
// connected forwarder on a standby. The lock is held.
bool queue_draining(bool standby) {
  return control->logger_latch != nullptr && !control->closed && (!standby || control->forwarder_connected);
}

// One short wait for the reader to make room, woken first.
void nap_for_logger() {
  wake_logger();
  (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, kFullPollMs, PG_WAIT_EXTENSION);
  ResetLatch(MyLatch);
  CHECK_FOR_INTERRUPTS();
}

// Waits while the oldest queued record is older than kLagIntervals flush
// intervals and the reader is draining the queue and moving.
void wait_while_logger_lags() {
  const long lag_limit_ms = kLagIntervals * pz_log_flush_interval_ms();
  const bool standby = RecoveryInProgress();
  uint64_t last_tail = UINT64_MAX;
  TimestampTz last_progress = 0;
  for (;;) {
    LWLockAcquire(control->lock, LW_SHARED);
    const uint64_t tail = ring->tail;
    const bool lagging_candidate = queue_draining(standby) && tail < ring->head && control->stalled_tail != tail;
    RecordHeader oldest{};
    if (lagging_candidate) copy_out(tail, &oldest, sizeof oldest);
    LWLockRelease(control->lock);
    if (!lagging_candidate) return;
    const TimestampTz now = GetCurrentTimestamp();
    if (!TimestampDifferenceExceeds(oldest.queued_at, now, lag_limit_ms)) return;
    if (tail != last_tail) {
      last_tail = tail;
      last_progress = now;
    } else if (TimestampDifferenceExceeds(last_progress, now, kStalledMs)) {
      LWLockAcquire(control->lock, LW_EXCLUSIVE);
      if (ring->tail == tail) control->stalled_tail = tail;
      LWLockRelease(control->lock);
      return;
    }
    nap_for_logger();
  }
}

}  // namespace

EnqueueResult enqueue_waiting(RecordKind kind, Oid database, const pg_uuid_t& event_id,
                              const char* row, uint32_t size) {
  wait_while_logger_lags();
  EnqueueResult result = enqueue_record(kind, database, event_id, row, size);
  // A standby's queue drains only while the primary answers.
  if (result == EnqueueResult::kFull && RecoveryInProgress() && !forwarder_connected()) return result;
  for (long waited = 0; result == EnqueueResult::kFull && waited < kFullWaitMs; waited += kFullPollMs) {
    nap_for_logger();
    result = enqueue_record(kind, database, event_id, row, size);
  }
  return result;
}

int read_events(uint64_t* position, int max, QueuedEvent* events) {
  LWLockAcquire(control->lock, LW_SHARED);
  const uint64_t head = ring->head;
  uint64_t from = Max(*position, ring->tail);
  LWLockRelease(control->lock);
  // Records before head are complete and stay until the logger releases them.
  int count = 0;
  while (count < max && from < head) from = read_record(from, &events[count++], true);
  *position = from;
  return count;
}

void release_events(uint64_t end, uint64_t written, uint64_t discarded, uint64_t failed) {
  LWLockAcquire(control->lock, LW_EXCLUSIVE);
  Assert(end <= ring->head);
  if (end > ring->tail) {
    ring->queued -= written + discarded + failed;
    ring->tail = end;
  }
  ring->written += written;
  ring->discarded += discarded;
  ring->failed += failed;
  LWLockRelease(control->lock);
}

bool find_queued_event(Oid database, const pg_uuid_t& event_id, QueuedEvent* found) {
  if (!log_queue_available()) return false;
  bool hit = false;
  LWLockAcquire(control->lock, LW_SHARED);
  for (uint64_t position = ring->tail; position < ring->head;) {
    RecordHeader header;
    copy_out(position, &header, sizeof header);
    if (header.kind == RecordKind::kEvent && header.database == database && memcmp(&header.event_id, &event_id, sizeof event_id) == 0) {
      hit = true;
      if (found != nullptr) read_record(position, found, false);
      break;
    }
    position += sizeof header + header.size;
  }
  LWLockRelease(control->lock);
  return hit;
}

void count_direct_write() {
  LWLockAcquire(control->lock, LW_EXCLUSIVE);
  ring->written_directly += 1;
  LWLockRelease(control->lock);
}

void count_dropped() {
  LWLockAcquire(control->lock, LW_EXCLUSIVE);
  ring->dropped += 1;
  LWLockRelease(control->lock);
}

void drop_queued_record(const char* what, EnqueueResult why) {
  count_dropped();
  const char* reason = why == EnqueueResult::kClosed     ? "the pz logger is shutting down"
                       : why == EnqueueResult::kTooLarge ? "it is larger than pz.log_buffer_size"
                                                         : "the pz log queue is full";
  ereport(WARNING,
          (errcode(ERRCODE_INSUFFICIENT_RESOURCES),
           errmsg("pz could not queue the %s on this standby: %s; it is not logged", what, reason),
           errdetail("pz.log_queue counts the records dropped so; the queue drains only while the primary "
                     "(pz.primary_conninfo) accepts them."),
           errhint("Check that the primary is reachable, or raise pz.log_buffer_size.")));
}

void count_forwarded(uint64_t records) {
  LWLockAcquire(control->lock, LW_EXCLUSIVE);
  ring->forwarded += records;
  LWLockRelease(control->lock);
}

void set_forwarder_connected(bool connected) {
  LWLockAcquire(control->lock, LW_EXCLUSIVE);
  control->forwarder_connected = connected;
  LWLockRelease(control->lock);
}

bool forwarder_connected() {
  LWLockAcquire(control->lock, LW_SHARED);
  bool connected = control->forwarder_connected && control->logger_latch != nullptr;
  LWLockRelease(control->lock);
  return connected;
}

void attach_logger(Latch* latch) {
  LWLockAcquire(control->lock, LW_EXCLUSIVE);
  control->logger_latch = latch;
  control->closed = false;
  LWLockRelease(control->lock);
}

void close_queue() {
  LWLockAcquire(control->lock, LW_EXCLUSIVE);
  control->closed = true;
  LWLockRelease(control->lock);
}

void detach_logger() {
  LWLockAcquire(control->lock, LW_EXCLUSIVE);
  control->logger_latch = nullptr;
  control->forwarder_connected = false;
  LWLockRelease(control->lock);
}

void wake_logger() {
  LWLockAcquire(control->lock, LW_SHARED);
  Latch* latch = control->logger_latch;
  LWLockRelease(control->lock);
  if (latch != nullptr) SetLatch(latch);
}

QueueStats read_queue_stats() {
  QueueStats stats{};
  if (!log_queue_available()) return stats;
  LWLockAcquire(control->lock, LW_SHARED);
  stats.queued = ring->queued;
  stats.queued_bytes = ring->head - ring->tail;
  stats.capacity_bytes = ring->capacity;
  stats.enqueued = ring->enqueued;
  stats.written = ring->written;
  stats.written_directly = ring->written_directly;
  stats.discarded = ring->discarded;
  stats.failed = ring->failed;
  stats.forwarded = ring->forwarded;
  stats.dropped = ring->dropped;
  stats.logger_running = control->logger_latch != nullptr;
  stats.forwarder_connected = control->forwarder_connected;
  LWLockRelease(control->lock);
  return stats;
}

}  // namespace pz::pg
