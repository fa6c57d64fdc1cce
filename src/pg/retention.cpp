#include "pg/retention.hpp"

#include "pg/guard.hpp"
#include "pg/kept_plan.hpp"

extern "C" {
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
}

namespace pz::pg {

namespace {

SPIPlanPtr retention_plan = nullptr;

// PostgreSQL side (plain C: may ereport anywhere).

// An installation not yet updated from 0.1.0 (ALTER EXTENSION pz UPDATE) has
// no retention: nothing to do rather than an error every round.
bool retention_installed() {
  Oid types[2] = {TEXTOID, INT4OID};
  return OidIsValid(
      LookupFuncName(list_make2(makeString(pstrdup("pz")), makeString(pstrdup("apply_retention"))),
                     2, types, true));
}

// The batch size is pz.apply_retention's default.
bool run_retention_batch(const char* loop) {
  if (!retention_installed()) return false;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  if (retention_plan == nullptr) {
    Oid types[1] = {TEXTOID};
    retention_plan =
        prepare_kept_plan("SELECT (pz.apply_retention($1) ->> 'more_due')::boolean", 1, types);
  }
  Datum name = CStringGetTextDatum(loop);
  if (SPI_execute_plan(retention_plan, &name, nullptr, false, 1) != SPI_OK_SELECT ||
      SPI_processed != 1)
    elog(ERROR, "pz: applying retention failed");
  bool is_null;
  bool more_due =
      DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
  SPI_finish();
  return more_due;
}

}  // namespace

bool delete_expired_events(const char* loop) {
  bool more_due = false;
  pg_call([&] { more_due = run_retention_batch(loop); });
  return more_due;
}

}  // namespace pz::pg
