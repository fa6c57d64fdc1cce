#include "pg/worker_registration.hpp"

#include <cstring>

#include "pg/postgres.hpp"

extern "C" {
#include "postmaster/bgworker.h"
}

namespace pz::pg {

void register_pz_worker(const char* function_name, const char* type, int restart_seconds,
                        BgWorkerStartTime start_time) {
  BackgroundWorker worker;
  std::memset(&worker, 0, sizeof worker);
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = start_time;
  worker.bgw_restart_time = restart_seconds;
  snprintf(worker.bgw_library_name, BGW_MAXLEN, "pz");
  snprintf(worker.bgw_function_name, BGW_MAXLEN, "%s", function_name);
  snprintf(worker.bgw_name, BGW_MAXLEN, "%s", type);
  snprintf(worker.bgw_type, BGW_MAXLEN, "%s", type);
  worker.bgw_main_arg = Datum(0);
  worker.bgw_notify_pid = 0;
  RegisterBackgroundWorker(&worker);
}

}  // namespace pz::pg
