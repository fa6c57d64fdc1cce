// Worker steps that are SQL functions of the loop (pz.apply_retention,
// pz.run_auto_optimize): called through a plan kept across transactions, and
// skipped where the installed SQL does not have the function yet (a 0.1.0
// schema not updated: nothing to do rather than an error every round).
#pragma once

#include "pg/postgres.hpp"

namespace pz::pg {

struct LoopFunction {
  const char* name;   // in schema pz
  int nargs;          // its arity (the loop name first, the rest defaulted)
  const Oid* types;   // its argument types
  const char* query;  // one row, one boolean column; $1 is the loop name
  SPIPlanPtr plan;    // prepared on first use
};

// In the caller's open transaction: the boolean the query returns, false when
// the function is not installed. Throws PostgresError as the function raises.
bool call_loop_function(LoopFunction& function, const char* loop);

}  // namespace pz::pg
