#include "pg/shared_state.hpp"

#include "pg/postgres.hpp"

extern "C" {
#include "access/xlogrecovery.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
}

namespace pz::pg {

namespace {

struct SharedState {
  pg_atomic_uint64 loops_generation;
};

SharedState* shared = nullptr;  // set in every process once shared memory is attached
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;
bool bump_pending = false;  // the current transaction changed a loop row

void request_shared_memory() {
  if (previous_request_hook != nullptr) previous_request_hook();
  RequestAddinShmemSpace(MAXALIGN(sizeof(SharedState)));
}

void attach_shared_memory() {
  if (previous_startup_hook != nullptr) previous_startup_hook();
  bool found;
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  auto* state =
      static_cast<SharedState*>(ShmemInitStruct("pz shared state", sizeof(SharedState), &found));
  // Starts at 1 so that 0 can mean "not preloaded".
  if (!found) pg_atomic_init_u64(&state->loops_generation, 1);
  LWLockRelease(AddinShmemInitLock);
  shared = state;
}

// Runs at every transaction end of every process that loaded pz when preloaded.
void on_transaction_event(XactEvent event, void*) {
  switch (event) {
    case XACT_EVENT_PRE_PREPARE:
      if (bump_pending)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("cannot PREPARE a transaction that changed pz loops")));
      break;
    case XACT_EVENT_COMMIT:
      // Called after the commit became visible to new snapshots: a backend
      // that sees the new value and then reads the rows sees the change.
      if (bump_pending && shared != nullptr) pg_atomic_fetch_add_u64(&shared->loops_generation, 1);
      bump_pending = false;
      break;
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PREPARE:
      bump_pending = false;
      break;
    default:
      break;
  }
}

}  // namespace

void init_shared_state() {
  previous_request_hook = shmem_request_hook;
  shmem_request_hook = request_shared_memory;
  previous_startup_hook = shmem_startup_hook;
  shmem_startup_hook = attach_shared_memory;
  // Registered here, once, and inherited by every forked process, so that
  // bump_loops_generation_at_commit() itself never allocates or fails.
  RegisterXactCallback(on_transaction_event, nullptr);
}

uint64_t loops_generation() {
  return shared != nullptr ? pg_atomic_read_u64(&shared->loops_generation) : 0;
}

void bump_loops_generation_after_replay() {
  static XLogRecPtr bumped_at = InvalidXLogRecPtr;
  XLogRecPtr replayed = GetXLogReplayRecPtr(nullptr);
  if (shared == nullptr || replayed == bumped_at) return;
  pg_atomic_fetch_add_u64(&shared->loops_generation, 1);
  bumped_at = replayed;
}

void bump_loops_generation_at_commit() {
  if (shared != nullptr) bump_pending = true;
}

}  // namespace pz::pg

// SQL: pz.loops_changed(), for the SQL and PL/pgSQL functions that change loop
// rows. Plain C: nothing in it can raise an error.
extern "C" {
PG_FUNCTION_INFO_V1(pz_loops_changed);
Datum pz_loops_changed(PG_FUNCTION_ARGS) {
  pz::pg::bump_loops_generation_at_commit();
  PG_RETURN_VOID();
}
}
