// The CHECK constraints of the tables pz appends to in bulk (bulk_insert.hpp),
// read and planned once per backend: ExecConstraints reads each from its
// text and plans it again for every executor state, which for one row (a
// rank call's event) cost about as much as inserting it. Forgotten when the
// table's definition or any function changes (a constraint may call one);
// each executor state gets a copy, so forgetting never frees what a running
// insert uses. PostgreSQL side (may ereport).
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "nodes/execnodes.h"
}

namespace pz::pg {

// Gives the result relation its constraint expressions (in the executor
// state's memory), as ExecRelCheck would build them at its first row, from
// the planned ones; leaves a table without CHECK constraints, or whose
// catalog lost some (ExecRelCheck reports that), to ExecRelCheck.
void prepare_checks(ResultRelInfo* result, EState* estate);

}  // namespace pz::pg
