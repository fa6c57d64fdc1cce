// Registering one of pz's background workers with the postmaster (from
// _PG_init, while shared_preload_libraries is processed).
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "postmaster/bgworker.h"
}

namespace pz::pg {

// A worker connected to a database, started at `start_time` (by default once
// recovery has finished: on a primary, or on a standby once promoted),
// running the exported C function `function_name` of the pz library; `type`
// is its name and backend_type ("pz trainer"); the postmaster restarts it
// `restart_seconds` after an error exit.
void register_pz_worker(const char* function_name, const char* type, int restart_seconds,
                        BgWorkerStartTime start_time = BgWorkerStart_RecoveryFinished);

}  // namespace pz::pg
