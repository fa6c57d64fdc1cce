// One read-only copy of each loop version's weights for the whole server
// (when pz is preloaded): a registry of slots in the main shared memory and,
// per loop version, a dynamic shared memory segment holding the weights, which
// every backend ranking with that version maps. The first backend that needs
// a version loads it; the others attach. A segment lives exactly as long as
// some backend maps it: when the last one detaches (it moved on to a newer
// version, or exited) PostgreSQL frees it. No segment is pinned (only each
// backend's mapping, for its session), so a replaced version cannot leak and a
// crash restart removes every segment.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace pz::pg {

// Requests the registry's shared memory and lock; called from _PG_init while
// shared_preload_libraries is being processed.
void init_shared_models();

// What decides a copy's content: a loop's model version as of one state of its
// row (updated_at changes with every new model, rollback or settings change,
// so a re-created loop or extension never meets an old copy), and its layout.
struct SharedModelKey {
  int32_t loop_id = 0;
  int64_t version = 0;
  int64_t updated_at = 0;
  uint64_t fingerprint = 0;  // FeatureSpace::fingerprint()
  int bits = 0;
};

// This backend's use of one shared copy, from acquire_shared_model() until
// release_shared_model(). Plain data: releasing is explicit (PostgreSQL's own
// exit processing detaches whatever is still held when the backend ends).
struct SharedModelLease {
  int slot = -1;                   // -1: none
  const float* weights = nullptr;  // 2^bits floats, read-only
  uint64_t examples = 0;
  bool held() const { return slot >= 0; }
};

// The shared copy of `key` in the current database, attached. If no backend
// has it, this one creates it: `load` fills the 2^bits weights and returns the
// model's examples (it may throw; the half-made copy is then dropped and the
// error goes on). A backend needing a copy that another is loading waits for
// it. Returns no lease when pz is not preloaded, every slot is in use, or no
// segment can be made: the caller then keeps a private copy.
SharedModelLease acquire_shared_model(const SharedModelKey& key,
                                      const std::function<uint64_t(float*)>& load);

// Ends a lease (no-op for none); the copy is freed once no backend holds it.
void release_shared_model(SharedModelLease& lease);

// The shared copies of the current database, for pz.model_cache.
struct SharedModelRow {
  int32_t loop_id;
  int64_t version;
  int64_t bytes;
  int32_t backends;  // backends that map it
  bool here;         // this backend is one of them
};
std::vector<SharedModelRow> shared_models_of_database();

}  // namespace pz::pg
