// See planned_checks.hpp.
#include "pg/planned_checks.hpp"

extern "C" {
#include "nodes/nodes.h"
#include "optimizer/optimizer.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

namespace pz::pg {

namespace {

struct PlannedChecks {
  Oid relation_id;
  int count;
  Expr** expressions;
};
constexpr int kPlannedTables = 8;
PlannedChecks planned_checks[kPlannedTables];
int planned_tables = 0;
MemoryContext planned_context = nullptr;
// The callbacks only take note: they may run while an entry is being built
// (a catalog read takes a lock, which reads the invalidations), and the
// memory is freed only at the next look-up.
uint64 invalidations = 0;
bool forget_all = false;

void on_relation_change(Datum, Oid relation_id) {
  ++invalidations;
  if (!OidIsValid(relation_id)) forget_all = true;
  for (int i = 0; i < planned_tables; ++i)
    if (planned_checks[i].relation_id == relation_id) planned_checks[i].relation_id = InvalidOid;
}

void on_function_change(Datum, int, uint32) {
  ++invalidations;
  forget_all = true;
}

const PlannedChecks* checks_of(Relation relation) {
  if (planned_context == nullptr) {
    planned_context = AllocSetContextCreate(CacheMemoryContext, "pz planned checks", ALLOCSET_SMALL_SIZES);
    CacheRegisterRelcacheCallback(on_relation_change, 0);
    CacheRegisterSyscacheCallback(PROCOID, on_function_change, 0);
  }
  if (forget_all || planned_tables == kPlannedTables) {
    planned_tables = 0;
    forget_all = false;
    MemoryContextReset(planned_context);
  }
  const Oid relation_id = RelationGetRelid(relation);
  const TupleConstr* constraints = relation->rd_att->constr;
  for (int i = 0; i < planned_tables; ++i) {
    if (planned_checks[i].relation_id != relation_id) continue;
    // ExecRelCheck reads one expression a constraint: a count that differs
    // (an invalidation missed) is planned again rather than read past.
    if (planned_checks[i].count == constraints->num_check) return &planned_checks[i];
    planned_checks[i].relation_id = InvalidOid;
  }
  const uint64 before = invalidations;
  MemoryContext caller = MemoryContextSwitchTo(planned_context);
  PlannedChecks checks{relation_id, constraints->num_check,
                       static_cast<Expr**>(palloc(sizeof(Expr*) * constraints->num_check))};
  for (int i = 0; i < checks.count; ++i)
    checks.expressions[i] = expression_planner(static_cast<Expr*>(stringToNode(constraints->check[i].ccbin)));
  MemoryContextSwitchTo(caller);
  if (invalidations != before) {
    // Good for this insert (as ExecRelCheck's would be), not to keep.
    static PlannedChecks once;
    once = checks;
    forget_all = true;
    return &once;
  }
  planned_checks[planned_tables] = checks;
  return &planned_checks[planned_tables++];
}

}  // namespace

void prepare_checks(ResultRelInfo* result, EState* estate) {
  Relation relation = result->ri_RelationDesc;
  const TupleConstr* constraints = relation->rd_att->constr;
  // ExecRelCheck reports a catalog that lost constraints; it sees the same then.
  if (constraints == nullptr || constraints->num_check == 0 ||
      constraints->num_check != relation->rd_rel->relchecks)
    return;
  const PlannedChecks* checks = checks_of(relation);
  MemoryContext caller = MemoryContextSwitchTo(estate->es_query_cxt);
  ExprState** states = static_cast<ExprState**>(palloc(sizeof(ExprState*) * checks->count));
  for (int i = 0; i < checks->count; ++i)
    states[i] = ExecInitExpr(static_cast<Expr*>(copyObjectImpl(checks->expressions[i])), nullptr);
  MemoryContextSwitchTo(caller);
  result->ri_ConstraintExprs = states;
}

}  // namespace pz::pg
