// The background worker that trains due loops on their model_update cadence
// in the database named by pz.database.
#pragma once

namespace pz::pg {

// Registers the worker with the postmaster; called from _PG_init while
// shared_preload_libraries is being processed.
void register_worker();

}  // namespace pz::pg
