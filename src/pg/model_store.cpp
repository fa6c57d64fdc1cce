#include "pg/model_store.hpp"

#include "pg/kept_plan.hpp"
namespace pz::pg {

namespace {

SPIPlanPtr weights_plan = nullptr;  // prepared once per backend

}  // namespace

bytea* read_model_weights(int32 loop_id, int64 version, const char* loop_name, MemoryContext into) {
  if (weights_plan == nullptr) {
    Oid types[2] = {INT4OID, INT8OID};
    weights_plan = prepare_kept_plan("SELECT weights FROM pz.models WHERE loop_id = $1 AND version = $2", 2, types);
  }
  Datum args[2] = {Int32GetDatum(loop_id), Int64GetDatum(version)};
  if (SPI_execute_plan(weights_plan, args, nullptr, false, 1) != SPI_OK_SELECT)
    elog(ERROR, "pz: reading pz.models failed");
  if (SPI_processed != 1)
    ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                    errmsg("model version " INT64_FORMAT " of loop \"%s\" is missing", version, loop_name)));
  bool is_null;
  Datum weights = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
  MemoryContext spi = MemoryContextSwitchTo(into);
  bytea* copy = DatumGetByteaPCopy(weights);
  MemoryContextSwitchTo(spi);
  SPI_freetuptable(SPI_tuptable);
  return copy;
}

void store_model_version(int32 loop_id, int32 models_kept, int64 version, int64 examples,
                         const std::string& blob, const char* metrics) {
  bytea* weights = static_cast<bytea*>(palloc(VARHDRSZ + blob.size()));
  SET_VARSIZE(weights, VARHDRSZ + blob.size());
  memcpy(VARDATA(weights), blob.data(), blob.size());
  Oid types[6] = {INT4OID, INT8OID, INT8OID, BYTEAOID, TEXTOID, INT4OID};
  Datum args[6] = {Int32GetDatum(loop_id),   Int64GetDatum(version),     Int64GetDatum(examples),
                   PointerGetDatum(weights), CStringGetTextDatum(metrics), Int32GetDatum(models_kept)};
  if (SPI_execute_with_args("INSERT INTO pz.models (loop_id, version, examples, weights, metrics) "
                            "VALUES ($1, $2, $3, $4, $5::jsonb)",
                            6, types, args, nullptr, false, 0) != SPI_OK_INSERT)
    elog(ERROR, "pz: storing the model failed");
  if (SPI_execute_with_args("UPDATE pz.loops SET model_version = $2, updated_at = now() WHERE loop_id = $1",
                            6, types, args, nullptr, false, 0) != SPI_OK_UPDATE)
    elog(ERROR, "pz: making the model current failed");
  if (SPI_execute_with_args("DELETE FROM pz.models WHERE loop_id = $1 AND version <= $2 - $6",
                            6, types, args, nullptr, false, 0) != SPI_OK_DELETE)
    elog(ERROR, "pz: pruning old models failed");
}

}  // namespace pz::pg
