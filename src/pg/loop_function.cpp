#include "pg/loop_function.hpp"

#include "pg/guard.hpp"
#include "pg/kept_plan.hpp"

extern "C" {
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
}

namespace pz::pg {

namespace {

// PostgreSQL side (plain C: may ereport anywhere).

bool installed(const LoopFunction& function) {
  return OidIsValid(LookupFuncName(
      list_make2(makeString(pstrdup("pz")), makeString(pstrdup(function.name))), function.nargs,
      function.types, true));
}

bool call(LoopFunction& function, const char* loop) {
  if (!installed(function)) return false;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  if (function.plan == nullptr) {
    Oid types[1] = {TEXTOID};
    function.plan = prepare_kept_plan(function.query, 1, types);
  }
  Datum name = CStringGetTextDatum(loop);
  if (SPI_execute_plan(function.plan, &name, nullptr, false, 1) != SPI_OK_SELECT ||
      SPI_processed != 1)
    elog(ERROR, "pz: calling pz.%s failed", function.name);
  bool is_null;
  Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
  bool result = !is_null && DatumGetBool(value);
  SPI_finish();
  return result;
}

}  // namespace

bool call_loop_function(LoopFunction& function, const char* loop) {
  bool result = false;
  pg_call([&] { result = call(function, loop); });
  return result;
}

}  // namespace pz::pg
