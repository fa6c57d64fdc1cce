// Retention in the background worker: after training a loop, the worker
// deletes its expired events (pz.apply_retention, sql/update/20_retention.sql)
// a short batch a transaction.
#pragma once

namespace pz::pg {

// Deletes one batch of the loop's joined events older than its `retention`
// setting, with their rewards, in the caller's open transaction. Returns
// whether more are due. Throws PostgresError as pz.apply_retention raises.
bool delete_expired_events(const char* loop);

}  // namespace pz::pg
