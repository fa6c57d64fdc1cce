#include "pg/action_store.hpp"

#include "pg/guard.hpp"
#include "pg/kept_plan.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "common/hashfn.h"
#include "storage/lmgr.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
}

namespace pz::pg {
namespace {

// Bounds the memory of what a backend remembers; past it, it starts over.
constexpr long kMaxRemembered = 1000000;
constexpr uint64 kSeed = 0x707a616374696f6eULL;  // "pzaction"

struct ActionKey {
  int64 hash;
  int32 loop_id;
  int32 zero;  // padding, hashed as part of the key
};

// What a backend remembers of a stored document: its number (pz.actions.action_number).
struct ActionEntry {
  ActionKey key;
  int64 number;
};

HTAB* stored = nullptr;   // committed documents
HTAB* pending = nullptr;  // documents of the current transaction
Oid store_relation = InvalidOid;
bool stale = false;  // a collection ran (or the cache was reset): forget on next use
bool callbacks_registered = false;

HTAB* new_table(const char* name) {
  HASHCTL control = {};
  control.keysize = sizeof(ActionKey);
  control.entrysize = sizeof(ActionEntry);
  return hash_create(name, 1024, &control, HASH_ELEM | HASH_BLOBS);
}

void drop(HTAB** table) {
  if (*table != nullptr) hash_destroy(*table);
  *table = nullptr;
}

// Called from invalidation processing: only marks, never frees.
void on_relcache(Datum, Oid relation) {
  if (relation == InvalidOid || relation == store_relation) stale = true;
}

void on_xact(XactEvent event, void*) {
  if (pending == nullptr) return;
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT) {
    if (!stale) {
      if (stored == nullptr) stored = new_table("pz remembered actions");
      HASH_SEQ_STATUS scan;
      hash_seq_init(&scan, pending);
      for (auto* entry = static_cast<ActionEntry*>(hash_seq_search(&scan)); entry != nullptr;
           entry = static_cast<ActionEntry*>(hash_seq_search(&scan)))
        static_cast<ActionEntry*>(hash_search(stored, &entry->key, HASH_ENTER, nullptr))->number = entry->number;
    }
    drop(&pending);
  } else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE) {
    drop(&pending);  // not committed (yet): nothing to remember
  }
}

// A rolled back savepoint may have taken documents with it: forget the
// transaction's (a later write stores them again).
void on_subxact(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
  if (event == SUBXACT_EVENT_ABORT_SUB) drop(&pending);
}

ActionKey key_of(int32 loop_id, int64 hash) { return ActionKey{hash, loop_id, 0}; }

}  // namespace

int64 container_action_hash(const void* container, size_t length) {
  return static_cast<int64>(
      hash_bytes_extended(static_cast<const unsigned char*>(container), static_cast<int>(length), kSeed));
}

int64 action_hash(const Jsonb* action) { return container_action_hash(VARDATA(action), VARSIZE(action) - VARHDRSZ); }

int64 element_action_hash(Jsonb* actions, uint32 element) {
  JsonbValue* value = getIthJsonbValueFromContainer(&actions->root, element);
  // An object or array inside the list has the layout of a document of its
  // own (the bytes pz.action_hash hashes): hashed in place, not copied out.
  if (value->type == jbvBinary) return container_action_hash(value->val.binary.data, static_cast<size_t>(value->val.binary.len));
  return action_hash(JsonbValueToJsonb(value));
}

void lock_action_store() {
  if (!callbacks_registered) {
    CacheRegisterRelcacheCallback(on_relcache, 0);
    RegisterXactCallback(on_xact, nullptr);
    RegisterSubXactCallback(on_subxact, nullptr);
    callbacks_registered = true;
  }
  Oid schema = get_namespace_oid("pz", false);
  Oid relation = get_relname_relid("actions", schema);
  if (!OidIsValid(relation)) elog(ERROR, "pz: table pz.actions is missing");
  // Taking the lock reads the invalidations queued by collections that
  // committed before it (see the header).
  LockRelationOid(relation, RowExclusiveLock);
  if (relation != store_relation || stale || (stored != nullptr && hash_get_num_entries(stored) > kMaxRemembered)) {
    drop(&stored);
    drop(&pending);
    store_relation = relation;
    stale = false;
  }
}

// What this transaction stored counts too: no collection can run before it
// ends (it holds the lock), and a rolled back savepoint forgets it.
bool action_known(int32 loop_id, int64 hash, int64* number) {
  ActionKey key = key_of(loop_id, hash);
  void* entry = stored != nullptr ? hash_search(stored, &key, HASH_FIND, nullptr) : nullptr;
  if (entry == nullptr && pending != nullptr) entry = hash_search(pending, &key, HASH_FIND, nullptr);
  if (entry == nullptr) return false;
  *number = static_cast<ActionEntry*>(entry)->number;
  return true;
}

void remember_action(int32 loop_id, int64 hash, int64 number) {
  if (pending == nullptr) pending = new_table("pz actions of this transaction");
  ActionKey key = key_of(loop_id, hash);
  static_cast<ActionEntry*>(hash_search(pending, &key, HASH_ENTER, nullptr))->number = number;
}

void store_action_documents(int32 loop_id, ArrayType* hashes, ArrayType* documents) {
  static SPIPlanPtr store_plan = nullptr;
  static SPIPlanPtr numbers_plan = nullptr;
  if (store_plan == nullptr) {
    Oid types[3] = {INT4OID, INT8ARRAYOID, JSONBARRAYOID};
    // Numbered in the order given (close numbers, short deltas). None for a
    // loop dropped while its events were queued: its documents went with it.
    store_plan = prepare_kept_plan(
        "WITH given AS (SELECT u.hash, u.action, u.n FROM unnest($2, $3) WITH ORDINALITY AS u(hash, action, n)), "
        "clash AS (SELECT pz.action_hash_collision($1, g.hash) FROM given g "
        "           JOIN pz.actions a ON a.loop_id = $1 AND a.action_hash = g.hash WHERE a.action <> g.action) "
        "INSERT INTO pz.actions (loop_id, action_hash, action_id, action) "
        "SELECT $1, g.hash, pz.action_id(g.action), g.action FROM given g "
        " WHERE NOT EXISTS (SELECT FROM clash) AND EXISTS (SELECT FROM pz.loops WHERE loop_id = $1) "
        " ORDER BY g.n "
        "ON CONFLICT (loop_id, action_hash) DO NOTHING",
        3, types);
    // A statement of its own: its snapshot also sees the documents a
    // concurrent writer stored (the insert above waited for it).
    numbers_plan = prepare_kept_plan(
        "SELECT action_hash, action_number FROM pz.actions WHERE loop_id = $1 AND action_hash = ANY ($2)", 2,
        types);
  }
  Datum args[3] = {Int32GetDatum(loop_id), PointerGetDatum(hashes), PointerGetDatum(documents)};
  if (SPI_execute_plan(store_plan, args, nullptr, false, 0) != SPI_OK_INSERT)
    elog(ERROR, "pz: storing action documents failed");
  if (SPI_execute_plan(numbers_plan, args, nullptr, false, 0) != SPI_OK_SELECT)
    elog(ERROR, "pz: reading action numbers failed");
  for (uint64 i = 0; i < SPI_processed; ++i) {
    bool is_null;
    int64 hash = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &is_null));
    int64 number = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &is_null));
    remember_action(loop_id, hash, number);
  }
  SPI_freetuptable(SPI_tuptable);
}

}  // namespace pz::pg

// pz.action_hash(action jsonb): the content hash pz.actions is keyed by.
PZ_SQL_FUNCTION(pz_action_hash) {
  int64 hash = 0;
  pz::pg::pg_call([&] { hash = pz::pg::action_hash(PG_GETARG_JSONB_P(0)); });
  return Int64GetDatum(hash);
}

// pz.forget_cached_actions(): every backend forgets the documents it
// remembers, once the caller's transaction commits.
PZ_SQL_FUNCTION(pz_forget_cached_actions) {
  pz::pg::pg_call([&] {
    Oid schema = get_namespace_oid("pz", false);
    CacheInvalidateRelcacheByRelid(get_relname_relid("actions", schema));
  });
  PG_RETURN_VOID();
}
