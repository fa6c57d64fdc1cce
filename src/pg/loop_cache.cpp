#include "pg/loop_cache.hpp"

#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/model_format.hpp"
#include "pg/guard.hpp"
#include "pg/kept_plan.hpp"
#include "pg/model_store.hpp"
#include "pg/shared_state.hpp"

namespace pz::pg {

namespace {

// What one look-up read; text fields are palloc'd, and set only when the cache
// entry was stale.
struct LoopRow {
  bool found;
  int32 loop_id;
  int64 model_version;
  int64 updated_at;
  bool stale;
  char* settings_json;
  bytea* weights;
};

SPIPlanPtr loop_plan = nullptr;

// PostgreSQL side (plain C: may ereport anywhere).
void read_loop_row(const char* name, int32 cached_loop_id, int64 cached_version,
                   int64 cached_updated_at, LoopRow* row) {
  MemoryContext caller = CurrentMemoryContext;
  bool is_null;
  row->found = false;
  row->stale = false;
  row->settings_json = nullptr;
  row->weights = nullptr;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  if (loop_plan == nullptr) {
    Oid types[1] = {TEXTOID};
    loop_plan = prepare_kept_plan(
        "SELECT loop_id, model_version, updated_at, settings FROM pz.loops WHERE name = $1", 1, types);
  }
  Datum name_arg = CStringGetTextDatum(name);
  if (SPI_execute_plan(loop_plan, &name_arg, nullptr, false, 1) != SPI_OK_SELECT)
    elog(ERROR, "pz: reading pz.loops failed");
  if (SPI_processed == 1) {
    HeapTuple tuple = SPI_tuptable->vals[0];
    TupleDesc desc = SPI_tuptable->tupdesc;
    row->found = true;
    row->loop_id = DatumGetInt32(SPI_getbinval(tuple, desc, 1, &is_null));
    row->model_version = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &is_null));
    row->updated_at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 3, &is_null));
    row->stale = row->loop_id != cached_loop_id || row->model_version != cached_version ||
                 row->updated_at != cached_updated_at;
    if (row->stale) {
      Jsonb* settings = DatumGetJsonbP(SPI_getbinval(tuple, desc, 4, &is_null));
      MemoryContext spi = MemoryContextSwitchTo(caller);
      row->settings_json = JsonbToCString(nullptr, &settings->root, VARSIZE(settings));
      MemoryContextSwitchTo(spi);
      if (row->model_version > 0)
        row->weights = read_model_weights(row->loop_id, row->model_version, name, caller);
    }
  }
  SPI_finish();
}

std::unordered_map<std::string, CachedLoop>& cache() {
  static std::unordered_map<std::string, CachedLoop> loops;
  return loops;
}

bool read_apprentice_mode(const std::string& settings_json) {
  auto settings = nlohmann::json::parse(settings_json);
  auto mode = settings.find("mode");
  return mode != settings.end() && mode->is_string() && mode->get<std::string>() == "apprentice";
}

}  // namespace

const CachedLoop& current_loop(const std::string& name) {
  CachedLoop& entry = cache()[name];
  // Read before the look-up's snapshot is taken: a bump after it means a reload.
  uint64_t generation = loops_generation();
  if (generation != 0 && entry.generation == generation) return entry;
  // Under REPEATABLE READ the snapshot may predate the counter just read.
  uint64_t known_generation = IsolationUsesXactSnapshot() ? 0 : generation;
  LoopRow row;
  pg_call([&] {
    read_loop_row(name.c_str(), entry.loop_id, entry.model_version, entry.updated_at, &row);
  });
  if (!row.found) {
    cache().erase(name);
    throw SqlError(ERRCODE_UNDEFINED_OBJECT, "loop \"" + name + "\" does not exist",
                   "Create it with pz_create_loop().");
  }
  if (!row.stale) {
    entry.generation = known_generation;
    return entry;
  }

  CachedLoop fresh;
  fresh.loop_id = row.loop_id;
  fresh.model_version = row.model_version;
  fresh.updated_at = row.updated_at;
  fresh.settings = parse_loop_settings(row.settings_json);
  fresh.apprentice = read_apprentice_mode(row.settings_json);
  if (row.weights != nullptr) {
    std::string_view blob(VARDATA_ANY(row.weights), VARSIZE_ANY_EXHDR(row.weights));
    fresh.model = std::make_unique<Model>(deserialize_model(blob, fresh.settings.space,
                                                            fresh.settings.learner,
                                                            ModelUse::kScoring));
  } else {
    fresh.model = std::make_unique<Model>(fresh.settings.space, fresh.settings.learner,
                                          ModelUse::kScoring);
  }
  fresh.generation = known_generation;
  entry = std::move(fresh);
  return entry;
}

Logging cached_loop_logging(int32_t loop_id) {
  for (const auto& [name, loop] : cache())
    if (loop.loop_id == loop_id) return loop.settings.logging;
  throw SqlError(ERRCODE_INTERNAL_ERROR, "loop " + std::to_string(loop_id) + " is not cached");
}

}  // namespace pz::pg

namespace pz::pg {
namespace {

struct CachedRow {
  const char* name;
  int32 loop_id;
  int64 model_version;
  int64 bytes;
};

void emit_cached_rows(FunctionCallInfo fcinfo, const CachedRow* rows, size_t count) {
  InitMaterializedSRF(fcinfo, 0);
  ReturnSetInfo* result = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  for (size_t i = 0; i < count; ++i) {
    Datum values[4] = {CStringGetTextDatum(rows[i].name), Int32GetDatum(rows[i].loop_id),
                       Int64GetDatum(rows[i].model_version), Int64GetDatum(rows[i].bytes)};
    bool nulls[4] = {false, false, false, false};
    tuplestore_putvalues(result->setResult, result->setDesc, values, nulls);
  }
}

}  // namespace
}  // namespace pz::pg

// pz.cached_models(): the models this backend keeps for ranking.
PZ_SQL_FUNCTION(pz_cached_models) {
  std::vector<CachedRow> rows;
  for (const auto& [name, loop] : cache()) {
    if (loop.model == nullptr) continue;
    rows.push_back({name.c_str(), loop.loop_id, loop.model_version,
                    static_cast<int64>(loop.model->memory_bytes())});
  }
  pg_call([&] { emit_cached_rows(fcinfo, rows.data(), rows.size()); });
  return static_cast<Datum>(0);
}
