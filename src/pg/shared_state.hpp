// State shared by all backends through shared memory (only when pz is in
// shared_preload_libraries): a generation counter of the loops, so that a
// backend learns for the price of one atomic read that no loop row changed.
#pragma once

#include <cstdint>

namespace pz::pg {

// Requests the shared memory and installs the hooks that set it up; called
// from _PG_init while shared_preload_libraries is being processed.
void init_shared_state();

// Incremented after every commit of a transaction that changed a loop row
// (settings or current model). 0 when pz is not preloaded: callers must then
// re-read the rows every time. Never 0 otherwise.
//
// Read it before taking the snapshot the loop rows are read with (SPI's
// non-read-only execution takes a fresh one under READ COMMITTED); under
// REPEATABLE READ or SERIALIZABLE the transaction's snapshot may predate the
// bump just read, so do not remember the value read there as up to date.
uint64_t loops_generation();

// Makes the current transaction increment loops_generation() once it has
// committed and its changes are visible. Cheap to call more than once per
// transaction; does nothing when pz is not preloaded; never raises an error.
// Such a transaction cannot be PREPAREd (its later COMMIT PREPARED would not
// bump the counter).
void bump_loops_generation_at_commit();

// On a hot standby loop rows change by WAL replay, which commits nothing here:
// the pz logger calls this every round and it increments loops_generation()
// when replay has advanced since its last call (so a standby's rank calls see
// a replayed model within a round of the logger).
void bump_loops_generation_after_replay();

}  // namespace pz::pg
