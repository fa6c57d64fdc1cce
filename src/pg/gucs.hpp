// The pz.* configuration parameters (GUCs): defined once at load time, read
// by the background worker and the trainer.
#pragma once

#include <cstddef>

namespace pz::pg {

// Defines every pz.* GUC; called from _PG_init before the prefix is reserved.
// pz.database exists only when pz is preloaded (it configures the worker).
void define_gucs();

// The database the background worker serves (pz.database).
const char* pz_database();
// Seconds between the worker's looks for due work (pz.naptime).
int pz_naptime_seconds();
// Whether the worker trains at all (pz.worker_enabled).
bool pz_worker_enabled();
// Most events one training step joins (pz.train_batch_size).
int pz_train_batch_size();
// Most memory one loop's model may take (pz.max_model_memory), in bytes.
size_t pz_max_model_memory_bytes();
// Largest context or actions document a rank call takes (pz.max_document_bytes).
size_t pz_max_document_bytes();
// Most rewards one event takes (pz.max_rewards_per_event).
int pz_max_rewards_per_event();
// Size of the buffered-log queue in kB (pz.log_buffer_size; preloading only).
int pz_log_buffer_kb();
// Milliseconds between the pz logger's writes of the queue (pz.log_flush_interval).
int pz_log_flush_interval_ms();
// Size past which a backend's cache of featurized actions starts over (pz.action_cache_size).
size_t pz_action_cache_bytes();

// How a standby's pz logger reaches the primary (pz.primary_conninfo; "" unset).
const char* pz_primary_conninfo();
// The name this node forwards under (pz.node_name, else cluster_name, else
// the host name and port).
const char* pz_node_name();

}  // namespace pz::pg
