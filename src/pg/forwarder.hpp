// The forwarding half of the pz logger on a hot standby: sends what rank and
// reward calls queued (log_queue.hpp) to the primary named by
// pz.primary_conninfo, in batches, through pz.ingest_forwarded. The primary
// writes them idempotently (events by event id, rewards by their key), so a
// batch resent after a lost connection counts once.
//
// A sent batch stays in the queue until this standby has replayed the
// primary's commit of it: until then pz_reward here still finds its events
// in the queue (they are not yet in the replicated pz.events), and a promoted
// standby writes them itself (again idempotently) if that commit never
// reached it.
//
// PostgreSQL-style code, run by the logger only; network waits are the
// logger's (bounded by timeouts), never a backend's.
#pragma once

namespace pz::pg {

// Releases what replay has caught up with, then sends one batch if there is
// one and the primary answers. Returns how many records it sent.
int forward_batch();

// Forgets the connection and what was sent (after promotion, or on exit).
void forwarder_reset();

}  // namespace pz::pg
