// See bulk_insert.hpp. The steps follow COPY FROM's (copyfrom.c) for a plain
// table: no triggers, no partitions, no foreign tables.
#include "pg/bulk_insert.hpp"

#include "pg/planned_checks.hpp"

extern "C" {
#include "access/genam.h"
#include "access/heapam.h"
#include "access/hio.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
}

namespace pz::pg {

// COPY FROM's batch: enough to fill pages, few enough slots to keep.
constexpr int kBufferedRows = 1000;

struct BulkInsert {
  Relation relation;
  EState* estate;
  ResultRelInfo* result;
  BulkInsertState state;
  CommandId command;
  int ncolumns;
  AttrNumber* attnums;  // of each given column
  Datum* values;        // the row being filled
  bool* nulls;
  // A copy of the table's row type that no resource owner tracks: the
  // slots made from the table's own descriptor each pinned it, and pinning
  // and releasing a thousand of them a batch took a sixth of the logger's time.
  TupleDesc slot_desc;
  TupleTableSlot** slots;  // made in order as rows come: the first null ends them
  int held;
  // The columns left out that have a default (bulk_insert_begin_untriggered).
  int ndefaults;
  AttrNumber* default_attnums;
  ExprState** defaults;
  MemoryContext rows_context;  // the tuples formed by a flush, reset after it
};

void bulk_insert_flush(BulkInsert* insert) {
  if (insert->held == 0) return;
  MemoryContext caller = MemoryContextSwitchTo(insert->rows_context);
  // The rows belong to the command running now (statements may have run
  // since the last flush).
  insert->command = GetCurrentCommandId(true);
  table_multi_insert(insert->relation, insert->slots, insert->held, insert->command, 0,
                     insert->state);
  ExprContext* per_row = GetPerTupleExprContext(insert->estate);
  for (int i = 0; i < insert->held; ++i) {
    List* recheck = ExecInsertIndexTuples(insert->result, insert->slots[i], insert->estate, false,
                                          false, nullptr, NIL);
    list_free(recheck);
    ResetExprContext(per_row);
    ExecClearTuple(insert->slots[i]);
  }
  insert->held = 0;
  MemoryContextSwitchTo(caller);
  MemoryContextReset(insert->rows_context);
}

namespace {

// trigger: see bulk_insert_begin_untriggered (null: none allowed, nor defaults).
BulkInsert* begin(Oid relation_id, const char* const* columns, int ncolumns, const char* trigger) {
  if (pg_class_aclcheck(relation_id, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
    aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(relation_id));
  LockRelationOid(relation_id, RowExclusiveLock);
  BulkInsert* insert = static_cast<BulkInsert*>(palloc0(sizeof(BulkInsert)));
  insert->estate = CreateExecutorState();
  RangeTblEntry* entry = makeNode(RangeTblEntry);
  entry->rtekind = RTE_RELATION;
  entry->relid = relation_id;
  entry->relkind = get_rel_relkind(relation_id);
  entry->rellockmode = RowExclusiveLock;
  entry->requiredPerms = ACL_INSERT;
  ExecInitRangeTable(insert->estate, list_make1(entry));
  insert->result = makeNode(ResultRelInfo);
  ExecInitResultRelation(insert->estate, insert->result, 1);
  insert->relation = insert->result->ri_RelationDesc;
  Relation relation = insert->relation;
  const TriggerDesc* triggers = relation->trigdesc;
  const bool vouched = triggers != nullptr && trigger != nullptr && triggers->numtriggers == 1 &&
                       strcmp(triggers->triggers[0].tgname, trigger) == 0;
  if (relation->rd_rel->relkind != RELKIND_RELATION || (triggers != nullptr && !vouched))
    elog(ERROR, "pz: bulk insert into \"%s\": not a plain table without triggers",
         RelationGetRelationName(relation));

  TupleDesc desc = RelationGetDescr(relation);
  insert->ncolumns = ncolumns;
  insert->attnums = static_cast<AttrNumber*>(palloc(sizeof(AttrNumber) * ncolumns));
  bool* given = static_cast<bool*>(palloc0(sizeof(bool) * desc->natts));
  for (int i = 0; i < ncolumns; ++i) {
    AttrNumber attnum = get_attnum(relation_id, columns[i]);
    if (attnum <= 0)
      elog(ERROR, "pz: bulk insert: column \"%s\" of \"%s\" not found", columns[i],
           RelationGetRelationName(relation));
    insert->attnums[i] = attnum;
    given[attnum - 1] = true;
  }
  insert->default_attnums = static_cast<AttrNumber*>(palloc(sizeof(AttrNumber) * desc->natts));
  insert->defaults = static_cast<ExprState**>(palloc(sizeof(ExprState*) * desc->natts));
  for (int i = 0; i < desc->natts; ++i) {
    Form_pg_attribute attribute = TupleDescAttr(desc, i);
    if (given[i] || attribute->attisdropped || !attribute->atthasdef) continue;
    if (trigger == nullptr || attribute->attgenerated != '\0')
      elog(ERROR, "pz: bulk insert: column \"%s\" of \"%s\" has a default the rows do not give",
           NameStr(attribute->attname), RelationGetRelationName(relation));
    // As COPY FROM prepares them (in the executor state's memory).
    MemoryContext caller = MemoryContextSwitchTo(insert->estate->es_query_cxt);
    Expr* expression = expression_planner(reinterpret_cast<Expr*>(build_column_default(relation, i + 1)));
    insert->defaults[insert->ndefaults] = ExecInitExpr(expression, nullptr);
    MemoryContextSwitchTo(caller);
    insert->default_attnums[insert->ndefaults++] = static_cast<AttrNumber>(i + 1);
  }
  ExecOpenIndices(insert->result, false);
  prepare_checks(insert->result, insert->estate);
  // The target page kept pinned, but not COPY's ring of 16 MB of buffers:
  // through it the backend wrote out every page it filled, and waited on the
  // kernel for it; the rows stay in shared buffers, as an INSERT's do (and
  // the trainer reads them next).
  insert->state = GetBulkInsertState();
  FreeAccessStrategy(insert->state->strategy);
  insert->state->strategy = nullptr;
  insert->values = static_cast<Datum*>(palloc0(sizeof(Datum) * ncolumns));
  insert->nulls = static_cast<bool*>(palloc0(sizeof(bool) * ncolumns));
  insert->slots = static_cast<TupleTableSlot**>(palloc0(sizeof(TupleTableSlot*) * kBufferedRows));
  {
    MemoryContext caller = MemoryContextSwitchTo(insert->estate->es_query_cxt);
    insert->slot_desc = CreateTupleDescCopy(desc);  // tdrefcount -1: never pinned
    MemoryContextSwitchTo(caller);
  }
  insert->rows_context =
      AllocSetContextCreate(CurrentMemoryContext, "pz bulk insert rows", ALLOCSET_DEFAULT_SIZES);
  return insert;
}

}  // namespace

BulkInsert* bulk_insert_begin(Oid relation_id, const char* const* columns, int ncolumns) {
  return begin(relation_id, columns, ncolumns, nullptr);
}

BulkInsert* bulk_insert_begin_untriggered(Oid relation_id, const char* const* columns, int ncolumns,
                                          const char* trigger) {
  return begin(relation_id, columns, ncolumns, trigger);
}

Datum* bulk_insert_values(BulkInsert* insert) { return insert->values; }

bool* bulk_insert_nulls(BulkInsert* insert) { return insert->nulls; }

void bulk_insert_row(BulkInsert* insert) {
  TupleTableSlot*& slot = insert->slots[insert->held];
  if (slot == nullptr) {  // made once, kept as long as the executor state
    MemoryContext caller = MemoryContextSwitchTo(insert->estate->es_query_cxt);
    slot = MakeSingleTupleTableSlot(insert->slot_desc, table_slot_callbacks(insert->relation));
    MemoryContextSwitchTo(caller);
  }
  ExecClearTuple(slot);
  int natts = slot->tts_tupleDescriptor->natts;
  for (int i = 0; i < natts; ++i) slot->tts_isnull[i] = true;
  for (int i = 0; i < insert->ncolumns; ++i) {
    int k = insert->attnums[i] - 1;
    slot->tts_values[k] = insert->values[i];
    slot->tts_isnull[k] = insert->nulls[i];
  }
  if (insert->ndefaults > 0) {
    // Kept with the rows' tuples until the flush (the per-row memory goes first).
    ExprContext* per_row = GetPerTupleExprContext(insert->estate);
    TupleDesc desc = slot->tts_tupleDescriptor;
    for (int i = 0; i < insert->ndefaults; ++i) {
      int k = insert->default_attnums[i] - 1;
      bool is_null = false;
      Datum value = ExecEvalExpr(insert->defaults[i], per_row, &is_null);
      Form_pg_attribute attribute = TupleDescAttr(desc, k);
      MemoryContext caller = MemoryContextSwitchTo(insert->rows_context);
      slot->tts_values[k] = is_null ? Datum(0) : datumCopy(value, attribute->attbyval, attribute->attlen);
      MemoryContextSwitchTo(caller);
      slot->tts_isnull[k] = is_null;
    }
    ResetExprContext(per_row);
  }
  ExecStoreVirtualTuple(slot);
  if (insert->relation->rd_att->constr != nullptr) {
    ExecConstraints(insert->result, slot, insert->estate);
    ResetExprContext(GetPerTupleExprContext(insert->estate));
  }
  if (++insert->held == kBufferedRows) bulk_insert_flush(insert);
}

void bulk_insert_finish(BulkInsert* insert) {
  bulk_insert_flush(insert);
  FreeBulkInsertState(insert->state);
  table_finish_bulk_insert(insert->relation, 0);
  for (int i = 0; i < kBufferedRows && insert->slots[i] != nullptr; ++i) ExecDropSingleTupleTableSlot(insert->slots[i]);
  ExecResetTupleTable(insert->estate->es_tupleTable, false);
  ExecCloseResultRelations(insert->estate);
  ExecCloseRangeTableRelations(insert->estate);
  FreeExecutorState(insert->estate);
  MemoryContextDelete(insert->rows_context);
}

void primary_keys_present(Oid relation_id, const Datum* keys, int count, bool* present) {
  Relation relation = table_open(relation_id, AccessShareLock);
  Oid primary_key = RelationGetPrimaryKeyIndex(relation);
  if (!OidIsValid(primary_key))
    elog(ERROR, "pz: \"%s\" has no primary key", RelationGetRelationName(relation));
  Relation index = index_open(primary_key, AccessShareLock);
  if (IndexRelationGetNumberOfKeyAttributes(index) != 1)
    elog(ERROR, "pz: the primary key of \"%s\" is not one column",
         RelationGetRelationName(relation));
  Oid type = index->rd_opcintype[0];
  Oid equal = get_opfamily_member(index->rd_opfamily[0], type, type, BTEqualStrategyNumber);
  RegProcedure equal_proc = get_opcode(equal);
  CommandCounterIncrement();  // this transaction's rows so far
  Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
  IndexScanDesc scan = index_beginscan(relation, index, snapshot, 1, 0);
  TupleTableSlot* slot = table_slot_create(relation, nullptr);
  for (int i = 0; i < count; ++i) {
    ScanKeyData key;
    ScanKeyInit(&key, 1, BTEqualStrategyNumber, equal_proc, keys[i]);
    index_rescan(scan, &key, 1, nullptr, 0);
    present[i] = index_getnext_slot(scan, ForwardScanDirection, slot);
  }
  ExecDropSingleTupleTableSlot(slot);
  index_endscan(scan);
  UnregisterSnapshot(snapshot);
  index_close(index, AccessShareLock);
  table_close(relation, AccessShareLock);
}

}  // namespace pz::pg
