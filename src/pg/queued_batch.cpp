// See queued_batch.hpp.
#include "pg/queued_batch.hpp"

#include "pg/action_store.hpp"
#include "pg/bulk_insert.hpp"

extern "C" {
#include "access/table.h"
#include "catalog/namespace.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace pz::pg {

namespace {

Oid event_table(const char* name) {
  Oid relation = get_relname_relid(name, get_namespace_oid("pz", false));
  if (!OidIsValid(relation)) elog(ERROR, "pz: table pz.%s is missing", name);
  return relation;
}

bool plain_without_triggers(Oid relation_id) {
  Relation relation = table_open(relation_id, AccessShareLock);
  bool plain = relation->rd_rel->relkind == RELKIND_RELATION && relation->trigdesc == nullptr;
  table_close(relation, NoLock);
  return plain;
}

const pg_uuid_t* event_id(const EventRow& row) { return DatumGetUUIDP(row.values[kEventIdColumn]); }
int32 loop_of(const EventRow& row) { return DatumGetInt32(row.values[kEventLoopColumn]); }

// Row positions by event id, then position.
int compare_event_ids(const void* a, const void* b, void* arg) {
  const EventRow* rows = static_cast<const EventRow*>(arg);
  int i = *static_cast<const int*>(a);
  int j = *static_cast<const int*>(b);
  int order = memcmp(event_id(rows[i])->data, event_id(rows[j])->data, UUID_LEN);
  return order != 0 ? order : (i > j) - (i < j);
}

// The rows left to write_queued_row(): those whose id is logged already, and
// each later row of an id repeated in the batch (it then finds the first).
void mark_individual(const EventRow* rows, int count, bool* individual) {
  Datum* ids = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  int* order = static_cast<int*>(palloc(sizeof(int) * count));
  for (int i = 0; i < count; ++i) {
    ids[i] = rows[i].values[kEventIdColumn];
    order[i] = i;
  }
  primary_keys_present(event_table("decisions"), ids, count, individual);
  qsort_arg(order, count, sizeof(int), compare_event_ids, const_cast<EventRow*>(rows));
  for (int k = 1; k < count; ++k)
    if (memcmp(event_id(rows[order[k]])->data, event_id(rows[order[k - 1]])->data, UUID_LEN) == 0)
      individual[order[k]] = true;
}

// Rows of a loop dropped while they were queued: discarded, as the INSERT's
// EXISTS (pz.loops) discards them.
void mark_dropped_loops(const EventRow* rows, int count, const bool* individual, bool* discarded) {
  Datum* loops = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  int* loop_index = static_cast<int*>(palloc(sizeof(int) * count));
  int n = 0;
  for (int i = 0; i < count; ++i) {
    if (individual[i]) continue;
    int k = 0;
    while (k < n && DatumGetInt32(loops[k]) != loop_of(rows[i])) ++k;  // a batch has few loops
    if (k == n) loops[n++] = Int32GetDatum(loop_of(rows[i]));
    loop_index[i] = k;
  }
  if (n == 0) return;
  Oid type = INT4ARRAYOID;
  Datum arg =
      PointerGetDatum(construct_array(loops, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
  if (SPI_execute_with_args("SELECT loop_id FROM pz.loops WHERE loop_id = ANY ($1)", 1, &type, &arg,
                            nullptr, false, 0) != SPI_OK_SELECT)
    elog(ERROR, "pz: reading pz.loops failed");
  bool* exists = static_cast<bool*>(palloc0(sizeof(bool) * n));
  for (uint64 r = 0; r < SPI_processed; ++r) {
    bool is_null;
    int32 loop_id =
        DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &is_null));
    for (int k = 0; k < n; ++k)
      if (DatumGetInt32(loops[k]) == loop_id) exists[k] = true;
  }
  for (int i = 0; i < count; ++i)
    if (!individual[i] && !exists[loop_index[i]]) discarded[i] = true;
}

// Rows of a subject forgotten (pz_forget) after they were made: discarded,
// as the INSERT's NOT EXISTS (pz.forgotten_subjects) discards them.
void mark_forgotten_subjects(const EventRow* rows, int count, const bool* individual,
                             bool* discarded) {
  Datum* hashes = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  Datum* times = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  Datum* positions = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  int n = 0;
  for (int i = 0; i < count; ++i) {
    if (individual[i] || discarded[i] || rows[i].nulls[kEventSubjectHashColumn] == 'n') continue;
    hashes[n] = rows[i].values[kEventSubjectHashColumn];
    times[n] = rows[i].values[kEventCreatedAtColumn];
    positions[n++] = Int32GetDatum(i);
  }
  if (n == 0) return;
  Oid types[3] = {BYTEAARRAYOID, TIMESTAMPTZARRAYOID, INT4ARRAYOID};
  Datum args[3] = {
      PointerGetDatum(construct_array(hashes, n, BYTEAOID, -1, false, TYPALIGN_INT)),
      PointerGetDatum(construct_array(times, n, TIMESTAMPTZOID, sizeof(TimestampTz),
                                      FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
      PointerGetDatum(construct_array(positions, n, INT4OID, sizeof(int32), true, TYPALIGN_INT))};
  if (SPI_execute_with_args("SELECT u.i FROM unnest($1, $2, $3) AS u(h, t, i) WHERE EXISTS "
                            "(SELECT FROM pz.forgotten_subjects f WHERE f.subject_hash = u.h AND "
                            "f.forgotten_at >= u.t)",
                            3, types, args, nullptr, false, 0) != SPI_OK_SELECT)
    elog(ERROR, "pz: reading pz.forgotten_subjects failed");
  for (uint64 r = 0; r < SPI_processed; ++r) {
    bool is_null;
    discarded[DatumGetInt32(
        SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &is_null))] = true;
  }
}

// A candidate document this backend does not know to be stored.
struct Miss {
  int32 loop_id;
  int64 hash;
  int row;
  int candidate;
};

int compare_misses(const void* a, const void* b) {
  const Miss* x = static_cast<const Miss*>(a);
  const Miss* y = static_cast<const Miss*>(b);
  if (x->loop_id != y->loop_id) return x->loop_id < y->loop_id ? -1 : 1;
  if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
  return 0;
}

// Whether row `i` has the same loop and candidates, in the same order, as
// row `j`: a catalog filter gives consecutive decisions the same list, whose
// numbers are then looked up once.
bool same_candidates(const EventRow* rows, int i, int j) {
  if (loop_of(rows[i]) != loop_of(rows[j])) return false;
  const int64* a;
  const int64* b;
  const int count = event_candidates(rows[i], &a);
  return event_candidates(rows[j], &b) == count && memcmp(a, b, sizeof(int64) * count) == 0;
}

// The appended rows' candidates' numbers (pz.actions.action_number), each
// row's own array or the one of the row before it with the same candidates;
// 0 for a document not known to be stored, listed in *misses.
int64** known_numbers(const EventRow* rows, int count, const bool* appended, Miss** misses, int* miss_count) {
  int64** numbers = static_cast<int64**>(palloc0(sizeof(int64*) * count));
  int total = 0;
  for (int i = 0; i < count; ++i) {
    const int64* hashes;
    if (appended[i]) total += event_candidates(rows[i], &hashes);
  }
  *misses = static_cast<Miss*>(palloc(sizeof(Miss) * (total > 0 ? total : 1)));
  *miss_count = 0;
  int previous = -1;
  for (int i = 0; i < count; ++i) {
    if (!appended[i]) continue;
    if (previous >= 0 && same_candidates(rows, i, previous)) {
      numbers[i] = numbers[previous];
      continue;
    }
    previous = i;
    const int64* hashes;
    const int candidates = event_candidates(rows[i], &hashes);
    numbers[i] = static_cast<int64*>(palloc(sizeof(int64) * (candidates > 0 ? candidates : 1)));
    for (int c = 0; c < candidates; ++c) {
      if (action_known(loop_of(rows[i]), hashes[c], &numbers[i][c])) continue;
      numbers[i][c] = 0;  // never a document's number (a sequence's, from 1)
      (*misses)[(*miss_count)++] = {loop_of(rows[i]), hashes[c], i, c};
    }
  }
  return numbers;
}

// The documents not known to be stored (known_numbers): stored with one
// statement a loop, each once (pg/action_store.hpp).
void store_new_documents(const EventRow* rows, Miss* misses, int n) {
  if (n == 0) return;
  qsort(misses, n, sizeof(Miss), compare_misses);
  Datum* hashes = static_cast<Datum*>(palloc(sizeof(Datum) * n));
  Datum* documents = static_cast<Datum*>(palloc(sizeof(Datum) * n));
  for (int from = 0; from < n;) {
    int32 loop_id = misses[from].loop_id;
    int distinct = 0;
    int to = from;
    for (; to < n && misses[to].loop_id == loop_id; ++to) {
      if (to > from && misses[to].hash == misses[to - 1].hash) continue;
      hashes[distinct] = Int64GetDatum(misses[to].hash);
      documents[distinct++] =
          JsonbPGetDatum(event_action_document(rows[misses[to].row], misses[to].candidate));
    }
    store_action_documents(
        loop_id,
        construct_array(hashes, distinct, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE),
        construct_array(documents, distinct, JSONBOID, -1, false, TYPALIGN_INT));
    from = to;
  }
}

// Fills in the numbers of the documents just stored; false when one has
// none: its loop was dropped after all (store_action_documents stores none
// for it), and so are its rows'.
bool resolve_misses(int64** numbers, const Miss* misses, int n) {
  bool all = true;
  for (int m = 0; m < n; ++m) {
    int64* number = &numbers[misses[m].row][misses[m].candidate];
    if (!action_known(misses[m].loop_id, misses[m].hash, number)) {
      *number = 0;
      all = false;
    }
  }
  return all;
}

// Whether every candidate of the row has a number (see resolve_misses).
bool numbers_complete(const EventRow& row, const int64* numbers) {
  const int64* hashes;
  const int candidates = event_candidates(row, &hashes);
  for (int c = 0; c < candidates; ++c)
    if (numbers[c] == 0) return false;
  return true;
}

}  // namespace

bool queued_rows_appendable() {
  return plain_without_triggers(event_table("decisions")) &&
         plain_without_triggers(event_table("event_state"));
}

void write_queued_rows(const EventRow* rows, int count, QueuedWrite* results) {
  if (count == 0) return;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  // Before anything it remembers is consulted (see action_store.hpp).
  lock_action_store();
  bool* individual = static_cast<bool*>(palloc0(sizeof(bool) * count));
  bool* discarded = static_cast<bool*>(palloc0(sizeof(bool) * count));
  mark_individual(rows, count, individual);
  mark_dropped_loops(rows, count, individual, discarded);
  mark_forgotten_subjects(rows, count, individual, discarded);
  bool* appended = static_cast<bool*>(palloc(sizeof(bool) * count));
  for (int i = 0; i < count; ++i) appended[i] = !individual[i] && !discarded[i];
  // The documents first: the decisions reference them by number.
  Miss* misses;
  int miss_count;
  int64** numbers = known_numbers(rows, count, appended, &misses, &miss_count);
  store_new_documents(rows, misses, miss_count);
  const bool all_resolved = resolve_misses(numbers, misses, miss_count);
  EventAppend append;
  bool open = false;
  for (int i = 0; i < count; ++i) {
    results[i] = QueuedWrite::kDiscarded;
    if (!appended[i]) continue;
    if (!all_resolved && !numbers_complete(rows[i], numbers[i])) continue;
    if (!open) begin_event_append(&append);
    open = true;
    append_event(&append, rows[i], numbers[i]);
    results[i] = QueuedWrite::kWritten;
  }
  if (open) finish_event_append(&append);
  SPI_finish();
  for (int i = 0; i < count; ++i)
    if (individual[i]) results[i] = write_queued_row(rows[i]);
}

}  // namespace pz::pg
