// See worker_transaction.hpp.
#include "pg/worker_transaction.hpp"

#include "pg/postgres.hpp"

extern "C" {
#include "access/xact.h"
#include "pgstat.h"
#include "utils/snapmgr.h"
}

namespace pz::pg {

void begin_worker_transaction(const char* activity) {
  // now() in the transaction must be its own time, as in a client session.
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  PushActiveSnapshot(GetTransactionSnapshot());
  pgstat_report_activity(STATE_RUNNING, activity);
}

void commit_worker_transaction() {
  PopActiveSnapshot();
  CommitTransactionCommand();
  pgstat_report_activity(STATE_IDLE, nullptr);
  pgstat_report_stat(false);
}

}  // namespace pz::pg
