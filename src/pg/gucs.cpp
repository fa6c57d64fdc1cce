#include "pg/gucs.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "pg/postgres.hpp"

extern "C" {
#include "postmaster/postmaster.h"
#include "utils/guc.h"
}

namespace pz::pg {

namespace {

// Storage PostgreSQL writes through; the boot values are the defaults.
char* database_name = nullptr;
int naptime_seconds = 10;
bool worker_enabled = true;
int train_batch_size = 100000;
int max_model_memory_kb = 256 * 1024;
int max_document_bytes = 1024 * 1024;
int max_rewards_per_event = 100;
bool adopt_existing_roles = false;
int log_buffer_kb = 16384;
int log_flush_interval_ms = 100;
int action_cache_kb = 16 * 1024;
char* primary_conninfo = nullptr;
char* node_name = nullptr;

}  // namespace

void define_gucs() {
  // PostgreSQL allows postmaster-only settings only while preloading, and
  // without preloading there is no worker for this one to configure.
  if (process_shared_preload_libraries_in_progress) {
    DefineCustomStringVariable(
        "pz.database", "Database the pz background worker serves.",
        "The worker trains the loops of the pz extension installed in this database only.",
        &database_name, "postgres", PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "pz.log_buffer_size", "Memory for the decisions of loops with buffered logging not yet written.",
        "Rank calls queue events here; the pz logger writes them to pz.events. When it is full, "
        "a rank call waits briefly, then inserts its event itself if its transaction can write.",
        &log_buffer_kb, 16384, 64, 1024 * 1024, PGC_POSTMASTER, GUC_UNIT_KB, nullptr, nullptr,
        nullptr);
  }
  DefineCustomIntVariable(
      "pz.log_flush_interval", "Time between the pz logger's writes of queued decisions.",
      "The logger also writes at once when the queue is half full, and rank calls wait for it "
      "when the oldest queued decision is five intervals old. A crash of the server can lose "
      "the decisions queued since the last write.",
      &log_flush_interval_ms, 100, 10, 60000, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomStringVariable(
      "pz.primary_conninfo", "Connection string a hot standby's pz logger forwards decisions and rewards with.",
      "On a standby, the logger sends what rank and reward calls queued to the primary named here "
      "(the database pz serves there, a role granted pz_forwarder). Unused on a primary.",
      &primary_conninfo, "", PGC_SIGHUP, GUC_SUPERUSER_ONLY, nullptr, nullptr, nullptr);
  DefineCustomStringVariable(
      "pz.node_name", "Name under which this standby's decisions and rewards reach the primary.",
      "Shown per node by pz.loop_status on the primary. Empty: cluster_name, else host name and port.",
      &node_name, "", PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pz.naptime", "Time between the pz background worker's looks for loops due for training.",
      "A loop is trained at most every model_update of its settings; the worker checks that "
      "often whether one is due.",
      &naptime_seconds, 10, 1, 86400, PGC_SIGHUP, GUC_UNIT_S, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable(
      "pz.worker_enabled", "Whether the pz background worker trains loops.",
      "When off, the worker stays connected but idle; pz_train() still trains on demand.",
      &worker_enabled, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pz.train_batch_size", "Most events one training step of a loop joins and learns.",
      "Bounds the length of one training transaction; the worker goes on at once with the "
      "next step while more events are due.",
      &train_batch_size, 100000, 100, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  // Limits: superuser settings, so that the roles they protect against cannot
  // raise them.
  DefineCustomIntVariable(
      "pz.max_model_memory", "Most memory one loop's model may take while it learns.",
      "A loop whose bits setting would need more is refused by pz_create_loop and "
      "pz_configure_loop, and its model is neither loaded nor trained.",
      &max_model_memory_kb, 256 * 1024, 1024, INT_MAX, PGC_SUSET, GUC_UNIT_KB, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pz.max_document_bytes", "Largest context or actions document a rank call takes.",
      "Applies to callers that are not superusers.", &max_document_bytes, 1024 * 1024, 1024, INT_MAX,
      PGC_SUSET, GUC_UNIT_BYTE, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pz.max_rewards_per_event", "Most rewards one event takes.",
      "Applies to callers that are not superusers.", &max_rewards_per_event, 100, 1, INT_MAX, PGC_SUSET, 0,
      nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "pz.action_cache_size", "Most memory each of a backend's two caches of featurized actions takes.",
      "pz_rank and pz_rank_rows keep the actions they featurized, under each action's bytes, so that a "
      "catalog's items are not read and featurized again at every call; a cache past this size starts "
      "over at the next call. 0 keeps nothing between calls.",
      &action_cache_kb, 16 * 1024, 0, 1024 * 1024, PGC_SUSET, GUC_UNIT_KB, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable(
      "pz.adopt_existing_roles",
      "Whether CREATE EXTENSION pz may use roles named pz_app, pz_analyst or pz_admin that pz did not create.",
      "Set it before CREATE EXTENSION pz to grant pz's privileges to such roles.", &adopt_existing_roles,
      false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
}

const char* pz_database() { return database_name != nullptr ? database_name : "postgres"; }
int pz_naptime_seconds() { return naptime_seconds; }
bool pz_worker_enabled() { return worker_enabled; }
int pz_train_batch_size() { return train_batch_size; }
size_t pz_max_model_memory_bytes() { return static_cast<size_t>(max_model_memory_kb) * 1024; }
size_t pz_max_document_bytes() { return static_cast<size_t>(max_document_bytes); }
int pz_max_rewards_per_event() { return max_rewards_per_event; }
int pz_log_buffer_kb() { return log_buffer_kb; }
int pz_log_flush_interval_ms() { return log_flush_interval_ms; }
size_t pz_action_cache_bytes() { return static_cast<size_t>(action_cache_kb) * 1024; }
const char* pz_primary_conninfo() { return primary_conninfo != nullptr ? primary_conninfo : ""; }

const char* pz_node_name() {
  if (node_name != nullptr && node_name[0] != '\0') return node_name;
  if (cluster_name != nullptr && cluster_name[0] != '\0') return cluster_name;
  static char fallback[300];
  if (fallback[0] == '\0') {
    char host[256];
    if (gethostname(host, sizeof host) != 0) strcpy(host, "localhost");
    host[sizeof host - 1] = '\0';
    snprintf(fallback, sizeof fallback, "%s:%d", host, PostPortNumber);
  }
  return fallback;
}

}  // namespace pz::pg
