#include "pg/loop_cache.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/model_format.hpp"
#include "pg/guard.hpp"
#include "pg/limits.hpp"
#include "pg/kept_plan.hpp"
#include "pg/model_store.hpp"
#include "pg/shared_state.hpp"

namespace pz::pg {

namespace {

// What one look-up read; the settings are palloc'd, and set only when the
// cache entry was stale.
struct LoopRow {
  bool found;
  int32 loop_id;
  int64 model_version;
  int64 updated_at;
  bool stale;
  char* settings_json;
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
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  if (loop_plan == nullptr) {
    Oid types[1] = {TEXTOID};
    loop_plan = prepare_kept_plan(
        "SELECT loop_id, model_version, updated_at, settings FROM pz.loops WHERE name = $1", 1,
        types);
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
    }
  }
  SPI_finish();
}

// PostgreSQL side: a stored model version's weights, in the caller's context.
// Read only when this backend makes a copy (a private one, or the server's
// shared one), not when it attaches to a shared copy.
bytea* read_weights(int32 loop_id, int64 version, const char* name) {
  MemoryContext caller = CurrentMemoryContext;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  bytea* weights = read_model_weights(loop_id, version, name, caller);
  SPI_finish();
  return weights;
}

SPIPlanPtr states_plan = nullptr;

// PostgreSQL side: the current updated_at of each loop in `ids` (0 where the
// loop is gone), to tell which cached entries are out of date.
void read_loop_states(const int32* ids, int count, int64* updated_at) {
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  if (states_plan == nullptr) {
    Oid types[1] = {INT4ARRAYOID};
    states_plan = prepare_kept_plan(
        "SELECT loop_id, updated_at FROM pz.loops WHERE loop_id = ANY ($1)", 1, types);
  }
  Datum* elements = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  for (int i = 0; i < count; ++i) elements[i] = Int32GetDatum(ids[i]);
  Datum ids_arg =
      PointerGetDatum(construct_array(elements, count, INT4OID, sizeof(int32), true, TYPALIGN_INT));
  if (SPI_execute_plan(states_plan, &ids_arg, nullptr, false, 0) != SPI_OK_SELECT)
    elog(ERROR, "pz: reading pz.loops failed");
  for (int i = 0; i < count; ++i) updated_at[i] = 0;
  for (uint64 row = 0; row < SPI_processed; ++row) {
    bool is_null;
    int32 id =
        DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 1, &is_null));
    int64 at = DatumGetTimestampTz(
        SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 2, &is_null));
    for (int i = 0; i < count; ++i)
      if (ids[i] == id) updated_at[i] = at;
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

// The model of `loop`'s version: the server's shared copy when pz is preloaded
// (attached, or loaded by this backend for all), else a private copy.
void load_model(const std::string& name, CachedLoop& loop) {
  const FeatureSpace& space = loop.settings.space;
  auto read_blob = [&] {
    bytea* weights = nullptr;
    pg_call([&] { weights = read_weights(loop.loop_id, loop.model_version, name.c_str()); });
    return std::string_view(VARDATA_ANY(weights), VARSIZE_ANY_EXHDR(weights));
  };
  const SharedModelKey key{loop.loop_id, loop.model_version, loop.updated_at, space.fingerprint(),
                           space.bits};
  loop.shared = acquire_shared_model(key, [&](float* weights) -> uint64_t {
    if (loop.model_version <= 0) {
      std::fill(weights, weights + (size_t{1} << space.bits), 0.0f);
      return 0;
    }
    return decode_weights(read_blob(), space, weights);
  });
  try {
    if (loop.shared.held()) {
      loop.model = std::make_unique<Model>(
          Model::over_weights(space, loop.shared.weights, loop.shared.examples));
    } else if (loop.model_version > 0) {
      loop.model = std::make_unique<Model>(
          deserialize_model(read_blob(), space, loop.settings.learner, ModelUse::kScoring));
    } else {
      loop.model = std::make_unique<Model>(space, loop.settings.learner, ModelUse::kScoring);
    }
  } catch (...) {
    release_shared_model(loop.shared);
    throw;
  }
}

// When some loop changed (the shared generation moved), the other cached
// loops whose row changed or is gone let go of their model now rather than at
// their next rank call here: a backend that stopped ranking a loop must not
// keep a replaced (or dropped) version's shared copy alive.
void forget_outdated_loops(const std::string& current, uint64_t generation) {
  static uint64_t swept_generation = 0;
  if (generation == 0 || generation == swept_generation) return;
  std::vector<std::string> names;
  std::vector<int32> ids;
  for (const auto& [name, loop] : cache()) {
    if (name == current || loop.model == nullptr) continue;
    names.push_back(name);
    ids.push_back(loop.loop_id);
  }
  if (!ids.empty()) {
    std::vector<int64> updated_at(ids.size());
    pg_call([&] { read_loop_states(ids.data(), static_cast<int>(ids.size()), updated_at.data()); });
    for (size_t i = 0; i < names.size(); ++i) {
      auto outdated = cache().find(names[i]);
      if (outdated->second.updated_at == updated_at[i]) continue;
      release_shared_model(outdated->second.shared);
      cache().erase(outdated);
    }
  }
  // Once per generation, even under REPEATABLE READ (whose snapshot may miss
  // the change: such an entry then goes at its own next use or the next bump).
  swept_generation = generation;
}

}  // namespace

const CachedLoop& current_loop(const std::string& name) {
  CachedLoop& entry = cache()[name];
  // Read before the look-up's snapshot is taken: a bump after it means a reload.
  uint64_t generation = loops_generation();
  if (generation != 0 && entry.generation == generation) return entry;
  forget_outdated_loops(name, generation);
  // Under REPEATABLE READ the snapshot may predate the counter just read.
  uint64_t known_generation = IsolationUsesXactSnapshot() ? 0 : generation;
  LoopRow row;
  pg_call([&] {
    read_loop_row(name.c_str(), entry.loop_id, entry.model_version, entry.updated_at, &row);
  });
  if (!row.found) {
    release_shared_model(entry.shared);
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
  check_model_memory(fresh.settings.space.bits, name.c_str());
  load_model(name, fresh);
  fresh.generation = known_generation;
  release_shared_model(entry.shared);
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

// One row of pz.cached_models().
struct CachedRow {
  int32 loop_id;
  int64 model_version;
  int64 bytes;
  bool shared;
  int32 backends;
  bool this_backend;
};

void emit_cached_rows(FunctionCallInfo fcinfo, const CachedRow* rows, size_t count) {
  InitMaterializedSRF(fcinfo, 0);
  ReturnSetInfo* result = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  for (size_t i = 0; i < count; ++i) {
    Datum values[6] = {Int32GetDatum(rows[i].loop_id),  Int64GetDatum(rows[i].model_version),
                       Int64GetDatum(rows[i].bytes),    BoolGetDatum(rows[i].shared),
                       Int32GetDatum(rows[i].backends), BoolGetDatum(rows[i].this_backend)};
    bool nulls[6] = {false, false, false, false, false, false};
    tuplestore_putvalues(result->setResult, result->setDesc, values, nulls);
  }
}

}  // namespace
}  // namespace pz::pg

// pz.cached_models(): the models kept for ranking in this database: the
// server's shared copies, and this backend's private ones.
PZ_SQL_FUNCTION(pz_cached_models) {
  std::vector<CachedRow> rows;
  for (const SharedModelRow& copy : shared_models_of_database())
    rows.push_back({copy.loop_id, copy.version, copy.bytes, true, copy.backends, copy.here});
  for (const auto& [name, loop] : cache()) {
    if (loop.model == nullptr || loop.shared.held()) continue;
    rows.push_back({loop.loop_id, loop.model_version,
                    static_cast<int64>(loop.model->memory_bytes()), false, 1, true});
  }
  pg_call([&] { emit_cached_rows(fcinfo, rows.data(), rows.size()); });
  return static_cast<Datum>(0);
}
