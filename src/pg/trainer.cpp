#include "pg/trainer.hpp"

#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/errors.hpp"
#include "core/hashing.hpp"
#include "core/model_format.hpp"
#include "core/objective.hpp"
#include "core/settings.hpp"
#include "pg/featurize.hpp"
#include "pg/array_text.hpp"
#include "pg/event_log.hpp"
#include "pg/guard.hpp"
#include "pg/limits.hpp"
#include "pg/logged_candidates.hpp"
#include "pg/model_store.hpp"
#include "pg/reward_query.hpp"
#include "pg/shared_state.hpp"

extern "C" {
#include "storage/itemptr.h"
#include "utils/guc.h"
}

namespace pz::pg {

namespace {

constexpr long kFetchBatch = 1000;
// Memory a batch of kFetchBatch events takes (their contexts, tokens and ids).
constexpr Size kBatchMemory = 4 * 1024 * 1024;

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
  bool counted;  // the installed version has pz.loop_counters (0.2.0 on; not before the update)
  int64 rewards_counted_through;  // pz.loop_counters: rewards up to it are counted
  bytea* weights;  // current model, NULL when untrained
};

// One due event as the cursor returned it; tokens point into detoasted copies.
struct DueEvent {
  ItemPointerData tid;  // the row version read: marked joined by its address, not its key
  JsonTokens context;
  int64 chosen_number;  // the chosen action's document (pz.actions.action_number)
  bool has_chosen;    // false: the chosen action is not among the candidates
  int32 candidates;
  char* chosen_action;
  double probability;
  bool active;
  bool has_reward;
  double reward;
  int64 rewards;          // all its rewards by the time it was joined
  int64 counted_rewards;  // of those, the ones pz.loop_counters has counted
  pg_uuid_t event_id;  // as text only for a message (uuid_text)
  TimestampTz created_at;
  char* signal_rewards;  // with an objective: its rewards per signal (JSON), NULL when none named
  char** slot_signal_rewards;  // with an objective and slots: as signal_rewards, for slots 2 and beyond
  // Slots 2 and beyond (options.slots), in slot order: each shown action's
  // document, its logged probability and its reward (if one came).
  // slots_logged: how many the event logged beyond slot 1.
  bool slotted;  // ranked with options.slots (even one)
  int slots_logged;
  int64* slot_numbers;  // pz.actions.action_number of each
  bool* slot_has_number;
  double* slot_probabilities;
  double* slot_rewards;
  bool* slot_has_reward;
};

struct EventBatch {
  DueEvent* events;
  int count;
};

// What the trainer decided for one event, written to pz.event_state.
struct Outcome {
  ItemPointerData tid;
  bool learned;  // else skipped or quarantined: no reward
  double reward;
  const char* label;
  std::vector<double> slot_rewards;  // learned, with slots: every slot's reward, slot 1 first
};

void connect_spi() {
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
}

char* text_column(HeapTuple tuple, TupleDesc desc, int column) {
  return SPI_getvalue(tuple, desc, column);
}

// A setting the step cannot do without: NULL only if neither the loop nor
// pz.setting_rules has it, which the trainer refuses rather than guess.
Datum required_setting(HeapTuple tuple, int column, const char* key, const char* loop) {
  bool is_null;
  Datum value = SPI_getbinval(tuple, SPI_tuptable->tupdesc, column, &is_null);
  if (is_null)
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                    errmsg("setting \"%s\" of loop \"%s\" has no value", key, loop),
                    errhint("Set it with pz_configure_loop(); pz.setting_rules holds the defaults.")));
  return value;
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
  // A key missing from the row (or JSON null) takes its default.
  status = SPI_execute_with_args(
      "SELECT loop_id, model_version, "
      "       (SELECT coalesce(max(m.version), 0) FROM pz.models m WHERE m.loop_id = l.loop_id), "
      "       s.settings::text, s.settings->>'reward_wait', (s.settings->>'default_reward')::float8, "
      "       s.settings->>'reward_aggregation', (s.settings->>'models_kept')::int4, "
      "       to_regclass('pz.loop_counters') IS NOT NULL "
      "  FROM pz.loops l, LATERAL (SELECT pz.default_settings() || jsonb_strip_nulls(l.settings)) AS s(settings) "
      " WHERE name = $1",
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
  loop->default_reward = DatumGetFloat8(required_setting(tuple, 6, "default_reward", name));
  loop->aggregation = text_column(tuple, desc, 7);
  loop->models_kept = DatumGetInt32(required_setting(tuple, 8, "models_kept", name));
  loop->counted = DatumGetBool(SPI_getbinval(tuple, desc, 9, &is_null));
  MemoryContextSwitchTo(spi);
  (void)required_setting(tuple, 5, "reward_wait", name);
  (void)required_setting(tuple, 7, "reward_aggregation", name);
  loop->rewards_counted_through = 0;
  if (loop->counted) {
    // A separate statement: before the update to 0.2.0 the table does not exist.
    status = SPI_execute_with_args(
        "SELECT c.rewards_counted_through FROM pz.loop_counters c, pz.loops l "
        " WHERE c.loop_id = l.loop_id AND l.name = $1",
        1, types, args, nullptr, false, 1);
    if (status != SPI_OK_SELECT) elog(ERROR, "pz: reading the loop's counters failed");
    if (SPI_processed == 1)
      loop->rewards_counted_through =
          DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
  }
  // Pruning keeps models_kept versions: fewer than one would delete the new one.
  if (loop->models_kept < 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("setting \"models_kept\" of loop \"%s\" must be at least 1", name),
                    errhint("Set it with pz_configure_loop().")));
  if (loop->model_version > 0) loop->weights = read_model_weights(loop->loop_id, loop->model_version, name, caller);
}

// What a run learns: the due events (a training step), or the kept joined
// log from the untrained model (a retraining).
struct Source {
  bool retraining;
  TimestampTz since;  // retraining: the earliest created_at learned
};

// $5 of the due events' query is rewards_counted_through, $6 of the kept
// events' query is since.
Portal open_due_events(const char* query, const LoopForTraining* loop, TimestampTz now, int64 limit,
                       const Source& source) {
  Oid types[6] = {INT4OID, TEXTOID, TIMESTAMPTZOID, INT8OID, INT8OID, TIMESTAMPTZOID};
  Datum args[6] = {Int32GetDatum(loop->loop_id), CStringGetTextDatum(loop->reward_wait),
                   TimestampTzGetDatum(now), Int64GetDatum(limit), Int64GetDatum(loop->rewards_counted_through),
                   TimestampTzGetDatum(source.since)};
  Portal portal = SPI_cursor_open_with_args(nullptr, query, 6, types, args, nullptr, false, 0);
  if (portal == nullptr) elog(ERROR, "pz: opening the due events failed");
  return portal;
}

// The columns of a due event (see event_columns_read), deformed once:
// SPI_getbinval walks a tuple from its first column at every call for a
// column after a variable-width one.
struct DueRow {
  static constexpr int kColumns = 15;
  Datum values[kColumns];
  bool nulls[kColumns];

  void read(HeapTuple tuple, TupleDesc desc) {
    if (desc->natts != kColumns) elog(ERROR, "pz: the due events' query returned %d columns", desc->natts);
    heap_deform_tuple(tuple, desc, values, nulls);
  }
  // 1-based, as SPI numbers columns.
  bool null(int column) const { return nulls[column - 1]; }
  Datum value(int column) const { return values[column - 1]; }
};

// Columns 12 and 13 of a due event: its slots beyond the first (their
// numbers come with the candidates, read by read_candidates).
void read_slots(const DueRow& row, DueEvent* event) {
  if (row.null(12)) return;
  Datum probabilities = row.value(12);
  ArrayType* logged = DatumGetArrayTypePCopy(probabilities);
  Datum* values;
  bool* nulls;
  int count;
  deconstruct_array(logged, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &values, &nulls, &count);
  event->slotted = true;
  event->slots_logged = count - 1;
  if (event->slots_logged <= 0) return;
  event->slot_probabilities = static_cast<double*>(palloc(sizeof(double) * event->slots_logged));
  event->slot_rewards = static_cast<double*>(palloc0(sizeof(double) * event->slots_logged));
  event->slot_has_reward = static_cast<bool*>(palloc0(sizeof(bool) * event->slots_logged));
  for (int i = 0; i < event->slots_logged; ++i)
    event->slot_probabilities[i] = nulls[i + 1] ? 0.0 : DatumGetFloat8(values[i + 1]);
  if (!row.null(13)) {
    deconstruct_array(DatumGetArrayTypePCopy(row.value(13)), FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
                      &values, &nulls, &count);
    for (int i = 0; i < count && i < event->slots_logged; ++i) {
      event->slot_has_reward[i] = !nulls[i];
      event->slot_rewards[i] = nulls[i] ? 0.0 : DatumGetFloat8(values[i]);
    }
  }
}

// Column 5 (pz.decisions.candidates), decoded here rather than by SQL array
// expressions: the candidates' count, rank 1's probability and action, and
// the actions of the slots. Column 3: the chosen action's number when the
// ranking is kept as ids (NULL when it is not among the candidates).
void read_candidates(const DueRow& row, DueEvent* event) {
  bytea* value = DatumGetByteaPP(row.value(5));
  const int slots = event->slots_logged > 0 ? event->slots_logged : 0;
  int64* numbers = static_cast<int64*>(palloc0(sizeof(int64) * (1 + slots)));
  TrainingCandidates read;
  const char* error = nullptr;
  if (!read_training_candidates(value, slots, &read, numbers, &error))
    ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED), errmsg("%s", error), errdetail("Event %s.", uuid_text(event->event_id).c_str())));
  event->candidates = read.count;
  event->probability = read.probability;  // 0 (quarantined) without ranks
  if (read.ranked) {
    event->has_chosen = read.ranks > 0;
    event->chosen_number = numbers[0];
  } else {
    event->has_chosen = !row.null(3);
    event->chosen_number = row.null(3) ? 0 : DatumGetInt64(row.value(3));
  }
  if (slots > 0) {
    event->slot_numbers = static_cast<int64*>(palloc0(sizeof(int64) * slots));
    event->slot_has_number = static_cast<bool*>(palloc0(sizeof(bool) * slots));
    for (int i = 0; i < slots; ++i) {
      event->slot_has_number[i] = read.ranked && i + 1 < read.ranks;
      event->slot_numbers[i] = event->slot_has_number[i] ? numbers[i + 1] : 0;
    }
  }
}

// Column 15 (with an objective): each further slot's rewards per signal.
void read_slot_signal_rewards(const DueRow& row, DueEvent* event) {
  if (row.null(15) || event->slots_logged <= 0) return;
  event->slot_signal_rewards = text_array_strings(row.value(15), event->slots_logged);
}

// Fetches the next batch into `batch_context` (reset by the caller between batches).
void fetch_due_events(Portal portal, MemoryContext batch_context, EventBatch* batch) {
  SPI_cursor_fetch(portal, true, kFetchBatch);
  MemoryContext spi = MemoryContextSwitchTo(batch_context);
  int count = static_cast<int>(SPI_processed);
  batch->count = count;
  batch->events = static_cast<DueEvent*>(palloc0(sizeof(DueEvent) * (count > 0 ? count : 1)));
  TupleDesc desc = SPI_tuptable->tupdesc;
  DueRow row;
  for (int i = 0; i < count; ++i) {
    row.read(SPI_tuptable->vals[i], desc);
    DueEvent* event = &batch->events[i];
    event->tid = *reinterpret_cast<ItemPointer>(DatumGetPointer(row.value(1)));
    read_jsonb_tokens(DatumGetJsonbPCopy(row.value(2)), &event->context);
    event->chosen_action = TextDatumGetCString(row.value(4));
    event->active = DatumGetBool(row.value(6));
    event->has_reward = !row.null(7);
    event->reward = row.null(7) ? 0.0 : DatumGetFloat8(row.value(7));
    event->rewards = DatumGetInt64(row.value(8));
    event->counted_rewards = DatumGetInt64(row.value(9));
    event->event_id = *DatumGetUUIDP(row.value(10));
    event->created_at = DatumGetTimestampTz(row.value(11));
    read_slots(row, event);
    read_candidates(row, event);
    event->signal_rewards = row.null(14) ? nullptr : TextDatumGetCString(row.value(14));
    read_slot_signal_rewards(row, event);
  }
  MemoryContextSwitchTo(spi);
  SPI_freetuptable(SPI_tuptable);
}

// Rank 1's reward of each event of a batch (the loop's reward_aggregation of
// its slot-1 rewards received by the step's start), with the counts of its
// rewards and of those pz.loop_counters has counted: one query a batch. A
// lookup an event (an aggregate rescanned and an index descended for each,
// rewarded or not) took a third of the step. Ids made by pz_rank begin with
// their time, so a batch in event order has its ids, and its rewards, in a
// narrow range of the rewards' index, read in one pass. Ids that do not
// (imported, or given by the application) can put many rewards of other
// events in that range: past kRangeRowsPerEvent rows an event, the batch's
// rewards are found id by id instead, and so are the next kBatchesById
// batches' (such ids tend to come in runs: a range read to its bound for
// every batch of a million random ids doubled the step). Rewards of events
// outside the batch that the range holds are read and left.
struct RewardPlans {
  SPIPlanPtr range = nullptr;  // $1, $2: the batch's least and greatest id; $5: the rows read at most
  SPIPlanPtr ids = nullptr;    // $1: the batch's ids
  int by_id = 0;               // batches still to read by id before the range is tried again
};

constexpr int64 kRangeRowsPerEvent = 4;
constexpr int kBatchesById = 15;

// $3: the step's start, $4: rewards_counted_through. Columns: the event, its
// reward (NULL: none for slot 1), its rewards, the counted ones, the rows read.
std::string batch_rewards_query(std::string_view aggregation, const std::string& rows) {
  return "SELECT r.event_id, " + reward_expression(aggregation, "coalesce(r.slot, 1) = 1 AND r.received_at <= $3") +
         ", count(*) FILTER (WHERE r.received_at <= $3), "
         "  count(*) FILTER (WHERE r.received_at <= $3 AND r.reward_id <= $4), count(*) "
         "FROM (" + rows + ") r GROUP BY r.event_id";
}

SPIPlanPtr prepare_rewards_plan(std::string_view aggregation, const std::string& rows, Oid first_type) {
  Oid types[5] = {first_type, UUIDOID, TIMESTAMPTZOID, INT8OID, INT8OID};
  SPIPlanPtr plan = SPI_prepare(batch_rewards_query(aggregation, rows).c_str(), 5, types);
  if (plan == nullptr) elog(ERROR, "pz: preparing the read of rewards failed");
  return plan;
}

struct UuidHash {
  size_t operator()(const pg_uuid_t& id) const { return static_cast<size_t>(event_id_hash(id.data)); }
};
struct UuidEqual {
  bool operator()(const pg_uuid_t& a, const pg_uuid_t& b) const { return memcmp(a.data, b.data, UUID_LEN) == 0; }
};

// Runs one of the plans; false if the range held more rows than it reads.
bool run_rewards_plan(SPIPlanPtr plan, Datum* args, int64 rows_read_at_most, EventBatch* batch) {
  // Not read-only: a snapshot no older than the due events' cursor's, so
  // that it sees every reward the lookup an event saw.
  if (SPI_execute_plan(plan, args, nullptr, false, 0) != SPI_OK_SELECT) elog(ERROR, "pz: reading rewards failed");
  TupleDesc desc = SPI_tuptable->tupdesc;
  bool is_null;
  int64 rows = 0;
  for (uint64 i = 0; i < SPI_processed; ++i)
    rows += DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], desc, 5, &is_null));
  if (rows >= rows_read_at_most) {
    SPI_freetuptable(SPI_tuptable);
    return false;
  }
  std::unordered_map<pg_uuid_t, DueEvent*, UuidHash, UuidEqual> by_id;
  by_id.reserve(static_cast<size_t>(batch->count));
  for (int i = 0; i < batch->count; ++i) by_id.emplace(batch->events[i].event_id, &batch->events[i]);
  for (uint64 i = 0; i < SPI_processed; ++i) {
    HeapTuple tuple = SPI_tuptable->vals[i];
    auto found = by_id.find(*DatumGetUUIDP(SPI_getbinval(tuple, desc, 1, &is_null)));
    if (found == by_id.end()) continue;  // in the range, not in the batch
    DueEvent* event = found->second;
    Datum reward = SPI_getbinval(tuple, desc, 2, &is_null);
    event->has_reward = !is_null;
    event->reward = is_null ? 0.0 : DatumGetFloat8(reward);
    event->rewards = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &is_null));
    event->counted_rewards = DatumGetInt64(SPI_getbinval(tuple, desc, 4, &is_null));
  }
  SPI_freetuptable(SPI_tuptable);
  return true;
}

void read_batch_rewards(RewardPlans* plans, std::string_view aggregation, EventBatch* batch, TimestampTz now,
                        int64 counted_through) {
  if (batch->count == 0) return;
  if (plans->range == nullptr) {
    const std::string columns = "SELECT r.event_id, r.value, r.received_at, r.reward_id, r.slot FROM pz.rewards r ";
    plans->range = prepare_rewards_plan(
        aggregation, columns + "WHERE r.event_id BETWEEN $1 AND $2 ORDER BY r.event_id LIMIT $5", UUIDOID);
    plans->ids = prepare_rewards_plan(aggregation, columns + "WHERE r.event_id = ANY ($1) AND r.received_at <= $3",
                                      UUIDARRAYOID);
  }
  const pg_uuid_t* least = &batch->events[0].event_id;
  const pg_uuid_t* greatest = least;
  for (int i = 1; i < batch->count; ++i) {
    const pg_uuid_t* id = &batch->events[i].event_id;
    if (memcmp(id->data, least->data, UUID_LEN) < 0) least = id;
    if (memcmp(id->data, greatest->data, UUID_LEN) > 0) greatest = id;
  }
  const int64 range_rows = kRangeRowsPerEvent * batch->count + 64;
  Datum args[5] = {UUIDPGetDatum(least), UUIDPGetDatum(greatest), TimestampTzGetDatum(now),
                   Int64GetDatum(counted_through), Int64GetDatum(range_rows)};
  if (plans->by_id > 0) {
    --plans->by_id;
  } else {
    if (run_rewards_plan(plans->range, args, range_rows, batch)) return;
    plans->by_id = kBatchesById;
  }
  Datum* ids = static_cast<Datum*>(palloc(sizeof(Datum) * batch->count));
  for (int i = 0; i < batch->count; ++i) ids[i] = UUIDPGetDatum(&batch->events[i].event_id);
  args[0] = PointerGetDatum(construct_array(ids, batch->count, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
  (void)run_rewards_plan(plans->ids, args, std::numeric_limits<int64>::max(), batch);
}

// Events whose outcomes have the same values (label, reward, slot rewards):
// one statement marks each such group joined. In a typical batch nearly every
// event is in one of a few groups (defaulted, or rewarded 1), and a group's
// addresses are read in one TID scan instead of one rescan an event (each of
// which asks the kernel for the table's size).
struct OutcomeGroups {
  std::vector<std::vector<int>> same;  // indexes into the batch's outcomes
  std::vector<int> mixed;              // the events of groups too small to be worth a statement
};

constexpr size_t kSameValuesMin = 16;

OutcomeGroups group_outcomes(const std::vector<Outcome>& outcomes) {
  // The key is the values' exact bits: events are grouped only if marking
  // them together writes what marking each alone would.
  // Groups in the order of their first event: rows are locked in event order, as before.
  std::vector<std::vector<int>> by_values;
  std::unordered_map<std::string, size_t> group_of;
  std::string key;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& outcome = outcomes[i];
    key.assign(outcome.label);
    key.push_back('\0');
    if (outcome.learned) key.append(reinterpret_cast<const char*>(&outcome.reward), sizeof(double));
    for (double reward : outcome.slot_rewards) key.append(reinterpret_cast<const char*>(&reward), sizeof(double));
    auto [entry, added] = group_of.try_emplace(key, by_values.size());
    if (added) by_values.emplace_back();
    by_values[entry->second].push_back(static_cast<int>(i));
  }
  OutcomeGroups groups;
  for (std::vector<int>& members : by_values) {
    if (members.size() >= kSameValuesMin) groups.same.push_back(std::move(members));
    else groups.mixed.insert(groups.mixed.end(), members.begin(), members.end());
  }
  return groups;
}

// Rows a batch marked joined, by outcome.
struct WrittenOutcomes {
  uint64 learned;
  uint64 skipped;
  uint64 quarantined;
};

void count_written(const char* label, uint64 rows, WrittenOutcomes* written) {
  if (strcmp(label, "skipped") == 0) written->skipped += rows;
  else if (strcmp(label, "quarantined") == 0) written->quarantined += rows;
  else written->learned += rows;
}

// The step's two statements marking events joined, prepared once a step.
struct JoinPlans {
  SPIPlanPtr same = nullptr;
  SPIPlanPtr mixed = nullptr;
};

// Marks the events of one group joined (see write_outcomes).
void write_same_outcomes(JoinPlans* plans, const Outcome* outcomes, const std::vector<int>& members,
                         TimestampTz now, WrittenOutcomes* written) {
  if (plans->same == nullptr) {
    Oid types[5] = {TIDARRAYOID, TIMESTAMPTZOID, FLOAT8OID, TEXTOID, FLOAT8ARRAYOID};
    plans->same = SPI_prepare(
        "UPDATE pz.event_state SET joined_at = $2, reward = $3, outcome = $4, slot_rewards = $5 "
        " WHERE ctid = ANY ($1) AND joined_at IS NULL AND active = ($4 <> 'skipped')",
        5, types);
    if (plans->same == nullptr) elog(ERROR, "pz: preparing the join of events failed");
  }
  const int count = static_cast<int>(members.size());
  const Outcome& values = outcomes[members[0]];
  Datum* tids = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  for (int i = 0; i < count; ++i) tids[i] = PointerGetDatum(&outcomes[members[i]].tid);
  const int slots = static_cast<int>(values.slot_rewards.size());
  Datum* slot_rewards = static_cast<Datum*>(palloc(sizeof(Datum) * (slots > 0 ? slots : 1)));
  for (int i = 0; i < slots; ++i) slot_rewards[i] = Float8GetDatum(values.slot_rewards[i]);
  Datum args[5] = {
      PointerGetDatum(construct_array(tids, count, TIDOID, sizeof(ItemPointerData), false, TYPALIGN_SHORT)),
      TimestampTzGetDatum(now), Float8GetDatum(values.reward), CStringGetTextDatum(values.label),
      slots > 0 ? PointerGetDatum(construct_array(slot_rewards, slots, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
                                                  TYPALIGN_DOUBLE))
                : Datum(0)};
  const char nulls[5] = {' ', ' ', values.learned ? ' ' : 'n', ' ', slots > 0 ? ' ' : 'n'};
  if (SPI_execute_plan(plans->same, args, nulls, false, 0) != SPI_OK_UPDATE)
    elog(ERROR, "pz: marking events joined failed");
  count_written(values.label, SPI_processed, written);
}

// Marks events of different outcomes joined, each by the address of the
// version the cursor read (see write_outcomes).
void write_mixed_outcomes(JoinPlans* plans, const Outcome* outcomes, const std::vector<int>& members,
                          TimestampTz now, WrittenOutcomes* written) {
  if (plans->mixed == nullptr) {
    Oid types[5] = {TIDARRAYOID, FLOAT8ARRAYOID, TEXTARRAYOID, TIMESTAMPTZOID, TEXTARRAYOID};
    plans->mixed = SPI_prepare(
        "UPDATE pz.event_state AS e SET joined_at = $4, reward = u.reward, outcome = u.outcome, "
        "       slot_rewards = u.slot_rewards::float8[] "
        "  FROM unnest($1, $2, $3, $5) AS u(tid, reward, outcome, slot_rewards) "
        " WHERE e.ctid = u.tid AND e.joined_at IS NULL "
        "   AND e.active = (u.outcome <> 'skipped') "
        "RETURNING u.outcome",
        5, types);
    if (plans->mixed == nullptr) elog(ERROR, "pz: preparing the join of events failed");
  }
  const int count = static_cast<int>(members.size());
  Datum* tids = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  Datum* rewards = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  bool* reward_nulls = static_cast<bool*>(palloc(sizeof(bool) * count));
  Datum* labels = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  // Each event's slot rewards as a float8[] literal (the events' arrays differ in length).
  Datum* slot_rewards = static_cast<Datum*>(palloc(sizeof(Datum) * count));
  bool* slot_nulls = static_cast<bool*>(palloc(sizeof(bool) * count));
  for (int i = 0; i < count; ++i) {
    const Outcome& outcome = outcomes[members[i]];
    tids[i] = PointerGetDatum(&outcome.tid);
    rewards[i] = Float8GetDatum(outcome.reward);
    reward_nulls[i] = !outcome.learned;
    labels[i] = CStringGetTextDatum(outcome.label);
    slot_nulls[i] = outcome.slot_rewards.empty();
    if (!slot_nulls[i]) slot_rewards[i] = float8_array_literal(outcome.slot_rewards);
  }
  int dims[1] = {count};
  int lbs[1] = {1};
  Datum args[5] = {
      PointerGetDatum(construct_array(tids, count, TIDOID, sizeof(ItemPointerData), false, TYPALIGN_SHORT)),
      PointerGetDatum(construct_md_array(rewards, reward_nulls, 1, dims, lbs, FLOAT8OID, sizeof(float8),
                                         FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
      PointerGetDatum(construct_array(labels, count, TEXTOID, -1, false, TYPALIGN_INT)),
      TimestampTzGetDatum(now),
      PointerGetDatum(construct_md_array(slot_rewards, slot_nulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT))};
  if (SPI_execute_plan(plans->mixed, args, nullptr, false, 0) != SPI_OK_UPDATE_RETURNING)
    elog(ERROR, "pz: marking events joined failed");
  for (uint64 i = 0; i < SPI_processed; ++i) {
    char* label = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
    count_written(label, 1, written);
  }
  SPI_freetuptable(SPI_tuptable);
}

// Marks a batch joined, each event by the address of the version the cursor
// read (a lookup by key would cost a descent of the primary key per event). A
// skipped event activated meanwhile is a new version and stays pending.
// Turns planner settings off until the enclosing GUC nest level ends (the
// step's, or a statement's own).
void turn_off(std::initializer_list<const char*> settings) {
  for (const char* setting : settings)
    (void)set_config_option(setting, "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

WrittenOutcomes write_outcomes(JoinPlans* plans, const Outcome* outcomes, const OutcomeGroups& groups,
                               TimestampTz now) {
  // By address only (a TID scan). With the pending index usable, a planner
  // whose statistics predate a bulk load (the index "holds one row") walked
  // the whole backlog for every event of the batch: a step of 1,000 events
  // against 80,000 pending ran for minutes.
  const int guc_level = NewGUCNestLevel();
  turn_off({"enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan"});
  WrittenOutcomes written{0, 0, 0};
  for (const std::vector<int>& members : groups.same) write_same_outcomes(plans, outcomes, members, now, &written);
  if (!groups.mixed.empty()) write_mixed_outcomes(plans, outcomes, groups.mixed, now, &written);
  AtEOXact_GUC(true, guc_level);
  return written;
}

// The columns a step reads of each event: its candidates as stored (decoded
// by read_candidates) and, for a ranking kept as ids, the chosen action's
// number found by its id among them (NULL when it is not among the
// candidates: quarantined). With slots, their logged probabilities and
// `slot_rewards`. With an objective, also each event's rewards per signal (see
// reward_query.hpp).
std::string event_columns_read(const char* active, const char* rewards, const std::string& slot_rewards,
                               const std::string& signal_rewards, const std::string& slot_signal_rewards) {
  return std::string("SELECT s.ctid, d.context, ") +
         "       CASE WHEN d.ranking_ids IS NOT NULL THEN "
         "            (SELECT a.action_number FROM pz.actions a WHERE a.loop_id = d.loop_id "
         "                AND a.action_id = d.chosen_action "
         "                AND a.action_number = ANY (pz.candidate_numbers(d.candidates)) LIMIT 1) END, "
         "       d.chosen_action, d.candidates, " + active + ", " + rewards +
         ", d.event_id, d.created_at, d.slot_probabilities, " + slot_rewards + ", " + signal_rewards + ", " + slot_signal_rewards +
         "  FROM pz.event_state s JOIN pz.decisions d ON d.event_id = s.event_id ";
}

// The due events in event order, read straight from the pending index
// (loop_id, created_at, event_id): see plan_like_a_queue(). A reward received
// after the step began is late, as pz.loop_status counts it, even if its
// transaction committed in time for this query. $5: rewards_counted_through.
std::string due_events_query(std::string_view aggregation, bool by_signal) {
  // Under CASE, so that an event without slots costs nothing here.
  const std::string slot_rewards =
      "CASE WHEN cardinality(d.slot_probabilities) > 1 THEN "
      "(SELECT array_agg((SELECT " + reward_expression(aggregation, "r.slot = j.slot") +
      "                   FROM pz.rewards r WHERE r.event_id = s.event_id AND r.received_at <= $3) ORDER BY j.slot) "
      "   FROM generate_series(2, cardinality(d.slot_probabilities)) AS j(slot)) END ";
  // Rank 1's reward and the counts come from batch_rewards_query, a batch at a time.
  return event_columns_read("s.active", "NULL::float8, 0::int8, 0::int8", slot_rewards,
                            by_signal ? signal_rewards_subquery(aggregation, "s.event_id", "$3")
                                      : std::string("NULL::text"),
                            by_signal ? slot_signal_rewards_array(aggregation, "s.event_id", "$3",
                                                                  "d.slot_probabilities", 2)
                                      : std::string("NULL::text[]")) +
         " WHERE s.loop_id = $1 AND s.joined_at IS NULL "
         "   AND s.created_at <= $3 - $2::interval "
         "   AND coalesce(s.activated_at, s.created_at) <= $3 - $2::interval "
         " ORDER BY s.created_at, s.event_id "
         " LIMIT $4";
}

// The kept events a retraining learns ($6: since), in event order, each with
// the reward it was joined with (has_reward is true for every one).
std::string kept_events_query() {
  return event_columns_read("true", "s.reward, 0::int8, 0::int8", "s.slot_rewards[2:] ", "NULL::text",
                            "NULL::text[]") +
         " WHERE s.loop_id = $1 AND s.outcome IN ('rewarded', 'defaulted') AND s.created_at >= $6 "
         " ORDER BY s.created_at, s.event_id "
         " LIMIT $4";
}

// A step's statements are fixed, and so are their best plans: walk the pending
// index in event order, find rewards and events by key. Costing a backlog, the
// planner would rather scan the whole table and sort the wide rows on disk (3
// times slower), and compile them with JIT. Settings of this step only.
void plan_like_a_queue() {
  // Nested loops from the pending index whatever the statistics say: right
  // after a bulk load (no ANALYZE yet) a hash or merge join of the log's
  // tables was chosen and a step ran for minutes.
  turn_off({"jit", "enable_seqscan", "enable_sort", "enable_memoize", "enable_hashjoin", "enable_mergejoin"});
  // A worker joining the two tables would send every row, context included,
  // through a Gather Merge: 20 times slower than one process reading them.
  (void)set_config_option("max_parallel_workers_per_gather", "0", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
                          0, false);
}

// The chosen actions of a step, each featurized once however many events
// chose it (most steps see a few hundred distinct actions for many events).
struct FeaturizedAction {
  std::string id;
  std::string error;  // not empty: the document cannot be learned
  FeatureSet features;
};
using ActionFeatures = std::unordered_map<int64, FeaturizedAction>;

// PostgreSQL side: the document of an action, as a one-element array (the
// form featurizing takes); false if it is missing.
bool read_action_document(int32 loop_id, int64 number, JsonTokens* tokens) {
  Oid types[2] = {INT4OID, INT8OID};
  Datum args[2] = {Int32GetDatum(loop_id), Int64GetDatum(number)};
  if (SPI_execute_with_args("SELECT jsonb_build_array(action) FROM pz.actions WHERE loop_id = $1 AND action_number = $2",
                            2, types, args, nullptr, true, 1) != SPI_OK_SELECT)
    elog(ERROR, "pz: reading an action document failed");
  bool found = SPI_processed == 1;
  if (found) {
    bool is_null;
    read_jsonb_tokens(DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null)),
                      tokens);
  }
  SPI_freetuptable(SPI_tuptable);
  return found;
}

const FeaturizedAction& chosen_features(ActionFeatures& cache, int32 loop_id, int64 number) {
  auto [entry, added] = cache.try_emplace(number);
  FeaturizedAction& action = entry->second;
  if (!added) return action;
  JsonTokens tokens;
  bool found = false;
  pg_call([&] { found = read_action_document(loop_id, number, &tokens); });
  if (!found) {
    action.error = "the chosen action of a logged event is not among its actions";
    return action;
  }
  try {
    std::vector<Candidate> document = parse_candidates(tokens, RankOptions{});
    action.id = document[0].id;
    featurize_action(tokens, document[0], action.features);
  } catch (const pz::InputError& error) {
    action.error = error.what();
  }
  return action;
}

// Learns one event; returns its outcome. Throws InputError or SqlError for an
// event that cannot be learned, before the model has changed.
Outcome learn_event(Model& model, const DueEvent& event, double default_reward, FeatureSet& context,
                    ActionFeatures& actions, int32 loop_id) {
  Outcome outcome{event.tid, event.active, 0.0, "skipped"};
  if (!event.active) return outcome;
  // NaN fails this test too; a weight of 1/0 would wreck the model for good.
  if (!(event.probability > 0.0 && event.probability <= 1.0))
    throw SqlError(ERRCODE_DATA_CORRUPTED, "the logged probability of the chosen action is not in (0, 1]");
  outcome.reward = event.has_reward ? event.reward : default_reward;
  outcome.label = event.has_reward ? "rewarded" : "defaulted";
  if (!event.has_chosen)
    throw SqlError(ERRCODE_DATA_CORRUPTED, "the chosen action of a logged event is not among its actions");
  const FeaturizedAction& chosen = chosen_features(actions, loop_id, event.chosen_number);
  if (!chosen.error.empty()) throw pz::InputError(chosen.error);
  if (chosen.id != event.chosen_action)
    throw SqlError(ERRCODE_DATA_CORRUPTED, "the chosen action of a logged event is not among its actions");
  context.clear();
  featurize_context(event.context, context);
  std::vector<const FeaturizedAction*> slots;
  if (event.slots_logged > 0) {
    // Checked before the model changes: an event is learned whole or not at all.
    for (int i = 0; i < event.slots_logged; ++i) {
      if (!event.slot_has_number[i])
        throw SqlError(ERRCODE_DATA_CORRUPTED, "an action shown in a slot of a logged event is not among its actions");
      if (!(event.slot_probabilities[i] > 0.0 && event.slot_probabilities[i] <= 1.0))
        throw SqlError(ERRCODE_DATA_CORRUPTED, "the logged probability of a slot is not in (0, 1]");
      const FeaturizedAction& shown = chosen_features(actions, loop_id, event.slot_numbers[i]);
      if (!shown.error.empty()) throw pz::InputError(shown.error);
      slots.push_back(&shown);
    }
  }
  model.learn(context, chosen.features, outcome.reward, event.probability, static_cast<size_t>(event.candidates));
  if (event.slotted) outcome.slot_rewards.push_back(outcome.reward);
  // Each further slot is an example of its own: the action shown there, drawn
  // from the candidates not placed before it, with the slot as a feature.
  for (int i = 0; i < event.slots_logged; ++i) {
    const double reward = event.slot_has_reward[i] ? event.slot_rewards[i] : default_reward;
    context.clear();
    featurize_context(event.context, context);
    add_slot(context, static_cast<size_t>(i) + 2);
    model.learn(context, slots[static_cast<size_t>(i)]->features, reward, event.slot_probabilities[i],
                static_cast<size_t>(event.candidates) - static_cast<size_t>(i) - 1);
    outcome.slot_rewards.push_back(reward);
  }
  return outcome;
}

// Under an objective, an event's reward is its objective's weighted sum of
// its signals' rewards; with none of them it is defaulted like an event
// without rewards. So is each further slot's, from that slot's signals.
void weigh_signals(const Objective& objective, DueEvent& event) {
  std::optional<double> reward =
      objective_reward(objective, event.signal_rewards != nullptr ? event.signal_rewards : "");
  event.has_reward = reward.has_value();
  event.reward = reward.value_or(0.0);
  for (int i = 0; i < event.slots_logged; ++i) {
    const char* signals = event.slot_signal_rewards != nullptr ? event.slot_signal_rewards[i] : nullptr;
    std::optional<double> slot_reward = objective_reward(objective, signals != nullptr ? signals : "");
    event.slot_has_reward[i] = slot_reward.has_value();
    event.slot_rewards[i] = slot_reward.value_or(0.0);
  }
}

void warn_quarantined(const char* loop, const char* event_id, const char* reason) {
  ereport(WARNING, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("pz: event %s of loop \"%s\" cannot be learned and is quarantined", event_id, loop),
                    errdetail("%s", reason),
                    errhint("Its outcome is 'quarantined' in pz.events; the loop learns the other events.")));
}

// learn_event(), except that an event that cannot be learned is quarantined
// (and the server log says why) instead of failing the step: retried, it
// would fail every step of its loop forever.
Outcome learn_or_quarantine(Model& model, const DueEvent& event, double default_reward, FeatureSet& context,
                            ActionFeatures& actions, int32 loop_id, const std::string& loop) {
  std::string reason;
  try {
    return learn_event(model, event, default_reward, context, actions, loop_id);
  } catch (const pz::InputError& error) {
    reason = error.what();
  } catch (const SqlError& error) {
    reason = error.what();
  }
  pg_call([&] { warn_quarantined(loop.c_str(), uuid_text(event.event_id).c_str(), reason.c_str()); });
  return Outcome{event.tid, false, 0.0, "quarantined"};
}

// Learned events and their rewards per minute of their creation, for the
// averages of pz.loop_status (the last day only).
struct MinuteSums {
  std::map<TimestampTz, std::pair<int64, double>> by_minute;

  void add(TimestampTz created_at, double reward, TimestampTz now) {
    if (created_at < now - USECS_PER_DAY) return;
    constexpr TimestampTz kMinute = 60 * USECS_PER_SEC;
    TimestampTz minute = created_at - ((created_at % kMinute) + kMinute) % kMinute;
    auto& sums = by_minute[minute];
    sums.first += 1;
    sums.second += reward;
  }
};

// Adds the step's counts to pz.loop_counters and pz.loop_reward_minutes (see
// pz.record_training_step).
void record_step(const LoopForTraining* loop, const TrainCounts* counts, int64 late_at_join,
                 const MinuteSums* sums) {
  int n = static_cast<int>(sums->by_minute.size());
  Datum* minutes = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
  Datum* events = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
  Datum* rewards = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
  int i = 0;
  for (const auto& [minute, sum] : sums->by_minute) {
    minutes[i] = TimestampTzGetDatum(minute);
    events[i] = Int64GetDatum(sum.first);
    rewards[i] = Float8GetDatum(sum.second);
    ++i;
  }
  Oid types[9] = {INT4OID, INT8OID, INT8OID, INT8OID, INT8OID, INT8OID,
                  TIMESTAMPTZARRAYOID, INT8ARRAYOID, FLOAT8ARRAYOID};
  Datum args[9] = {Int32GetDatum(loop->loop_id),       Int64GetDatum(counts->rewarded),
                   Int64GetDatum(counts->defaulted),   Int64GetDatum(counts->skipped),
                   Int64GetDatum(counts->quarantined), Int64GetDatum(late_at_join),
                   PointerGetDatum(construct_array(minutes, n, TIMESTAMPTZOID, sizeof(TimestampTz),
                                                   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
                   PointerGetDatum(construct_array(events, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
                                                   TYPALIGN_DOUBLE)),
                   PointerGetDatum(construct_array(rewards, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
                                                   TYPALIGN_DOUBLE))};
  if (SPI_execute_with_args("SELECT pz.record_training_step($1, $2, $3, $4, $5, $6, $7, $8, $9)", 9, types,
                            args, nullptr, false, 0) != SPI_OK_SELECT)
    elog(ERROR, "pz: counting the training step failed");
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
    // A first block that holds a whole batch and is kept when the context is
    // reset: with the default 8 kB one, every batch malloc'ed its memory anew
    // and faulted its pages in again.
    batch_context = AllocSetContextCreate(CurrentMemoryContext, "pz trainer batch", 0, kBatchMemory,
                                          ALLOCSET_DEFAULT_MAXSIZE);
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
  check_model_memory(settings.space.bits, loop_name.c_str());
  std::unique_ptr<Model> model;
  if (loop.weights != nullptr && !source.retraining) {
    std::string_view blob(VARDATA_ANY(loop.weights), VARSIZE_ANY_EXHDR(loop.weights));
    model = std::make_unique<Model>(deserialize_model(blob, settings.space, settings.learner));
  } else {
    model = std::make_unique<Model>(settings.space, settings.learner);
  }

  const std::optional<Objective>& objective = settings.rewards.objective;
  std::string query = source.retraining ? kept_events_query()
                                        : due_events_query(loop.aggregation, objective.has_value());
  Portal portal = nullptr;
  pg_call([&] { portal = open_due_events(query.c_str(), &loop, now, max_events, source); });
  FeatureSet context;
  ActionFeatures actions;
  std::vector<Outcome> outcomes;
  JoinPlans join_plans;
  RewardPlans reward_plans;
  int64_t fetched = 0;
  int64 late_at_join = 0;
  MinuteSums minute_sums;
  for (;;) {
    EventBatch batch;
    pg_call([&] {
      MemoryContextReset(batch_context);
      fetch_due_events(portal, batch_context, &batch);
    });
    if (batch.count == 0) break;
    if (!source.retraining)
      pg_call([&] { read_batch_rewards(&reward_plans, loop.aggregation, &batch, now, loop.rewards_counted_through); });
    fetched += batch.count;
    outcomes.clear();
    uint64 learned = 0;
    uint64 quarantined = 0;
    for (int i = 0; i < batch.count; ++i) {
      DueEvent& event = batch.events[i];
      if (objective && !source.retraining) weigh_signals(*objective, event);
      Outcome outcome =
          learn_or_quarantine(*model, event, loop.default_reward, context, actions, loop.loop_id, loop_name);
      outcomes.push_back(outcome);
      if (!outcome.learned) {
        // Not learned: its rewards are late ones.
        counts.late_rewards += event.rewards;
        late_at_join += event.counted_rewards;
        if (event.active) ++quarantined;
        continue;
      }
      ++learned;
      if (event.has_reward) ++counts.rewarded;
      else ++counts.defaulted;
      minute_sums.add(event.created_at, outcome.reward, now);
    }
    if (source.retraining) continue;  // the events stay as they are
    WrittenOutcomes written{0, 0, 0};
    OutcomeGroups groups = group_outcomes(outcomes);
    pg_call([&] { written = write_outcomes(&join_plans, outcomes.data(), groups, now); });
    // Exactly once: an event the model learned but could not mark joined would
    // be learned again by the next step. Undo this whole step instead.
    if (written.learned != learned || written.quarantined != quarantined)
      throw SqlError(ERRCODE_T_R_SERIALIZATION_FAILURE,
                     "events of loop \"" + loop_name + "\" changed while they were being learned",
                     "The training step was undone; the next one learns them.");
    counts.skipped += static_cast<int64_t>(written.skipped);  // the others were activated meanwhile
    counts.quarantined += static_cast<int64_t>(written.quarantined);
  }
  counts.learned = counts.rewarded + counts.defaulted;
  counts.joined = counts.learned + counts.skipped + counts.quarantined;
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
      store_model_version(loop.loop_id, loop.models_kept, counts.model_version, counts.examples, blob,
                          metrics.c_str());
    });
    bump_loops_generation_at_commit();
  } else {
    pg_call([&] { SPI_cursor_close(portal); });
  }
  // A retraining joins nothing: the counters already hold its events.
  if (loop.counted && !source.retraining)
    pg_call([&] { record_step(&loop, &counts, late_at_join, &minute_sums); });
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
                         {"quarantined", counts.quarantined},
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
