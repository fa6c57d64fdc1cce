#include "pg/trainer.hpp"

#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "core/model_format.hpp"
#include "core/settings.hpp"
#include "pg/featurize.hpp"
#include "pg/guard.hpp"
#include "pg/model_store.hpp"
#include "pg/shared_state.hpp"

extern "C" {
#include "storage/itemptr.h"
#include "utils/guc.h"
}

namespace pz::pg {

namespace {

constexpr long kFetchBatch = 1000;

// The loop's row, locked for this step (PostgreSQL side fills it).
struct LoopForTraining {
  bool found;
  int32 loop_id;
  int64 model_version;
  int64 max_version;
  char* settings_json;
  char* reward_wait;
  double default_reward;
  char* aggregation;
  int32 models_kept;
  bytea* weights;  // current model, NULL when untrained
};

// One due event as the cursor returned it; tokens point into detoasted copies.
struct DueEvent {
  ItemPointerData tid;  // the row version read: marked joined by its address, not its key
  JsonTokens context;
  JsonTokens actions;
  char* chosen_action;
  double probability;
  bool active;
  bool has_reward;
  double reward;
  int64 late_rewards;
};

struct EventBatch {
  DueEvent* events;
  int count;
};

// What the trainer decided for one event, written back to pz.events.
struct Outcome {
  ItemPointerData tid;
  bool skipped;
  double reward;
  const char* label;
};

void connect_spi() {
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
}

char* text_column(HeapTuple tuple, TupleDesc desc, int column) {
  return SPI_getvalue(tuple, desc, column);
}

void lock_loop_for_training(const char* name, LoopForTraining* loop) {
  MemoryContext caller = CurrentMemoryContext;
  Oid types[1] = {TEXTOID};
  Datum args[1] = {CStringGetTextDatum(name)};
  bool is_null;
  loop->found = false;
  loop->weights = nullptr;
  // Lock first, read after: once a concurrent trainer commits, only a statement
  // started after the lock was granted sees its new model version.
  int status = SPI_execute_with_args("SELECT 1 FROM pz.loops WHERE name = $1 FOR UPDATE", 1, types, args,
                                     nullptr, false, 1);
  if (status != SPI_OK_SELECT) elog(ERROR, "pz: locking the loop failed");
  if (SPI_processed != 1) return;
  status = SPI_execute_with_args(
      "SELECT loop_id, model_version, "
      "       (SELECT coalesce(max(m.version), 0) FROM pz.models m WHERE m.loop_id = l.loop_id), "
      "       settings::text, settings->>'reward_wait', (settings->>'default_reward')::float8, "
      "       settings->>'reward_aggregation', (settings->>'models_kept')::int4 "
      "  FROM pz.loops l WHERE name = $1",
      1, types, args, nullptr, false, 1);
  if (status != SPI_OK_SELECT) elog(ERROR, "pz: reading the loop failed");
  if (SPI_processed != 1) return;
  HeapTuple tuple = SPI_tuptable->vals[0];
  TupleDesc desc = SPI_tuptable->tupdesc;
  MemoryContext spi = MemoryContextSwitchTo(caller);
  loop->found = true;
  loop->loop_id = DatumGetInt32(SPI_getbinval(tuple, desc, 1, &is_null));
  loop->model_version = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &is_null));
  loop->max_version = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &is_null));
  loop->settings_json = text_column(tuple, desc, 4);
  loop->reward_wait = text_column(tuple, desc, 5);
  loop->default_reward = DatumGetFloat8(SPI_getbinval(tuple, desc, 6, &is_null));
  loop->aggregation = text_column(tuple, desc, 7);
  loop->models_kept = DatumGetInt32(SPI_getbinval(tuple, desc, 8, &is_null));
  MemoryContextSwitchTo(spi);
  if (loop->model_version > 0) loop->weights = read_model_weights(loop->loop_id, loop->model_version, name, caller);
}

// What a run learns: the due events (a training step), or the kept joined
// log from the untrained model (a retraining).
struct Source {
  bool retraining;
  TimestampTz since;  // retraining: the earliest created_at learned
};

Portal open_due_events(const char* query, const LoopForTraining* loop, TimestampTz now, int64 limit,
                       const Source& source) {
  Oid types[5] = {INT4OID, TEXTOID, TIMESTAMPTZOID, INT8OID, TIMESTAMPTZOID};
  Datum args[5] = {Int32GetDatum(loop->loop_id), CStringGetTextDatum(loop->reward_wait),
                   TimestampTzGetDatum(now), Int64GetDatum(limit), TimestampTzGetDatum(source.since)};
  Portal portal = SPI_cursor_open_with_args(nullptr, query, 5, types, args, nullptr, false, 0);
  if (portal == nullptr) elog(ERROR, "pz: opening the due events failed");
  return portal;
}

// Fetches the next batch into `batch_context` (reset by the caller between batches).
void fetch_due_events(Portal portal, MemoryContext batch_context, EventBatch* batch) {
  SPI_cursor_fetch(portal, true, kFetchBatch);
  MemoryContext spi = MemoryContextSwitchTo(batch_context);
  int count = static_cast<int>(SPI_processed);
  batch->count = count;
  batch->events = static_cast<DueEvent*>(palloc0(sizeof(DueEvent) * (count > 0 ? count : 1)));
  TupleDesc desc = SPI_tuptable->tupdesc;
  for (int i = 0; i < count; ++i) {
    HeapTuple tuple = SPI_tuptable->vals[i];
    DueEvent* event = &batch->events[i];
    bool is_null;
    event->tid = *reinterpret_cast<ItemPointer>(DatumGetPointer(SPI_getbinval(tuple, desc, 1, &is_null)));
    read_jsonb_tokens(DatumGetJsonbPCopy(SPI_getbinval(tuple, desc, 2, &is_null)), &event->context);
    read_jsonb_tokens(DatumGetJsonbPCopy(SPI_getbinval(tuple, desc, 3, &is_null)), &event->actions);
    event->chosen_action = TextDatumGetCString(SPI_getbinval(tuple, desc, 4, &is_null));
    event->probability = DatumGetFloat8(SPI_getbinval(tuple, desc, 5, &is_null));
    event->active = DatumGetBool(SPI_getbinval(tuple, desc, 6, &is_null));
    Datum reward = SPI_getbinval(tuple, desc, 7, &is_null);
    event->has_reward = !is_null;
    event->reward = is_null ? 0.0 : DatumGetFloat8(reward);
    event->late_rewards = DatumGetInt64(SPI_getbinval(tuple, desc, 8, &is_null));
  }
  MemoryContextSwitchTo(spi);
  SPI_freetuptable(SPI_tuptable);
}

// Rows a batch marked joined, learned or skipped.
struct WrittenOutcomes {
  uint64 learned;
  uint64 skipped;
};

// Marks a batch joined, each event by the address of the version the cursor
// read (a lookup by key would cost a descent of the primary key per event). A
// skipped event activated meanwhile is a new version and stays pending.
WrittenOutcomes write_outcomes(const Outcome* outcomes, int count, TimestampTz now) {
  Datum* tids = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  Datum* rewards = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  bool* reward_nulls = static_cast<bool*>(palloc(sizeof(bool) * count));
  Datum* labels = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  for (int i = 0; i < count; ++i) {
    tids[i] = PointerGetDatum(&outcomes[i].tid);
    rewards[i] = Float8GetDatum(outcomes[i].reward);
    reward_nulls[i] = outcomes[i].skipped;
    labels[i] = CStringGetTextDatum(outcomes[i].label);
  }
  int dims[1] = {count};
  int lbs[1] = {1};
  Oid types[4] = {TIDARRAYOID, FLOAT8ARRAYOID, TEXTARRAYOID, TIMESTAMPTZOID};
  Datum args[4] = {
      PointerGetDatum(construct_array(tids, count, TIDOID, sizeof(ItemPointerData), false, TYPALIGN_SHORT)),
      PointerGetDatum(construct_md_array(rewards, reward_nulls, 1, dims, lbs, FLOAT8OID, sizeof(float8),
                                         FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
      PointerGetDatum(construct_array(labels, count, TEXTOID, -1, false, TYPALIGN_INT)),
      TimestampTzGetDatum(now)};
  int status = SPI_execute_with_args(
      "UPDATE pz.events AS e SET joined_at = $4, reward = u.reward, outcome = u.outcome "
      "  FROM unnest($1, $2, $3) AS u(tid, reward, outcome) "
      " WHERE e.ctid = u.tid AND e.joined_at IS NULL "
      "   AND e.active = (u.outcome <> 'skipped') "
      "RETURNING u.outcome = 'skipped'",
      4, types, args, nullptr, false, 0);
  if (status != SPI_OK_UPDATE_RETURNING) elog(ERROR, "pz: marking events joined failed");
  WrittenOutcomes written{0, 0};
  for (uint64 i = 0; i < SPI_processed; ++i) {
    bool is_null;
    if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &is_null)))
      ++written.skipped;
    else
      ++written.learned;
  }
  SPI_freetuptable(SPI_tuptable);
  return written;
}

void store_model(const LoopForTraining* loop, int64 version, int64 examples, const std::string* blob,
                 const char* metrics) {
  bytea* weights = static_cast<bytea*>(palloc(VARHDRSZ + blob->size()));
  SET_VARSIZE(weights, VARHDRSZ + blob->size());
  memcpy(VARDATA(weights), blob->data(), blob->size());
  Oid types[6] = {INT4OID, INT8OID, INT8OID, BYTEAOID, TEXTOID, INT4OID};
  Datum args[6] = {Int32GetDatum(loop->loop_id), Int64GetDatum(version), Int64GetDatum(examples),
                   PointerGetDatum(weights),      CStringGetTextDatum(metrics),
                   Int32GetDatum(loop->models_kept)};
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

// The reward of an event from the rewards that came before it was joined.
std::string reward_expression(std::string_view aggregation) {
  if (aggregation == "sum") return "greatest(-1, least(1, sum(r.value)))";
  if (aggregation == "average") return "avg(r.value)";
  if (aggregation == "median") return "percentile_cont(0.5) WITHIN GROUP (ORDER BY r.value)";
  if (aggregation == "min") return "min(r.value)";
  if (aggregation == "max") return "max(r.value)";
  return "(array_agg(r.value ORDER BY r.received_at, r.reward_id))[1]";
}

// The due events in event order, read straight from the pending index
// (loop_id, created_at, event_id): see plan_like_a_queue().
std::string due_events_query(std::string_view aggregation) {
  return "SELECT e.ctid, e.context, e.actions, e.chosen_action, e.probabilities[1], e.active, "
         "       w.reward, CASE WHEN e.active THEN 0 ELSE w.rewards END "
         "  FROM pz.events e "
         "  LEFT JOIN LATERAL (SELECT " + reward_expression(aggregation) + " AS reward, "
         "         count(*) AS rewards "
         "    FROM pz.rewards r WHERE r.event_id = e.event_id) w ON true "
         " WHERE e.loop_id = $1 AND e.joined_at IS NULL "
         "   AND e.created_at <= $3 - $2::interval "
         "   AND coalesce(e.activated_at, e.created_at) <= $3 - $2::interval "
         " ORDER BY e.created_at, e.event_id "
         " LIMIT $4";
}

// The kept events a retraining learns ($5: since), in event order, each with
// the reward it was joined with (has_reward is true for every one).
std::string kept_events_query() {
  return "SELECT e.ctid, e.context, e.actions, e.chosen_action, e.probabilities[1], true, "
         "       e.reward, 0::int8 "
         "  FROM pz.events e "
         " WHERE e.loop_id = $1 AND e.outcome IN ('rewarded', 'defaulted') AND e.created_at >= $5 "
         " ORDER BY e.created_at, e.event_id "
         " LIMIT $4";
}

// A step's statements are fixed, and so are their best plans: walk the pending
// index in event order, find rewards and events by key. Costing a backlog, the
// planner would rather scan the whole table and sort the wide rows on disk (3
// times slower), and compile them with JIT. Settings of this step only.
void plan_like_a_queue() {
  for (const char* setting : {"jit", "enable_seqscan", "enable_sort", "enable_memoize"})
    (void)set_config_option(setting, "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

// Learns one event; returns its outcome.
Outcome learn_event(Model& model, const DueEvent& event, double default_reward, FeatureSet& context,
                    FeatureSet& action) {
  Outcome outcome{event.tid, !event.active, 0.0, "skipped"};
  if (!event.active) return outcome;
  outcome.reward = event.has_reward ? event.reward : default_reward;
  outcome.label = event.has_reward ? "rewarded" : "defaulted";
  context.clear();
  featurize_context(event.context, context);
  std::vector<Candidate> candidates = parse_candidates(event.actions, RankOptions{});
  for (const Candidate& candidate : candidates) {
    if (candidate.id != event.chosen_action) continue;
    featurize_action(event.actions, candidate, action);
    model.learn(context, action, outcome.reward, event.probability);
    return outcome;
  }
  throw SqlError(ERRCODE_DATA_CORRUPTED, "the chosen action of a logged event is not among its actions");
}

TrainCounts run_training(const std::string& loop_name, int64_t max_events, const Source& source) {
  TrainCounts counts;
  counts.loop = loop_name;
  LoopForTraining loop;
  TimestampTz now = 0;
  MemoryContext batch_context = nullptr;
  int guc_level = 0;
  pg_call([&] {
    guc_level = NewGUCNestLevel();
    plan_like_a_queue();
    connect_spi();
    now = GetCurrentTimestamp();
    lock_loop_for_training(loop_name.c_str(), &loop);
    batch_context = AllocSetContextCreate(CurrentMemoryContext, "pz trainer batch", ALLOCSET_DEFAULT_SIZES);
  });
  if (!loop.found) {
    pg_call([&] {
      SPI_finish();
      AtEOXact_GUC(true, guc_level);
    });
    throw SqlError(ERRCODE_UNDEFINED_OBJECT, "loop \"" + loop_name + "\" does not exist",
                   "Create it with pz_create_loop().");
  }

  LoopSettings settings = parse_loop_settings(loop.settings_json);
  std::unique_ptr<Model> model;
  if (loop.weights != nullptr && !source.retraining) {
    std::string_view blob(VARDATA_ANY(loop.weights), VARSIZE_ANY_EXHDR(loop.weights));
    model = std::make_unique<Model>(deserialize_model(blob, settings.space, settings.learner));
  } else {
    model = std::make_unique<Model>(settings.space, settings.learner);
  }

  std::string query = source.retraining ? kept_events_query() : due_events_query(loop.aggregation);
  Portal portal = nullptr;
  pg_call([&] { portal = open_due_events(query.c_str(), &loop, now, max_events, source); });
  FeatureSet context;
  FeatureSet action;
  std::vector<Outcome> outcomes;
  int64_t fetched = 0;
  for (;;) {
    EventBatch batch;
    pg_call([&] {
      MemoryContextReset(batch_context);
      fetch_due_events(portal, batch_context, &batch);
    });
    if (batch.count == 0) break;
    fetched += batch.count;
    outcomes.clear();
    uint64 learned = 0;
    for (int i = 0; i < batch.count; ++i) {
      const DueEvent& event = batch.events[i];
      outcomes.push_back(learn_event(*model, event, loop.default_reward, context, action));
      counts.late_rewards += event.late_rewards;
      if (!event.active) continue;
      ++learned;
      if (event.has_reward) ++counts.rewarded;
      else ++counts.defaulted;
    }
    if (source.retraining) continue;  // the events stay as they are
    WrittenOutcomes written{0, 0};
    pg_call([&] { written = write_outcomes(outcomes.data(), static_cast<int>(outcomes.size()), now); });
    // Exactly once: an event the model learned but could not mark joined would
    // be learned again by the next step. Undo this whole step instead.
    if (written.learned != learned)
      throw SqlError(ERRCODE_T_R_SERIALIZATION_FAILURE,
                     "events of loop \"" + loop_name + "\" changed while they were being learned",
                     "The training step was undone; the next one learns them.");
    counts.skipped += static_cast<int64_t>(written.skipped);  // the others were activated meanwhile
  }
  counts.learned = counts.rewarded + counts.defaulted;
  counts.joined = counts.learned + counts.skipped;
  counts.more_due = !source.retraining && fetched >= max_events;
  counts.model_version = loop.model_version;
  counts.examples = static_cast<int64_t>(model->examples());

  // A retraining stores its model even from no events: what was deleted must
  // stop counting.
  if (counts.learned > 0 || source.retraining) {
    counts.model_version = loop.max_version + 1;
    std::string blob = serialize_model(*model);
    std::string metrics = source.retraining ? retrain_counts_json(counts) : train_counts_json(counts);
    pg_call([&] {
      SPI_cursor_close(portal);
      store_model(&loop, counts.model_version, counts.examples, &blob, metrics.c_str());
    });
    bump_loops_generation_at_commit();
  } else {
    pg_call([&] { SPI_cursor_close(portal); });
  }
  pg_call([&] {
    MemoryContextDelete(batch_context);
    SPI_finish();
    AtEOXact_GUC(true, guc_level);
  });
  return counts;
}

}  // namespace

TrainCounts train_loop(const std::string& loop_name, int64_t max_events) {
  return run_training(loop_name, max_events, Source{false, DT_NOBEGIN});
}

TrainCounts retrain_loop(const std::string& loop_name, std::optional<int64_t> since) {
  return run_training(loop_name, std::numeric_limits<int64_t>::max(), Source{true, since.value_or(DT_NOBEGIN)});
}

std::string train_counts_json(const TrainCounts& counts) {
  nlohmann::json json = {{"loop", counts.loop},
                         {"joined", counts.joined},
                         {"learned", counts.learned},
                         {"rewarded", counts.rewarded},
                         {"defaulted", counts.defaulted},
                         {"skipped", counts.skipped},
                         {"late_rewards", counts.late_rewards},
                         {"model_version", counts.model_version},
                         {"examples", counts.examples},
                         {"more_due", counts.more_due}};
  return json.dump();
}

std::string retrain_counts_json(const TrainCounts& counts) {
  nlohmann::json json = {{"loop", counts.loop},
                         {"retrained", true},
                         {"learned", counts.learned},
                         {"model_version", counts.model_version},
                         {"examples", counts.examples}};
  return json.dump();
}

}  // namespace pz::pg
