// The "pz trainer" background worker. Every pz.naptime it lists the loops
// (one transaction) and runs train_loop() for each one whose model_update has
// passed since its last attempt, one transaction per step, so that one loop's
// failure neither undoes nor stops another's. A round gives each due loop one
// step (at most pz.train_batch_size events); a loop with more due is due again
// in the next round, which starts at once: a backlog is worked off in turns
// with the other loops, and a configuration reload or a new loop waits for one
// step at most. pg_cancel_backend() cancels the step in progress only.
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
#include <unordered_set>
#include <vector>

#include "core/errors.hpp"
#include "pg/auto_optimize.hpp"
#include "pg/guard.hpp"
#include "pg/gucs.hpp"
#include "pg/postgres.hpp"
#include "pg/retention.hpp"
#include "pg/schema_version.hpp"
#include "pg/trainer.hpp"
#include "pg/worker_registration.hpp"
#include "pg/worker_transaction.hpp"

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
std::unordered_set<std::string> backlogged;  // more was due after their last step
bool installed = false;  // pz is installed in the worker's database (last listing)

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
void abort_and_report(const Failure& failure, const char* what, int level = WARNING) {
  AbortCurrentTransaction();
  pgstat_report_activity(STATE_IDLE, nullptr);
  ereport(level, (errcode(failure.sqlstate), errmsg("%s: %s", what, failure.message),
                    failure.detail[0] != '\0' ? errdetail("%s", failure.detail) : 0));
}

// --- PostgreSQL side: plain C-style code that may raise errors; run only
// through pg_call().

void begin_transaction(const char* activity) {
  // A cancel that came between steps had nothing to cancel.
  QueryCancelPending = false;
  begin_worker_transaction(activity);
}

// Between steps, outside any transaction: exits on SIGTERM, re-reads the
// configuration after SIGHUP. A cancel is held back: raised here, outside a
// transaction, it would end the worker; the next step forgets it.
void between_steps() {
  HOLD_CANCEL_INTERRUPTS();
  CHECK_FOR_INTERRUPTS();
  RESUME_CANCEL_INTERRUPTS();
  if (ConfigReloadPending) {
    ConfigReloadPending = false;
    ProcessConfigFile(PGC_SIGHUP);
  }
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
  // Not installed, or not yet updated to this library's version: stay idle.
  listing->installed = installed_schema() == SchemaState::kCurrent;
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

// pz.refresh_loop_counters(), where the installed version has it.
void refresh_counters() {
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  int status = SPI_execute(
      "SELECT to_regprocedure('pz.refresh_loop_counters()') IS NOT NULL", true, 1);
  bool is_null = true;
  bool available = status == SPI_OK_SELECT && SPI_processed == 1 &&
                   DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
  if (available && SPI_execute("SELECT pz.refresh_loop_counters()", false, 0) != SPI_OK_SELECT)
    elog(ERROR, "pz: refreshing the loop counters failed");
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
    bool due = attempt == last_attempt.end() || backlogged.count(name) > 0 ||
               static_cast<double>(now - attempt->second) >= listing.model_update_seconds[i] * USECS_PER_SEC;
    if (attempt != last_attempt.end()) kept.emplace(name, attempt->second);
    if (due) due_loops.push_back(std::move(name));
  }
  last_attempt.swap(kept);
  backlogged.clear();
}

// Lists the loops and selects the due ones; false (after reporting why) when
// that failed. Sets `installed`: whether pz is installed in the database.
bool find_due_loops() {
  Failure failure;
  try {
    LoopListing listing{};
    pg_call([&] {
      begin_transaction("pz: looking for loops due for training");
      read_loops(&listing);
    });
    installed = listing.installed;
    if (listing.installed) {
      select_due_loops(listing, GetCurrentTimestamp());
    } else {
      due_loops.clear();
      last_attempt.clear();
    }
    pg_call([] { commit_worker_transaction(); });
    return true;
  } catch (...) {
    describe_current_exception(failure);
  }
  abort_and_report(failure, "pz trainer could not list the loops");
  return false;
}

// Counts the rewards of loops that did not train lately (pz.loop_status reads
// the rest), in a transaction of its own.
void refresh_counters_step() {
  Failure failure;
  try {
    pg_call([] {
      begin_transaction("pz: counting rewards");
      refresh_counters();
      commit_worker_transaction();
    });
    return;
  } catch (...) {
    describe_current_exception(failure);
  }
  abort_and_report(failure, "pz trainer could not count the rewards");
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
constexpr StepKind kAutoOptimize{"optimizing", "optimize", optimize_if_due};

// One step of `loop` in its own transaction.
StepResult run_step(const char* loop, const StepKind& kind) {
  Failure failure;
  char activity[256];
  snprintf(activity, sizeof activity, "pz: %s loop %s", kind.doing, loop);
  try {
    pg_call([&] { begin_transaction(activity); });
    bool more_due = kind.work(loop);
    pg_call([] { commit_worker_transaction(); });
    return more_due ? StepResult::kMoreDue : StepResult::kCaughtUp;
  } catch (...) {
    describe_current_exception(failure);
  }
  char what[256];
  snprintf(what, sizeof what, "pz trainer could not %s loop \"%s\"", kind.failed_to, loop);
  // 42704: the loop was dropped after this round listed it; nothing is wrong.
  abort_and_report(failure, what, failure.sqlstate == ERRCODE_UNDEFINED_OBJECT ? DEBUG1 : WARNING);
  return StepResult::kFailed;
}

// One look for due work; one step for each due loop. True when a loop has
// more due (the next round should start without waiting).
bool run_round() {
  if (!find_due_loops()) return false;
  for (size_t i = 0; i < due_loops.size(); ++i) {
    between_steps();
    if (!pz_worker_enabled()) return false;  // turned off by a reload
    const char* loop = due_loops[i].c_str();
    last_attempt[loop] = GetCurrentTimestamp();
    // One training step, then one short batch of the loop's expired events
    // and its auto_optimize run if due:
    // a busy loop waits for the next round, behind the other due loops.
    bool more_due = run_step(loop, kTraining) == StepResult::kMoreDue;
    if (run_step(loop, kRetention) == StepResult::kMoreDue) more_due = true;
    // Usually a look at the schedule; a due run replays the loop's recent log.
    run_step(loop, kAutoOptimize);
    if (more_due) backlogged.insert(loop);
  }
  if (installed) refresh_counters_step();
  return !backlogged.empty();
}

// run_round() with a last guard: only bad_alloc from the bookkeeping above
// can get here, and it must not reach PostgreSQL.
bool run_round_guarded() {
  Failure failure;
  try {
    return run_round();
  } catch (...) {
    describe_current_exception(failure);
  }
  abort_and_report(failure, "pz trainer round failed");
  return false;
}

}  // namespace

void register_worker() { register_pz_worker("pz_trainer_main", "pz trainer", kRestartSeconds); }

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
    pz::pg::between_steps();
    bool more_due = pz::pg::pz_worker_enabled() && pz::pg::run_round_guarded();
    if (more_due) continue;
    pgstat_report_stat(true);  // all of it before sleeping
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                    static_cast<long>(pz::pg::pz_naptime_seconds()) * 1000L, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
  }
}
