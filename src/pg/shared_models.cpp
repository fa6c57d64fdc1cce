#include "pg/shared_models.hpp"

#include "pg/guard.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "storage/condition_variable.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/resowner.h"
#include "utils/wait_event.h"
}

namespace pz::pg {

namespace {

// Loop versions in use at once, server-wide. A slot is small; a version past
// this many gets a private copy in the backend that needs it.
constexpr int kSlots = 128;
constexpr const char* kTrancheName = "pz shared models";
// How long a backend waits for another's load before it looks again (the
// loader wakes it sooner; this only bounds a missed wake-up).
constexpr long kWaitMilliseconds = 100;

enum class SlotState : uint8 { kFree, kLoading, kReady };

struct Slot {
  SlotState state;
  Oid database;
  SharedModelKey key;
  int loader_pid;     // kLoading: the backend filling the segment
  dsm_handle handle;  // kReady
  uint64 bytes;
  uint64 examples;
  int32 backends;  // kReady: backends that map the segment (the loader included)
};

struct Registry {
  ConditionVariable loaded;  // broadcast whenever a slot leaves kLoading
  Slot slots[kSlots];
};

// Set in every process once shared memory is attached (preloaded only).
Registry* registry = nullptr;
LWLock* registry_lock = nullptr;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

// This backend's mappings, by slot: a segment is mapped once however many
// cache entries use it.
struct LocalMapping {
  dsm_segment* segment = nullptr;
  int leases = 0;
};
LocalMapping local[kSlots];
int loading_slot = -1;  // the slot this backend is filling, if any
bool exit_callback_registered = false;

void request_shared_memory() {
  if (previous_request_hook != nullptr) previous_request_hook();
  RequestAddinShmemSpace(MAXALIGN(sizeof(Registry)));
  RequestNamedLWLockTranche(kTrancheName, 1);
}

void attach_shared_memory() {
  if (previous_startup_hook != nullptr) previous_startup_hook();
  bool found;
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  auto* state =
      static_cast<Registry*>(ShmemInitStruct("pz shared models", sizeof(Registry), &found));
  if (!found) {
    ConditionVariableInit(&state->loaded);
    for (Slot& slot : state->slots) slot.state = SlotState::kFree;
  }
  LWLockRelease(AddinShmemInitLock);
  registry_lock = &GetNamedLWLockTranche(kTrancheName)->lock;
  registry = state;
}

bool same_key(const SharedModelKey& a, const SharedModelKey& b) {
  return a.loop_id == b.loop_id && a.version == b.version && a.updated_at == b.updated_at &&
         a.fingerprint == b.fingerprint && a.bits == b.bits;
}

// Frees a slot nobody maps any more; call with the lock held exclusively.
void free_slot(Slot& slot) {
  slot.state = SlotState::kFree;
  slot.handle = DSM_HANDLE_INVALID;
  slot.backends = 0;
}

// Runs whenever this backend unmaps a ready segment: on release, or when it
// exits. The last backend frees the slot; PostgreSQL then frees the segment
// (its own count of mappings drops to zero right after this callback).
void on_segment_detach(dsm_segment*, Datum slot_datum) {
  const int index = DatumGetInt32(slot_datum);
  local[index] = LocalMapping{};
  LWLockAcquire(registry_lock, LW_EXCLUSIVE);
  Slot& slot = registry->slots[index];
  if (slot.state == SlotState::kReady && --slot.backends <= 0) free_slot(slot);
  LWLockRelease(registry_lock);
}

// A load that did not finish (error, or exit in the middle): gives the slot
// back and wakes the backends waiting for it, which then load it themselves.
void abandon_loading() {
  if (loading_slot < 0) return;
  LWLockAcquire(registry_lock, LW_EXCLUSIVE);
  Slot& slot = registry->slots[loading_slot];
  if (slot.state == SlotState::kLoading && slot.loader_pid == MyProcPid) free_slot(slot);
  LWLockRelease(registry_lock);
  loading_slot = -1;
  ConditionVariableBroadcast(&registry->loaded);
}

void abandon_loading_at_exit(int, Datum) {
  if (LWLockHeldByMe(registry_lock)) LWLockRelease(registry_lock);
  abandon_loading();
}

enum class Found { kAttached, kLoading, kClaimed, kNoSlot };

// PostgreSQL side. Under the lock: attaches to a ready copy of the key, or
// sees another backend loading it, or claims a free slot to load it. Attaching
// under the lock is what makes it safe: a slot with backends > 0 has a
// segment that cannot go away before this backend maps it.
Found find_or_claim(const SharedModelKey& key, int* index) {
  Found found = Found::kNoSlot;
  LWLockAcquire(registry_lock, LW_EXCLUSIVE);
  PG_TRY();
  {
    int free_index = -1;
    *index = -1;
    for (int i = 0; i < kSlots; ++i) {
      const Slot& slot = registry->slots[i];
      if (slot.state == SlotState::kFree) {
        if (free_index < 0) free_index = i;
      } else if (slot.database == MyDatabaseId && same_key(slot.key, key)) {
        *index = i;
        break;
      }
    }
    if (*index >= 0) {
      Slot& slot = registry->slots[*index];
      if (slot.state == SlotState::kLoading) {
        found = Found::kLoading;
      } else {
        if (local[*index].leases == 0) {
          dsm_segment* segment = dsm_attach(slot.handle);
          if (segment == nullptr)
            elog(ERROR, "pz: shared model segment of slot %d is gone", *index);
          dsm_pin_mapping(segment);
          on_dsm_detach(segment, on_segment_detach, Int32GetDatum(*index));
          local[*index].segment = segment;
          slot.backends++;
        }
        local[*index].leases++;
        found = Found::kAttached;
      }
    } else if (free_index >= 0) {
      Slot& slot = registry->slots[free_index];
      slot.state = SlotState::kLoading;
      slot.database = MyDatabaseId;
      slot.key = key;
      slot.loader_pid = MyProcPid;
      slot.handle = DSM_HANDLE_INVALID;
      slot.backends = 0;
      slot.bytes = 0;
      slot.examples = 0;
      loading_slot = free_index;
      *index = free_index;
      found = Found::kClaimed;
    }
  }
  PG_FINALLY();
  { LWLockRelease(registry_lock); }
  PG_END_TRY();
  return found;
}

// PostgreSQL side: a new segment for `bytes`, mapped for the session; null
// when the server cannot make it (no dynamic shared memory slot left, or no
// room: /dev/shm is small in some containers). Such a failure is logged and
// the caller keeps a private copy, so it runs in a subtransaction: the error
// is rolled back, not just caught.
dsm_segment* create_segment(Size bytes, int32 loop_id) {
  MemoryContext caller_context = CurrentMemoryContext;
  ResourceOwner caller_owner = CurrentResourceOwner;
  dsm_segment* volatile segment = nullptr;
  BeginInternalSubTransaction(nullptr);
  PG_TRY();
  {
    segment = dsm_create(bytes, DSM_CREATE_NULL_IF_MAXSEGMENTS);
    if (segment != nullptr) dsm_pin_mapping(segment);
    ReleaseCurrentSubTransaction();
    if (segment == nullptr)
      ereport(LOG, (errmsg("pz: no dynamic shared memory segment left for a model of loop %d, "
                           "ranking keeps a private copy",
                           loop_id)));
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller_context);
    ErrorData* error = CopyErrorData();
    FlushErrorState();
    RollbackAndReleaseCurrentSubTransaction();
    segment = nullptr;
    ereport(LOG,
            (errmsg("pz: no shared memory for a model of loop %d, ranking keeps a private copy: %s",
                    loop_id, error->message)));
    FreeErrorData(error);
  }
  PG_END_TRY();
  MemoryContextSwitchTo(caller_context);
  CurrentResourceOwner = caller_owner;
  return segment;
}

// PostgreSQL side: the loaded segment becomes the slot's ready copy, mapped by
// this backend.
void publish(int index, dsm_segment* segment, uint64 examples) {
  on_dsm_detach(segment, on_segment_detach, Int32GetDatum(index));
  LWLockAcquire(registry_lock, LW_EXCLUSIVE);
  Slot& slot = registry->slots[index];
  slot.state = SlotState::kReady;
  slot.handle = dsm_segment_handle(segment);
  slot.bytes = dsm_segment_map_length(segment);
  slot.examples = examples;
  slot.backends = 1;
  LWLockRelease(registry_lock);
  local[index] = LocalMapping{segment, 1};
  loading_slot = -1;
  ConditionVariableBroadcast(&registry->loaded);
}

SharedModelLease lease_of(int index) {
  SharedModelLease lease;
  lease.slot = index;
  lease.weights = static_cast<const float*>(dsm_segment_address(local[index].segment));
  // Read without the lock: set before the slot became ready and never changed.
  lease.examples = registry->slots[index].examples;
  return lease;
}

// Fills a claimed slot's segment; no lease if no segment can be made.
SharedModelLease load_into_slot(int index, const SharedModelKey& key,
                                const std::function<uint64_t(float*)>& load) {
  dsm_segment* segment = nullptr;
  try {
    const Size bytes = (Size{1} << key.bits) * sizeof(float);
    pg_call([&] { segment = create_segment(bytes, key.loop_id); });
    if (segment == nullptr) {
      pg_call([] { abandon_loading(); });
      return {};
    }
    const uint64_t examples = load(static_cast<float*>(dsm_segment_address(segment)));
    pg_call([&] { publish(index, segment, examples); });
  } catch (...) {
    // Unmapping the only mapping of an unpublished segment destroys it.
    pg_call([&] {
      if (segment != nullptr && local[index].segment != segment) dsm_detach(segment);
      abandon_loading();
    });
    throw;
  }
  return lease_of(index);
}

}  // namespace

void init_shared_models() {
  previous_request_hook = shmem_request_hook;
  shmem_request_hook = request_shared_memory;
  previous_startup_hook = shmem_startup_hook;
  shmem_startup_hook = attach_shared_memory;
}

SharedModelLease acquire_shared_model(const SharedModelKey& key,
                                      const std::function<uint64_t(float*)>& load) {
  if (registry == nullptr) return {};
  if (!exit_callback_registered) {
    pg_call([] { before_shmem_exit(abandon_loading_at_exit, 0); });
    exit_callback_registered = true;
  }
  bool waited = false;
  for (;;) {
    int index = -1;
    Found found = Found::kNoSlot;
    pg_call([&] { found = find_or_claim(key, &index); });
    if (found != Found::kLoading && waited) pg_call([] { ConditionVariableCancelSleep(); });
    switch (found) {
      case Found::kAttached:
        return lease_of(index);
      case Found::kClaimed:
        return load_into_slot(index, key, load);
      case Found::kNoSlot:
        return {};
      case Found::kLoading:
        // The first call only prepares the wait; the loop then looks again.
        pg_call([] {
          ConditionVariableTimedSleep(&registry->loaded, kWaitMilliseconds, PG_WAIT_EXTENSION);
        });
        waited = true;
        break;
    }
  }
}

void release_shared_model(SharedModelLease& lease) {
  if (!lease.held()) return;
  const int index = lease.slot;
  lease = SharedModelLease{};
  if (--local[index].leases > 0) return;
  dsm_segment* segment = local[index].segment;
  // The detach callback clears the local mapping and the slot's count.
  pg_call([&] { dsm_detach(segment); });
}

std::vector<SharedModelRow> shared_models_of_database() {
  std::vector<SharedModelRow> rows;
  if (registry == nullptr) return rows;
  rows.reserve(kSlots);
  // Only copying fields under the lock: nothing here can raise an error.
  LWLockAcquire(registry_lock, LW_SHARED);
  for (int i = 0; i < kSlots; ++i) {
    const Slot& slot = registry->slots[i];
    if (slot.state != SlotState::kReady || slot.database != MyDatabaseId) continue;
    rows.push_back({slot.key.loop_id, slot.key.version, static_cast<int64_t>(slot.bytes),
                    slot.backends, local[i].leases > 0});
  }
  LWLockRelease(registry_lock);
  return rows;
}

}  // namespace pz::pg
