// The "pz trainer" background worker. Every pz.naptime it lists the loops
// (one transaction) and runs train_loop() for each one whose model_update has
// passed since its last attempt, one transaction per step, so that one loop's
// failure neither undoes nor stops another's.
//
// PostgreSQL calls the worker's main and may longjmp out of any of its calls:
// PostgreSQL code that can raise an ERROR runs through pg_call(), and the C++
// state that must outlive a round lives in globals, not in stack frames a
// longjmp could skip. No C++ exception leaves run_round_guarded().
#include "pg/worker.hpp"

#include <cstring>
#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/errors.hpp"
#include "pg/guard.hpp"
#include "pg/gucs.hpp"
#include "pg/postgres.hpp"
#include "pg/retention.hpp"
#include "pg/trainer.hpp"

extern "C" {
#include "commands/extension.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"

PGDLLEXPORT void pz_trainer_main(Datum argument);
}

namespace pz::pg {

namespace {

constexpr int kRestartSeconds = 5;  // after a crash or an error exit

// Process-lifetime state (globals: see the file comment).
std::unordered_map<std::string, TimestampTz> last_attempt;  // per loop name; none yet = due
std::vector<std::string> due_loops;  // of the current round, in loop_id order

// An error, copied out of its exception into fixed buffers so that it can be
// reported after the catch block, once the transaction is aborted.
struct Failure {
  int sqlstate = 0;
  char message[1024] = {};
  char detail[1024] = {};
};

void copy_text(char* target, size_t size, const char* text) {
  snprintf(target, size, "%s", text != nullptr ? text : "");
}

// Fills `failure` from the exception being handled; call only in a catch block.
void describe_current_exception(Failure& failure) {
  try {
    throw;
  } catch (const PostgresError& error) {
    failure.sqlstate = error.data()->sqlerrcode;
    copy_text(failure.message, sizeof failure.message, error.what());
    copy_text(failure.detail, sizeof failure.detail, error.data()->detail);
  } catch (const SqlError& error) {
    failure.sqlstate = error.sqlstate();
    copy_text(failure.message, sizeof failure.message, error.what());
    copy_text(failure.detail, sizeof failure.detail, error.detail().c_str());
  } catch (const pz::InputError& error) {
    failure.sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;
    copy_text(failure.message, sizeof failure.message, error.what());
  } catch (const pz::ModelFormatError& error) {
    failure.sqlstate = ERRCODE_DATA_CORRUPTED;
    copy_text(failure.message, sizeof failure.message, error.what());
  } catch (const std::bad_alloc&) {
    failure.sqlstate = ERRCODE_OUT_OF_MEMORY;
    copy_text(failure.message, sizeof failure.message, "out of memory");
  } catch (const std::exception& error) {
    failure.sqlstate = ERRCODE_INTERNAL_ERROR;
    copy_text(failure.message, sizeof failure.message, error.what());
  } catch (...) {
    failure.sqlstate = ERRCODE_INTERNAL_ERROR;
    copy_text(failure.message, sizeof failure.message, "unexpected C++ exception");
  }
}

// Ends the failed transaction, then reports the failure (plain frame: no
// catch block, no C++ object alive in this or the calling frames).
void abort_and_report(const Failure& failure, const char* what) {
  AbortCurrentTransaction();
  pgstat_report_activity(STATE_IDLE, nullptr);
  ereport(WARNING, (errcode(failure.sqlstate), errmsg("%s: %s", what, failure.message),
                    failure.detail[0] != '\0' ? errdetail("%s", failure.detail) : 0));
}

// --- PostgreSQL side: plain C-style code that may raise errors; run only
// through pg_call().

void begin_transaction(const char* activity) {
  // now() in the step must be the time of the step, as in a client session.
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  PushActiveSnapshot(GetTransactionSnapshot());
  pgstat_report_activity(STATE_RUNNING, activity);
}

void commit_transaction() {
  PopActiveSnapshot();
  CommitTransactionCommand();
  pgstat_report_activity(STATE_IDLE, nullptr);
}

// The loops of this database, palloc'd in the transaction's memory.
struct LoopListing {
  bool installed;
  uint64 count;
  char** names;
  double* model_update_seconds;
};

void read_loops(LoopListing* listing) {
  MemoryContext transaction_context = CurrentMemoryContext;
  listing->installed = OidIsValid(get_extension_oid("pz", true));
  listing->count = 0;
  if (!listing->installed) return;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  // Settings have their defaults filled in; the fallback is for safety only.
  int status = SPI_execute(
      "SELECT name, extract(epoch FROM coalesce(settings ->> 'model_update',"
      " pz.default_settings() ->> 'model_update')::interval)::float8"
      " FROM pz.loops ORDER BY loop_id",
      true, 0);
  if (status != SPI_OK_SELECT)
    elog(ERROR, "pz: reading pz.loops failed: %s", SPI_result_code_string(status));
  MemoryContext spi_context = MemoryContextSwitchTo(transaction_context);
  listing->count = SPI_processed;
  listing->names = static_cast<char**>(palloc0(sizeof(char*) * (SPI_processed + 1)));
  listing->model_update_seconds =
      static_cast<double*>(palloc0(sizeof(double) * (SPI_processed + 1)));
  for (uint64 i = 0; i < SPI_processed; ++i) {
    HeapTuple tuple = SPI_tuptable->vals[i];
    TupleDesc desc = SPI_tuptable->tupdesc;
    bool is_null;
    listing->names[i] = SPI_getvalue(tuple, desc, 1);
    Datum seconds = SPI_getbinval(tuple, desc, 2, &is_null);
    listing->model_update_seconds[i] = is_null ? 0.0 : DatumGetFloat8(seconds);
  }
  MemoryContextSwitchTo(spi_context);
  SPI_finish();
}

void log_step(const char* loop, int64 learned, int64 version) {
  elog(DEBUG1,
       "pz trainer: loop \"%s\" learned " INT64_FORMAT " examples, model version " INT64_FORMAT,
       loop, learned, version);
}

// --- C++ side.

// Fills due_loops from the listing and forgets loops that no longer exist.
void select_due_loops(const LoopListing& listing, TimestampTz now) {
  due_loops.clear();
  std::unordered_map<std::string, TimestampTz> kept;
  for (uint64 i = 0; i < listing.count; ++i) {
    std::string name = listing.names[i];
    auto attempt = last_attempt.find(name);
    bool due = attempt == last_attempt.end() || static_cast<double>(now - attempt->second) >=
                                                    listing.model_update_seconds[i] * USECS_PER_SEC;
    if (attempt != last_attempt.end()) kept.emplace(name, attempt->second);
    if (due) due_loops.push_back(std::move(name));
  }
  last_attempt.swap(kept);
}

// Lists the loops and selects the due ones; false (after reporting why) when
// that failed.
bool find_due_loops() {
  Failure failure;
  try {
    LoopListing listing{};
    pg_call([&] {
      begin_transaction("pz: looking for loops due for training");
      read_loops(&listing);
    });
    if (listing.installed) {
      select_due_loops(listing, GetCurrentTimestamp());
    } else {
      due_loops.clear();
      last_attempt.clear();
    }
    pg_call([] { commit_transaction(); });
    return true;
  } catch (...) {
    describe_current_exception(failure);
  }
  abort_and_report(failure, "pz trainer could not list the loops");
  return false;
}

enum class StepResult { kCaughtUp, kMoreDue, kFailed };

// A kind of step of a loop: what it is doing (for pg_stat_activity), what it
// failed to do (for the log), and its work inside the step's transaction,
// which says whether more is due.
struct StepKind {
  const char* doing;
  const char* failed_to;
  bool (*work)(const char* loop);
};

bool train_once(const char* loop) {
  TrainCounts counts = train_loop(loop, pz_train_batch_size());
  pg_call([&] { log_step(loop, counts.learned, counts.model_version); });
  return counts.more_due;
}

constexpr StepKind kTraining{"training", "train", train_once};
constexpr StepKind kRetention{"deleting expired events of", "delete expired events of", delete_expired_events};

// One step of `loop` in its own transaction.
StepResult run_step(const char* loop, const StepKind& kind) {
  Failure failure;
  char activity[256];
  snprintf(activity, sizeof activity, "pz: %s loop %s", kind.doing, loop);
  try {
    pg_call([&] { begin_transaction(activity); });
    bool more_due = kind.work(loop);
    pg_call([] { commit_transaction(); });
    return more_due ? StepResult::kMoreDue : StepResult::kCaughtUp;
  } catch (...) {
    describe_current_exception(failure);
  }
  char what[256];
  snprintf(what, sizeof what, "pz trainer could not %s loop \"%s\"", kind.failed_to, loop);
  abort_and_report(failure, what);
  return StepResult::kFailed;
}

// One look for due work; trains every due loop until it has caught up.
void run_round() {
  if (!find_due_loops()) return;
  for (size_t i = 0; i < due_loops.size(); ++i) {
    const char* loop = due_loops[i].c_str();
    last_attempt[loop] = GetCurrentTimestamp();
    while (run_step(loop, kTraining) == StepResult::kMoreDue) {
      // A long backlog must not delay SIGTERM (exits here through die()).
      CHECK_FOR_INTERRUPTS();
    }
    // Then the loop's expired events, a short transaction a batch.
    while (run_step(loop, kRetention) == StepResult::kMoreDue) CHECK_FOR_INTERRUPTS();
    CHECK_FOR_INTERRUPTS();
  }
}

// run_round() with a last guard: only bad_alloc from the bookkeeping above
// can get here, and it must not reach PostgreSQL.
void run_round_guarded() {
  Failure failure;
  try {
    run_round();
    return;
  } catch (...) {
    describe_current_exception(failure);
  }
  abort_and_report(failure, "pz trainer round failed");
}

}  // namespace

void register_worker() {
  BackgroundWorker worker;
  std::memset(&worker, 0, sizeof worker);
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  worker.bgw_restart_time = kRestartSeconds;
  snprintf(worker.bgw_library_name, BGW_MAXLEN, "pz");
  snprintf(worker.bgw_function_name, BGW_MAXLEN, "pz_trainer_main");
  snprintf(worker.bgw_name, BGW_MAXLEN, "pz trainer");
  snprintf(worker.bgw_type, BGW_MAXLEN, "pz trainer");
  worker.bgw_main_arg = Datum(0);
  worker.bgw_notify_pid = 0;
  RegisterBackgroundWorker(&worker);
}

}  // namespace pz::pg

// Called by PostgreSQL in the worker process. SIGTERM goes through die(), so
// the worker leaves with PostgreSQL's FATAL "terminating background worker"
// at the next CHECK_FOR_INTERRUPTS, aborting any open transaction.
void pz_trainer_main(Datum) {
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnection(pz::pg::pz_database(), nullptr, 0);
  // A step that waited for another trainer's lock must read what that one
  // committed: statement snapshots, whatever the server's default isolation.
  SetConfigOption("default_transaction_isolation", "read committed", PGC_SUSET, PGC_S_OVERRIDE);
  for (;;) {
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }
    if (pz::pg::pz_worker_enabled()) pz::pg::run_round_guarded();
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                    static_cast<long>(pz::pg::pz_naptime_seconds()) * 1000L, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
  }
}
