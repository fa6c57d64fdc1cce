// auto_optimize in the background worker: after training a loop, the worker
// runs its optimization when the loop's auto_optimize interval has passed
// (pz.run_auto_optimize, sql/update/75_auto_optimize.sql).
#pragma once

namespace pz::pg {

// In the caller's open transaction: runs the loop's optimization if due and
// records its decision. Returns false (nothing more is due after it). Throws
// PostgresError as pz.run_auto_optimize raises.
bool optimize_if_due(const char* loop);

}  // namespace pz::pg
