// A transaction of one of pz's background workers (the trainer, the logger),
// begun and committed as a client session's statement would be: with its own
// statement time, a snapshot, its activity shown in pg_stat_activity, and its
// table statistics flushed. PostgreSQL side (may ereport).
#pragma once

namespace pz::pg {

void begin_worker_transaction(const char* activity);

// A client backend flushes its table statistics when it goes idle; a worker
// must do it itself, or autovacuum never sees its writes (pz.models,
// pz.event_state, pz.decisions). At most once a second unless forced.
void commit_worker_transaction();

}  // namespace pz::pg
