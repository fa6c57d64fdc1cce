// The extension's entry point: module magic and start-up.
#include "pg/gucs.hpp"
#include "pg/log_queue.hpp"
#include "pg/logger.hpp"
#include "pg/postgres.hpp"
#include "pg/shared_models.hpp"
#include "pg/shared_state.hpp"
#include "pg/worker.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
}

void _PG_init(void) {
  pz::pg::define_gucs();
  MarkGUCPrefixReserved("pz");
  // Shared memory and workers exist only when the server preloads pz.
  if (process_shared_preload_libraries_in_progress) {
    pz::pg::init_shared_state();
    pz::pg::init_shared_models();
    pz::pg::register_worker();
    pz::pg::init_log_queue();
    pz::pg::register_logger();
  }
}
