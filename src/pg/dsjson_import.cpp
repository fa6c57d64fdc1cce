// pz_import_dsjson(loop, dsjson): Decision Service JSON lines into a loop's
// log as joined events, with their rewards, learned by the loop's model (a
// warm start), all in the caller's transaction. C++ side: reading lines and
// learning; PostgreSQL side: the jsonb documents and the batched statements.

#include <algorithm>
#include <array>
#include <csignal>
#include <cstring>
#include <future>
#include <memory>
#include <system_error>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/dsjson.hpp"
#include "core/hashing.hpp"
#include "core/model_format.hpp"
#include "core/settings.hpp"
#include "pg/action_store.hpp"
#include "pg/array_text.hpp"
#include "pg/bulk_insert.hpp"
#include "pg/freed_memory.hpp"
#include "pg/guard.hpp"
#include "pg/logged_candidates.hpp"
#include "pg/model_store.hpp"
#include "pg/shared_state.hpp"

extern "C" {
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/typcache.h"
}

namespace pz::pg {
namespace {

constexpr size_t kBatchLines = 1000;
constexpr int kRowColumns = 12;  // pz.dsjson_event
// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01).
constexpr int64_t kPostgresEpochUs = 946684800LL * 1000000LL;

struct ImportLoop {
  int32 loop_id;
  int64 model_version;
  int64 max_version;
  char* settings_json;
  double default_reward;
  int32 models_kept;
  bytea* weights;  // NULL: untrained
};

struct ImportCounts {
  int64_t lines = 0;
  int64_t imported = 0;
  int64_t duplicates = 0;
  int64_t rewarded = 0;
  int64_t defaulted = 0;
  int64_t skipped = 0;
  int64_t rewards = 0;
  int64_t learned = 0;
  int64_t model_version = 0;
};

// One parsed line of the current batch.
struct PendingLine {
  int64_t line_number;
  DsjsonDecision decision;
  bool duplicate;  // identical to an event already stored: not inserted again
  std::vector<uint32_t> context_sizes;  // container_sizes() of the documents
  std::vector<uint32_t> actions_sizes;  // of `actions`: only made when needed (empty: not yet)
  Jsonb* context;
  Jsonb* actions;  // only built for a line whose id is logged already (see event_row)
  std::vector<int64_t> action_hashes;   // pz.action_hash of each of `actions`
  std::vector<int64_t> action_numbers;  // and its pz.actions.action_number
};

[[noreturn]] void bad_line(int64_t line, const std::string& field, const std::string& message) {
  throw SqlError(
      ERRCODE_INVALID_TEXT_REPRESENTATION,
      "invalid DSJSON on line " + std::to_string(line) + ", field \"" + field + "\": " + message,
      "Nothing was imported. Fix or remove that line and import the text again.");
}

// ---- PostgreSQL side (plain C calls: may ereport anywhere) ----

void read_loop(text* name, ImportLoop* loop, MemoryContext into) {
  Oid types[1] = {TEXTOID};
  Datum args[1] = {PointerGetDatum(name)};
  // pz.loop_row locks the loop (trainers of it wait) and raises 42704 for an unknown one.
  if (SPI_execute_with_args("SELECT l.loop_id, l.model_version, "
                            "       (SELECT coalesce(max(m.version), 0) FROM pz.models m WHERE "
                            "m.loop_id = l.loop_id), "
                            "       l.settings::text, (l.settings->>'default_reward')::float8, "
                            "(l.settings->>'models_kept')::int4 "
                            "  FROM pz.loop_row($1, true) l",
                            1, types, args, nullptr, false, 1) != SPI_OK_SELECT ||
      SPI_processed != 1)
    elog(ERROR, "pz: reading the loop failed");
  HeapTuple tuple = SPI_tuptable->vals[0];
  TupleDesc desc = SPI_tuptable->tupdesc;
  bool is_null;
  MemoryContext spi = MemoryContextSwitchTo(into);
  loop->loop_id = DatumGetInt32(SPI_getbinval(tuple, desc, 1, &is_null));
  loop->model_version = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &is_null));
  loop->max_version = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &is_null));
  loop->settings_json = SPI_getvalue(tuple, desc, 4);
  Datum reward = SPI_getbinval(tuple, desc, 5, &is_null);
  loop->default_reward = is_null ? 0.0 : DatumGetFloat8(reward);
  Datum kept = SPI_getbinval(tuple, desc, 6, &is_null);
  loop->models_kept = is_null ? 10 : DatumGetInt32(kept);
  MemoryContextSwitchTo(spi);
  loop->weights = loop->model_version > 0 ? read_model_weights(loop->loop_id, loop->model_version,
                                                               text_to_cstring(name), into)
                                          : nullptr;
}

// A scalar token as a jsonb value (strings point into the token list).
void scalar_value(const TokenList& list, const ValueToken& token, JsonbValue* value) {
  switch (token.type) {
    case TokenType::kString:
    case TokenType::kKey: {
      std::string_view text = list.text(token);
      value->type = jbvString;
      value->val.string.val = const_cast<char*>(text.data());
      value->val.string.len = static_cast<int>(text.size());
      break;
    }
    case TokenType::kNumber: {
      std::string_view text = list.text(token);
      value->type = jbvNumeric;
      // Integers of up to 15 digits are exact doubles: no need to read the text again.
      if (text.size() <= 15 && text.find_first_of(".eE") == std::string_view::npos) {
        value->val.numeric = int64_to_numeric(static_cast<int64>(token.number));
      } else {
        char* digits = pnstrdup(text.data(), text.size());
        value->val.numeric = DatumGetNumeric(DirectFunctionCall3(
            numeric_in, CStringGetDatum(digits), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
      }
      break;
    }
    case TokenType::kBool:
      value->type = jbvBool;
      value->val.boolean = token.boolean;
      break;
    default:
      value->type = jbvNull;
      break;
  }
}

constexpr int kMaxDepth = 255;

// Fills `out` with the value that starts at token `i`; returns the index just
// past it. `sizes` holds the member or element count of each container.
size_t build_value(const TokenList& list, const uint32_t* sizes, size_t i, JsonbValue* out,
                   int depth) {
  const ValueToken& token = list[i];
  if (token.type != TokenType::kBeginObject && token.type != TokenType::kBeginArray) {
    scalar_value(list, token, out);
    return i + 1;
  }
  if (depth >= kMaxDepth)
    ereport(ERROR, (errcode(ERRCODE_STATEMENT_TOO_COMPLEX), errmsg("JSON nested too deep")));
  uint32_t n = sizes[i];
  ++i;
  if (token.type == TokenType::kBeginObject) {
    JsonbPair* pairs = static_cast<JsonbPair*>(palloc(sizeof(JsonbPair) * (n > 0 ? n : 1)));
    for (uint32_t k = 0; k < n; ++k) {
      scalar_value(list, list[i], &pairs[k].key);
      pairs[k].order = k;
      i = build_value(list, sizes, i + 1, &pairs[k].value, depth + 1);
    }
    out->type = jbvObject;
    out->val.object.nPairs = static_cast<int>(n);
    out->val.object.pairs = pairs;
  } else {
    JsonbValue* elements = static_cast<JsonbValue*>(palloc(sizeof(JsonbValue) * (n > 0 ? n : 1)));
    for (uint32_t k = 0; k < n; ++k) i = build_value(list, sizes, i, &elements[k], depth + 1);
    out->type = jbvArray;
    out->val.array.nElems = static_cast<int>(n);
    out->val.array.elems = elements;
    out->val.array.rawScalar = false;
  }
  return i + 1;  // past the container's end token
}

// The jsonb of a token list whose objects have their keys in jsonb's order
// (order_like_jsonb), built as a value tree that jsonb stores as it is: no
// printing and parsing text again, no sorting of keys. `sizes`: see
// container_sizes().
Jsonb* jsonb_from_tokens(const TokenList& list, const std::vector<uint32_t>& sizes) {
  JsonbValue root;
  build_value(list, sizes.data(), 0, &root, 0);
  return JsonbValueToJsonb(&root);
}

// ---- C++ side (no PostgreSQL calls) ----

// Whether key `a` sorts before key `b` in jsonb's order (shorter first, then bytewise).
bool jsonb_key_before(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a.compare(b) < 0;
}

// The member or element count of each container of `list` (at its begin
// token). Throws std::logic_error if an object's keys are not in jsonb's
// order without repeats: jsonb would store such an object corrupt.
void container_sizes(const TokenList& list, std::vector<uint32_t>& sizes) {
  sizes.assign(list.size(), 0);
  struct Open {
    size_t begin;              // the container's begin token
    std::string_view last_key; // of an object, once it has a member
  };
  thread_local std::vector<Open> open;  // the enclosing containers
  open.clear();
  for (size_t i = 0; i < list.size(); ++i) {
    const ValueToken& token = list[i];
    switch (token.type) {
      case TokenType::kEndObject:
      case TokenType::kEndArray:
        open.pop_back();
        break;
      case TokenType::kKey: {
        std::string_view key = list.text(token);
        if (sizes[open.back().begin] > 0 && !jsonb_key_before(open.back().last_key, key))
          throw std::logic_error("pz: DSJSON document keys out of jsonb order");
        open.back().last_key = key;
        break;
      }
      default:
        if (!open.empty()) ++sizes[open.back().begin];
        if (token.type == TokenType::kBeginObject || token.type == TokenType::kBeginArray)
          open.push_back({i, {}});
        break;
    }
  }
}

// The tokens [begin, end) of `list` as bytes: two values with the same key
// are the same jsonb (build_value reads nothing else of a token).
void token_key(const TokenList& list, size_t begin, size_t end, std::string& key) {
  key.clear();
  for (size_t i = begin; i < end; ++i) {
    const ValueToken& token = list[i];
    key.push_back(static_cast<char>(token.type));
    if (token.type == TokenType::kBool) {
      key.push_back(token.boolean ? '1' : '0');
    } else if (token.type == TokenType::kKey || token.type == TokenType::kString ||
               token.type == TokenType::kNumber) {
      std::string_view text = list.text(token);
      uint32_t length = static_cast<uint32_t>(text.size());
      key.append(reinterpret_cast<const char*>(&length), sizeof length);
      key.append(text);
    }
  }
}

// Whether token_key(list, begin, end) is `key`, without making it.
bool token_key_equals(const TokenList& list, size_t begin, size_t end, std::string_view key) {
  size_t at = 0;
  for (size_t i = begin; i < end; ++i) {
    const ValueToken& token = list[i];
    if (at == key.size() || key[at++] != static_cast<char>(token.type)) return false;
    if (token.type == TokenType::kBool) {
      if (at == key.size() || key[at++] != (token.boolean ? '1' : '0')) return false;
    } else if (token.type == TokenType::kKey || token.type == TokenType::kString ||
               token.type == TokenType::kNumber) {
      std::string_view text = list.text(token);
      uint32_t length = static_cast<uint32_t>(text.size());
      if (key.size() - at < sizeof length + text.size() ||
          memcmp(key.data() + at, &length, sizeof length) != 0 ||
          memcmp(key.data() + at + sizeof length, text.data(), text.size()) != 0)
        return false;
      at += sizeof length + text.size();
    }
  }
  return at == key.size();
}

Datum text_datum(const std::string& value) {
  return PointerGetDatum(cstring_to_text_with_len(value.data(), static_cast<int>(value.size())));
}

const char* outcome_label(DsjsonOutcome outcome) {
  switch (outcome) {
    case DsjsonOutcome::kRewarded:
      return "rewarded";
    case DsjsonOutcome::kDefaulted:
      return "defaulted";
    default:
      return "skipped";
  }
}

// The line's candidates encoded as pz.decisions.candidates stores them (no
// scores: a DSJSON line has none).
bytea* encoded_candidates(const PendingLine& pending) {
  const DsjsonDecision& d = pending.decision;
  size_t n = d.ranking.size();
  int32* positions = static_cast<int32*>(palloc(sizeof(int32) * (n > 0 ? n : 1)));
  for (size_t i = 0; i < n; ++i) positions[i] = static_cast<int32>(d.ranking[i] + 1);
  const char* error = nullptr;
  bytea* candidates = encode_candidates(pending.action_numbers.data(), static_cast<int>(pending.action_numbers.size()),
                                        positions, static_cast<int>(n), d.probabilities.data(), nullptr, &error);
  if (candidates == nullptr)
    elog(ERROR, "pz: encoding the candidates of line %ld failed: %s", static_cast<long>(pending.line_number), error);
  return candidates;
}

Datum event_id_datum(const DsjsonDecision& d) {
  pg_uuid_t* uuid = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t)));
  memcpy(uuid->data, d.event_id.data(), UUID_LEN);
  return UUIDPGetDatum(uuid);
}

// When the event was made: its Timestamp, else the import's (now()).
TimestampTz created_at(const DsjsonDecision& d) {
  return d.has_timestamp ? d.timestamp_us - kPostgresEpochUs : GetCurrentTransactionStartTimestamp();
}

// A pz.dsjson_event row (see sql/update/60_dsjson.sql and 62_dsjson_import_hashes.sql)
// of a line whose id is logged already, to compare with the logged event.
Datum event_row(TupleDesc desc, PendingLine& pending, double default_reward) {
  const DsjsonDecision& d = pending.decision;
  Datum values[kRowColumns];
  bool nulls[kRowColumns] = {};
  size_t n = d.ranking.size();
  Datum* ids = static_cast<Datum*>(palloc(sizeof(Datum) * n));
  Datum* probabilities = static_cast<Datum*>(palloc(sizeof(Datum) * n));
  for (size_t i = 0; i < n; ++i) {
    ids[i] = text_datum(d.action_ids[d.ranking[i]]);
    probabilities[i] = Float8GetDatum(d.probabilities[i]);
  }
  values[0] = Int64GetDatum(pending.line_number);
  values[1] = event_id_datum(d);
  values[2] = TimestampTzGetDatum(d.timestamp_us - kPostgresEpochUs);
  nulls[2] = !d.has_timestamp;
  values[3] = JsonbPGetDatum(pending.context);
  values[4] = JsonbPGetDatum(pending.actions);
  values[5] =
      PointerGetDatum(construct_array(ids, static_cast<int>(n), TEXTOID, -1, false, TYPALIGN_INT));
  values[6] = PointerGetDatum(construct_array(probabilities, static_cast<int>(n), FLOAT8OID,
                                              sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
  values[7] = BoolGetDatum(d.outcome != DsjsonOutcome::kSkipped);
  values[8] = d.baseline ? text_datum(d.action_ids[*d.baseline]) : 0;
  nulls[8] = !d.baseline;
  values[9] = Float8GetDatum(d.reward ? *d.reward : default_reward);
  nulls[9] = d.outcome == DsjsonOutcome::kSkipped;
  values[10] = CStringGetTextDatum(outcome_label(d.outcome));
  values[11] = PointerGetDatum(encoded_candidates(pending));
  return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

// The batch statements, with generic plans.
struct ImportPlans {
  SPIPlanPtr insert_rewards;
};

SPIPlanPtr prepare_generic(const char* query, int nargs, Oid* types) {
  SPIPlanPtr plan = SPI_prepare_cursor(query, nargs, types, CURSOR_OPT_GENERIC_PLAN);
  if (plan == nullptr)
    elog(ERROR, "pz: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
  return plan;
}

ImportPlans kept_plans;
Oid kept_plans_type = InvalidOid;  // the row type the kept plans were made for

SPIPlanPtr keep(SPIPlanPtr plan) {
  SPI_keepplan(plan);
  return plan;
}

// Prepared once per backend, again if the extension (and its row type) was recreated.
void prepare_plans(Oid row_type, ImportPlans* plans) {
  if (kept_plans_type == row_type) {
    *plans = kept_plans;
    return;
  }
  if (kept_plans_type != InvalidOid) {
    SPI_freeplan(kept_plans.insert_rewards);
    kept_plans_type = InvalidOid;
  }
  Oid reward_types[4] = {UUIDARRAYOID, TIMESTAMPTZARRAYOID, FLOAT8ARRAYOID, INT4ARRAYOID};
  plans->insert_rewards =
      keep(prepare_generic("INSERT INTO pz.rewards (event_id, received_at, value, slot) SELECT * "
                           "FROM unnest($1, $2, $3, $4)",
                           4, reward_types));
  kept_plans = *plans;
  kept_plans_type = row_type;
}

// Marks the lines whose event id is logged already (left alone, compared
// with the logged event afterwards); returns how many. A batch's ids are
// distinct (Importer::add_line skips repeats). An id logged by another
// transaction between this look-up and the append fails the primary key
// (23505), where the INSERT's ON CONFLICT would have skipped it.
size_t mark_logged(std::vector<PendingLine>& batch, size_t size) {
  Oid decisions = DatumGetObjectId(DirectFunctionCall1(regclassin, CStringGetDatum("pz.decisions")));
  Datum* ids = static_cast<Datum*>(palloc(sizeof(Datum) * (size > 0 ? size : 1)));
  bool* present = static_cast<bool*>(palloc(sizeof(bool) * (size > 0 ? size : 1)));
  for (size_t i = 0; i < size; ++i) ids[i] = event_id_datum(batch[i].decision);
  primary_keys_present(decisions, ids, static_cast<int>(size), present);
  size_t logged = 0;
  for (size_t i = 0; i < size; ++i) {
    batch[i].duplicate = present[i];
    logged += present[i] ? 1 : 0;
  }
  return logged;
}

// The decision log's tables (see sql/update/90_lean_log.sql), appended in
// bulk (pg/bulk_insert.hpp): an INSERT ... SELECT FROM unnest(rows) took a
// third of an import's time in the executor, and a WAL record and a buffer
// lookup a row. Open for the whole call (their tuple slots made once).
// The rewards too when their per-event limit does not apply to the caller
// (see sql/update/61_reward_limit_when.sql): its trigger would do nothing;
// else (null) they are inserted by a statement, which fires it.
struct EventTables {
  BulkInsert* decisions;
  BulkInsert* states;
  BulkInsert* rewards;
};

bool reward_limit_applies() {
  if (SPI_execute("SELECT pz.reward_limit() IS NOT NULL", true, 1) != SPI_OK_SELECT || SPI_processed != 1)
    elog(ERROR, "pz: reading the reward limit failed");
  bool is_null;
  bool applies = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
  SPI_freetuptable(SPI_tuptable);
  return applies;
}

void open_event_tables(EventTables* tables) {
  static const char* const kDecisionColumns[] = {"event_id",      "loop_id",       "created_at",
                                                 "context",       "candidates",    "chosen_action",
                                                 "model_version", "baseline"};
  static const char* const kStateColumns[] = {"event_id",     "loop_id",   "created_at", "active",
                                              "activated_at", "joined_at", "reward",     "outcome"};
  Oid decisions = DatumGetObjectId(DirectFunctionCall1(regclassin, CStringGetDatum("pz.decisions")));
  Oid states = DatumGetObjectId(DirectFunctionCall1(regclassin, CStringGetDatum("pz.event_state")));
  tables->decisions = bulk_insert_begin(decisions, kDecisionColumns, lengthof(kDecisionColumns));
  tables->states = bulk_insert_begin(states, kStateColumns, lengthof(kStateColumns));
  tables->rewards = nullptr;
  if (!reward_limit_applies()) {
    static const char* const kRewardColumns[] = {"event_id", "received_at", "value", "slot"};
    Oid rewards = DatumGetObjectId(DirectFunctionCall1(regclassin, CStringGetDatum("pz.rewards")));
    tables->rewards =
        bulk_insert_begin_untriggered(rewards, kRewardColumns, lengthof(kRewardColumns), "rewards_per_event_limit");
  }
}

// Each new line's decision and its (joined) state; the columns left out are
// NULL, as the INSERT left them; the candidates' documents are stored before
// (Importer::store_new_documents). Appended before the batch's other
// statements (store_slots updates the decisions).
void insert_events(const EventTables& tables, const std::vector<PendingLine>& batch, size_t size, int32 loop_id,
                   double default_reward) {
  const TimestampTz now = GetCurrentTransactionStartTimestamp();
  BulkInsert* decision_rows = tables.decisions;
  Datum* values = bulk_insert_values(decision_rows);
  bool* nulls = bulk_insert_nulls(decision_rows);
  Datum* ids = static_cast<Datum*>(palloc(sizeof(Datum) * (size > 0 ? size : 1)));
  for (size_t i = 0; i < size; ++i) {
    const PendingLine& pending = batch[i];
    if (pending.duplicate) continue;
    const DsjsonDecision& d = pending.decision;
    ids[i] = event_id_datum(d);
    values[0] = ids[i];
    values[1] = Int32GetDatum(loop_id);
    values[2] = TimestampTzGetDatum(created_at(d));
    values[3] = JsonbPGetDatum(pending.context);
    values[4] = PointerGetDatum(encoded_candidates(pending));
    nulls[5] = d.ranking.empty();
    values[5] = nulls[5] ? Datum(0) : text_datum(d.action_ids[d.ranking[0]]);
    values[6] = Int64GetDatum(0);
    nulls[7] = !d.baseline;
    values[7] = d.baseline ? text_datum(d.action_ids[*d.baseline]) : Datum(0);
    bulk_insert_row(decision_rows);
  }
  BulkInsert* state_rows = tables.states;
  values = bulk_insert_values(state_rows);
  nulls = bulk_insert_nulls(state_rows);
  for (size_t i = 0; i < size; ++i) {
    const PendingLine& pending = batch[i];
    if (pending.duplicate) continue;
    const DsjsonDecision& d = pending.decision;
    const bool active = d.outcome != DsjsonOutcome::kSkipped;
    values[0] = ids[i];
    values[1] = Int32GetDatum(loop_id);
    values[2] = TimestampTzGetDatum(created_at(d));
    values[3] = BoolGetDatum(active);
    values[4] = values[2];
    nulls[4] = !active;
    values[5] = TimestampTzGetDatum(now);
    nulls[6] = !active;
    values[6] = Float8GetDatum(d.reward ? *d.reward : default_reward);
    values[7] = CStringGetTextDatum(outcome_label(d.outcome));
    bulk_insert_row(state_rows);
  }
  bulk_insert_flush(decision_rows);
  bulk_insert_flush(state_rows);
}

// For rows whose id was already logged: the line of the first one that
// differs from the logged event, or 0 when each is identical.
int64 first_different(ArrayType* rows, int32 loop_id) {
  Oid types[2] = {get_array_type(ARR_ELEMTYPE(rows)), INT4OID};
  Datum args[2] = {PointerGetDatum(rows), Int32GetDatum(loop_id)};
  if (SPI_execute_with_args(
          "SELECT u.line FROM unnest($1) u JOIN pz.events e ON e.event_id = u.event_id "
          " WHERE NOT (e.loop_id = $2 AND (u.created_at IS NULL OR e.created_at = u.created_at) "
          "       AND e.context = u.context AND e.actions = u.actions AND e.ranking = u.ranking "
          "       AND e.probabilities = u.probabilities AND e.chosen_action = u.ranking[1] "
          "       AND e.active = u.active AND e.baseline IS NOT DISTINCT FROM u.baseline "
          "       AND e.outcome = u.outcome AND e.reward IS NOT DISTINCT FROM u.reward) "
          " ORDER BY u.line LIMIT 1",
          2, types, args, nullptr, true, 1) != SPI_OK_SELECT)
    elog(ERROR, "pz: comparing with logged events failed");
  bool is_null;
  int64 line =
      SPI_processed == 0
          ? 0
          : DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
  SPI_freetuptable(SPI_tuptable);
  return line;
}

// Each new line's rewards, received when it was made.
void insert_rewards(const ImportPlans& plans, const EventTables& tables, const std::vector<PendingLine>& batch,
                    size_t size) {
  std::vector<Datum> ids, times, values, slots;
  std::vector<bool> slot_nulls;
  for (size_t i = 0; i < size; ++i) {
    const PendingLine& pending = batch[i];
    if (pending.duplicate) continue;
    for (const DsjsonReward& reward : pending.decision.rewards) {
      ids.push_back(event_id_datum(pending.decision));
      times.push_back(TimestampTzGetDatum(created_at(pending.decision)));
      values.push_back(Float8GetDatum(reward.value));
      slots.push_back(Int32GetDatum(reward.slot));
      slot_nulls.push_back(reward.slot == 0);
    }
  }
  if (ids.empty()) return;
  int count = static_cast<int>(ids.size());
  if (tables.rewards != nullptr) {
    Datum* row = bulk_insert_values(tables.rewards);
    bool* nulls = bulk_insert_nulls(tables.rewards);
    for (int i = 0; i < count; ++i) {
      row[0] = ids[i];
      row[1] = times[i];
      row[2] = values[i];
      row[3] = slots[i];
      nulls[3] = slot_nulls[i];
      bulk_insert_row(tables.rewards);
    }
    bulk_insert_flush(tables.rewards);
    return;
  }
  int dims[1] = {count};
  int lbs[1] = {1};
  bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * count));
  for (int i = 0; i < count; ++i) nulls[i] = slot_nulls[i];
  Datum args[4] = {
      PointerGetDatum(construct_array(ids.data(), count, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR)),
      PointerGetDatum(construct_array(times.data(), count, TIMESTAMPTZOID, sizeof(TimestampTz),
                                      true, TYPALIGN_DOUBLE)),
      PointerGetDatum(construct_array(values.data(), count, FLOAT8OID, sizeof(float8),
                                      FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
      PointerGetDatum(construct_md_array(slots.data(), nulls, 1, dims, lbs, INT4OID, sizeof(int32),
                                         true, TYPALIGN_INT))};
  if (SPI_execute_plan(plans.insert_rewards, args, nullptr, false, 0) != SPI_OK_INSERT)
    elog(ERROR, "pz: inserting the imported rewards failed");
}

// Conditional-bandit lines: the imported events' slot probabilities (their
// first ranks) and the rewards their slots were joined with (a slot without
// one takes the loop's default; none for a skipped line), as pz_rank and the
// trainer would have written them. Apart from the batch's insert, which they
// rarely need; arrays as text literals, since their lengths differ.
void store_slots(const std::vector<PendingLine>& batch, size_t size, double default_reward) {
  std::vector<Datum> ids, probabilities, rewards;
  std::vector<bool> reward_nulls;
  for (size_t i = 0; i < size; ++i) {
    const PendingLine& pending = batch[i];
    const DsjsonDecision& d = pending.decision;
    if (pending.duplicate || d.slots == 0) continue;
    pg_uuid_t* uuid = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t)));
    memcpy(uuid->data, d.event_id.data(), UUID_LEN);
    ids.push_back(UUIDPGetDatum(uuid));
    probabilities.push_back(float8_array_literal(
        std::vector<double>(d.probabilities.begin(), d.probabilities.begin() + static_cast<std::ptrdiff_t>(d.slots))));
    std::vector<double> slot_rewards;
    for (const std::optional<double>& reward : d.slot_rewards) slot_rewards.push_back(reward.value_or(default_reward));
    rewards.push_back(slot_rewards.empty() ? Datum(0) : float8_array_literal(slot_rewards));
    reward_nulls.push_back(slot_rewards.empty());
  }
  if (ids.empty()) return;
  const int count = static_cast<int>(ids.size());
  int dims[1] = {count};
  int lbs[1] = {1};
  bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * count));
  for (int i = 0; i < count; ++i) nulls[i] = reward_nulls[i];
  Oid types[3] = {UUIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID};
  Datum args[3] = {
      PointerGetDatum(construct_array(ids.data(), count, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR)),
      PointerGetDatum(construct_array(probabilities.data(), count, TEXTOID, -1, false, TYPALIGN_INT)),
      PointerGetDatum(construct_md_array(rewards.data(), nulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT))};
  if (SPI_execute_with_args(
          "WITH u AS (SELECT * FROM unnest($1, $2, $3) AS u(event_id, probabilities, rewards)), "
          "decided AS (UPDATE pz.decisions d SET slot_probabilities = u.probabilities::float8[] "
          "              FROM u WHERE d.event_id = u.event_id) "
          "UPDATE pz.event_state s SET slot_rewards = u.rewards::float8[] "
          "  FROM u WHERE s.event_id = u.event_id AND u.rewards IS NOT NULL",
          3, types, args, nullptr, false, 0) != SPI_OK_UPDATE)
    elog(ERROR, "pz: storing the imported slots failed");
}

// Adds the imported (already joined) events to the loop's counters, as a
// training step adds what it joined: pz.loop_status reads them.
void count_imported(const ImportLoop& loop, int64 rewarded, int64 defaulted, int64 skipped) {
  Oid types[4] = {INT4OID, INT8OID, INT8OID, INT8OID};
  Datum args[4] = {Int32GetDatum(loop.loop_id), Int64GetDatum(rewarded), Int64GetDatum(defaulted),
                   Int64GetDatum(skipped)};
  if (SPI_execute_with_args("SELECT pz.record_training_step($1, $2, $3, $4, 0, 0, '{}', '{}', '{}')", 4, types,
                            args, nullptr, false, 0) != SPI_OK_SELECT)
    elog(ERROR, "pz: counting the imported events failed");
}

// ---- C++ side ----

using EventId = std::array<unsigned char, 16>;

struct EventIdHash {
  size_t operator()(const EventId& id) const { return static_cast<size_t>(event_id_hash(id.data())); }
};

// The lines of a text, each without its line break and the blanks around
// it; blank lines are passed over (their numbers count).
class TextLines {
 public:
  explicit TextLines(std::string_view text) : text_(text) {}
  // The next line and its number (from 1); false at the end.
  bool next(std::string_view& line, int64_t& number) {
    while (start_ <= text_.size()) {
      size_t end = text_.find('\n', start_);
      if (end == std::string_view::npos) end = text_.size();
      line = text_.substr(start_, end - start_);
      ++number_;
      start_ = end + 1;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
        line.remove_suffix(1);
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      if (line.empty()) continue;
      number = number_;
      return true;
    }
    return false;
  }

 private:
  std::string_view text_;
  size_t start_ = 0;
  int64_t number_ = 0;
};

// Runs `work`, which calls nothing of PostgreSQL's, on a thread of its own
// (inline if none can be started), with every signal blocked there: the
// backend's signal handlers run on its own thread only. The future's get()
// rethrows what `work` threw; its destructor waits for `work` to end.
template <typename Work>
std::future<void> run_in_thread(Work work) {
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  std::future<void> future;
  try {
    future = std::async(std::launch::async, work);
  } catch (const std::system_error&) {
    future = std::async(std::launch::deferred, work);
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return future;
}

class Importer {
 public:
  Importer(const ImportLoop& loop, Oid row_type, TupleDesc row_desc, MemoryContext batch_context,
           const ImportPlans& plans, std::string_view text)
      : lines_(text),
        loop_(loop),
        row_type_(row_type),
        row_desc_(row_desc),
        batch_context_(batch_context),
        call_context_(MemoryContextGetParent(batch_context)),
        plans_(plans) {
    settings_ = parse_loop_settings(loop.settings_json);
    if (loop.weights != nullptr) {
      std::string_view blob(VARDATA_ANY(loop.weights), VARSIZE_ANY_EXHDR(loop.weights));
      model_ = std::make_unique<Model>(deserialize_model(blob, settings_.space, settings_.learner));
    } else {
      model_ = std::make_unique<Model>(settings_.space, settings_.learner);
    }
    batch_.resize(kBatchLines);
    next_.resize(kBatchLines);
    learning_.resize(kBatchLines);
  }

  // Imports every line of the text.
  ImportCounts run();

 private:
  // C++ side (see run()): the next lines into `batch`; how many.
  size_t read_batch(std::vector<PendingLine>& batch);
  bool add_line(PendingLine& pending, int64_t line_number, std::string_view text);
  // PostgreSQL side: the batch's rows (and the documents of its new actions).
  void store(size_t size);
  void learn_batch(const std::vector<PendingLine>& batch, size_t size);
  ImportCounts finish();
  void learn(const PendingLine& pending);
  void number_known_actions(size_t size);
  void store_new_documents();
  void remember_new_actions();

  // Read by read_batch alone (on the reading thread).
  TextLines lines_;
  DsjsonLineReader reader_;
  // Event ids seen in this text: their line (in the text, which outlives the
  // call's importer) and its number.
  std::unordered_map<EventId, std::pair<std::string_view, int64_t>, EventIdHash> seen_;
  int64_t lines_read_ = 0;
  int64_t lines_repeated_ = 0;  // identical to an earlier line of the text
  std::vector<PendingLine> next_;  // the batch being read
  // Used by learn_batch alone (on the reading thread, or after it ended).
  std::vector<PendingLine> learning_;  // the batch being learned
  std::unique_ptr<Model> model_;
  FeatureSet context_features_;
  // The features of each action learned in this call, by its document's hash.
  std::unordered_map<int64_t, FeatureSet> action_features_;
  int64_t learned_ = 0;

  const ImportLoop& loop_;
  Oid row_type_;
  TupleDesc row_desc_;
  MemoryContext batch_context_;  // the jsonb and rows of one batch
  MemoryContext call_context_;   // the call's (the event tables opened)
  EventTables tables_ = {nullptr, nullptr, nullptr};
  ImportPlans plans_;
  LoopSettings settings_;
  std::vector<PendingLine> batch_;  // the batch being stored
  ImportCounts counts_;
  // The documents of a batch to store (see store_new_documents).
  std::vector<Datum> new_hashes_;
  std::vector<Datum> new_documents_;
  std::unordered_set<int64_t> batch_new_;
  // Each action document of this call by its tokens (token_key): its hash and
  // number. A log repeats the same few documents on every line; once known,
  // one is neither built as jsonb nor hashed again.
  struct KnownAction {
    int64 hash;
    int64 number;
  };
  std::unordered_map<std::string, KnownAction> known_actions_;
  // The known action last found at each position of _multi: lines tend to
  // repeat it there, and comparing with it is cheaper than a look-up.
  std::vector<const std::pair<const std::string, KnownAction>*> last_at_position_;
  // The actions of the batch not in known_actions_: line, element, first token, key.
  struct UnknownAction {
    size_t line;
    size_t element;
    size_t begin;
    std::string key;
  };
  std::vector<UnknownAction> unknown_actions_;
  std::string key_;
  // The hashes and numbers of the last numbered line's actions, all known,
  // and their actions_version (0: none): most lines repeat them.
  uint64_t numbered_version_ = 0;
  std::vector<int64_t> numbered_hashes_;
  std::vector<int64_t> numbered_numbers_;
};

// While a batch is stored, another core learns the batch before it and then
// reads (parses, checks) the batch after it: reading and learning take a
// quarter of an import's time. Errors come in line order: those of the
// batch learned, then of the one stored, then of the one read.
ImportCounts Importer::run() {
  size_t size = read_batch(batch_);
  size_t learn_size = 0;  // of learning_
  while (size > 0) {
    pg_call([] { CHECK_FOR_INTERRUPTS(); });
    size_t next_size = 0;
    std::exception_ptr learn_error;
    std::future<void> next = run_in_thread([this, learn_size, &next_size, &learn_error] {
      try {
        learn_batch(learning_, learn_size);
      } catch (...) {
        learn_error = std::current_exception();
        return;
      }
      next_size = read_batch(next_);
    });
    try {
      store(size);
    } catch (...) {
      next.wait();
      if (learn_error) std::rethrow_exception(learn_error);
      throw;
    }
    next.get();
    if (learn_error) std::rethrow_exception(learn_error);
    // The batch stored is learned next, the one read stored.
    std::swap(learning_, batch_);
    learn_size = size;
    std::swap(batch_, next_);
    size = next_size;
  }
  learn_batch(learning_, learn_size);
  return finish();
}

// In line order, as the trainer learns in event order (C++ side).
void Importer::learn_batch(const std::vector<PendingLine>& batch, size_t size) {
  for (size_t i = 0; i < size; ++i)
    if (!batch[i].duplicate && batch[i].decision.outcome != DsjsonOutcome::kSkipped) learn(batch[i]);
}

size_t Importer::read_batch(std::vector<PendingLine>& batch) {
  size_t size = 0;
  std::string_view line;
  int64_t number = 0;
  while (size < kBatchLines && lines_.next(line, number))
    if (add_line(batch[size], number, line)) ++size;
  return size;
}

// Reads a line into `pending`; false for a line identical to an earlier one.
bool Importer::add_line(PendingLine& pending, int64_t line_number, std::string_view text) {
  ++lines_read_;
  pending.line_number = line_number;
  pending.duplicate = false;
  try {
    reader_.read(text, pending.decision);
  } catch (const DsjsonError& error) {
    bad_line(line_number, error.field(), error.what());
  }
  auto [earlier, first] = seen_.try_emplace(pending.decision.event_id, text, line_number);
  if (!first) {
    if (earlier->second.first != text)
      throw SqlError(
          ERRCODE_UNIQUE_VIOLATION,
          "event " + uuid_to_text(pending.decision.event_id) + " of line " +
              std::to_string(line_number) + " is already on line " +
              std::to_string(earlier->second.second) + ", with other content",
          "An EventId can be imported once; a line identical to one already imported is skipped.");
    ++lines_repeated_;
    return false;
  }
  container_sizes(pending.decision.context, pending.context_sizes);
  pending.actions_sizes.clear();
  return true;
}

void Importer::learn(const PendingLine& pending) {
  const DsjsonDecision& d = pending.decision;
  // A conditional-bandit line: each slot is an example, as the trainer learns it.
  for (size_t rank = 0; rank < std::max<size_t>(d.slots, 1); ++rank) {
    const uint32_t chosen = d.ranking[rank];
    const FeatureSet* action = nullptr;
    try {
      featurize_context(d, context_features_, rank);
      // An action's features depend on its document alone: made once a call.
      auto [known, first] = action_features_.try_emplace(pending.action_hashes[chosen]);
      if (first) {
        try {
          featurize_action(d, chosen, known->second);
        } catch (...) {
          action_features_.erase(known);
          throw;
        }
      }
      action = &known->second;
    } catch (const InputError& error) {
      bad_line(pending.line_number, "c", error.what());
    }
    const std::optional<double> reward = rank == 0 ? d.reward : d.slot_rewards[rank];
    model_->learn(context_features_, *action, reward.value_or(loop_.default_reward), d.probabilities[rank],
                  d.action_ids.size() - rank);
  }
  ++learned_;
}

// The numbers of each line's candidates that this call knows already (C++
// side); the others are listed in unknown_actions_, for store_new_documents.
void Importer::number_known_actions(size_t size) {
  unknown_actions_.clear();
  for (size_t i = 0; i < size; ++i) {
    PendingLine& pending = batch_[i];
    const uint64_t version = pending.decision.actions_version;
    if (version != 0 && version == numbered_version_) {
      pending.action_hashes = numbered_hashes_;
      pending.action_numbers = numbered_numbers_;
      continue;
    }
    const TokenList& actions = pending.decision.actions;
    const size_t count = pending.decision.action_ids.size();
    const size_t unknown_before = unknown_actions_.size();
    pending.action_hashes.assign(count, 0);
    pending.action_numbers.assign(count, 0);  // 0: not known yet (numbers start at 1)
    if (last_at_position_.size() < count) last_at_position_.resize(count, nullptr);
    for (size_t k = 0; k < count; ++k) {
      const auto [begin, end] = pending.decision.action_tokens[k];
      const auto* last = last_at_position_[k];
      if (last != nullptr && token_key_equals(actions, begin, end, last->first)) {
        pending.action_hashes[k] = last->second.hash;
        pending.action_numbers[k] = last->second.number;
        continue;
      }
      token_key(actions, begin, end, key_);
      auto known = known_actions_.find(key_);
      if (known != known_actions_.end()) {
        last_at_position_[k] = &*known;
        pending.action_hashes[k] = known->second.hash;
        pending.action_numbers[k] = known->second.number;
      } else {
        if (pending.actions_sizes.empty()) container_sizes(actions, pending.actions_sizes);
        unknown_actions_.push_back({i, k, begin, key_});
      }
    }
    if (version != 0 && unknown_actions_.size() == unknown_before) {
      numbered_version_ = version;
      numbered_hashes_ = pending.action_hashes;
      numbered_numbers_ = pending.action_numbers;
    }
  }
}

// The unknown actions' hashes and numbers; the documents this backend does
// not know to be stored (see pg/action_store.hpp) are stored now, once each.
// PostgreSQL side, in the batch's memory context (its containers are members:
// an error raised here skips this frame).
void Importer::store_new_documents() {
  std::vector<Datum>& hashes = new_hashes_;
  std::vector<Datum>& documents = new_documents_;
  std::unordered_set<int64_t>& batch_new = batch_new_;
  hashes.clear();
  documents.clear();
  batch_new.clear();
  for (const UnknownAction& unknown : unknown_actions_) {
    PendingLine& pending = batch_[unknown.line];
    JsonbValue value;
    build_value(pending.decision.actions, pending.actions_sizes.data(), unknown.begin, &value, 1);
    Jsonb* document = JsonbValueToJsonb(&value);
    int64 hash = action_hash(document);
    pending.action_hashes[unknown.element] = hash;
    if (action_known(loop_.loop_id, hash, &pending.action_numbers[unknown.element]) ||
        !batch_new.insert(hash).second)
      continue;
    hashes.push_back(Int64GetDatum(hash));
    documents.push_back(JsonbPGetDatum(document));
  }
  if (hashes.empty()) return;
  int n = static_cast<int>(hashes.size());
  store_action_documents(
      loop_.loop_id,
      construct_array(hashes.data(), n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE),
      construct_array(documents.data(), n, JSONBOID, -1, false, TYPALIGN_INT));
  // Every document is known now, with its number.
  for (const UnknownAction& unknown : unknown_actions_) {
    PendingLine& pending = batch_[unknown.line];
    if (pending.action_numbers[unknown.element] == 0 &&
        !action_known(loop_.loop_id, pending.action_hashes[unknown.element],
                      &pending.action_numbers[unknown.element]))
      elog(ERROR, "pz: an imported action document has no number");
  }
}

// The actions stored or found by store_new_documents, for the next lines (C++ side).
void Importer::remember_new_actions() {
  for (const UnknownAction& unknown : unknown_actions_) {
    const PendingLine& pending = batch_[unknown.line];
    known_actions_.try_emplace(unknown.key, KnownAction{pending.action_hashes[unknown.element],
                                                        pending.action_numbers[unknown.element]});
  }
}

void Importer::store(size_t size) {
  size_t logged_count = 0;
  MemoryContext caller = nullptr;
  number_known_actions(size);
  pg_call([&] {
    caller = MemoryContextSwitchTo(batch_context_);
    for (size_t i = 0; i < size; ++i)
      batch_[i].context = jsonb_from_tokens(batch_[i].decision.context, batch_[i].context_sizes);
    store_new_documents();
    logged_count = mark_logged(batch_, size);
  });
  remember_new_actions();
  pg_call([&] {
    if (tables_.decisions == nullptr) {
      MemoryContext batch = MemoryContextSwitchTo(call_context_);
      open_event_tables(&tables_);
      MemoryContextSwitchTo(batch);
    }
    insert_events(tables_, batch_, size, loop_.loop_id, loop_.default_reward);
  });
  if (logged_count > 0) {
    // Identical lines are skipped, others refused.
    std::vector<Datum> rows;
    int64 conflict = 0;
    for (size_t i = 0; i < size; ++i)
      if (batch_[i].duplicate && batch_[i].actions_sizes.empty())
        container_sizes(batch_[i].decision.actions, batch_[i].actions_sizes);
    pg_call([&] {
      for (size_t i = 0; i < size; ++i) {
        if (!batch_[i].duplicate) continue;
        batch_[i].actions = jsonb_from_tokens(batch_[i].decision.actions, batch_[i].actions_sizes);
        rows.push_back(event_row(row_desc_, batch_[i], loop_.default_reward));
      }
      conflict = first_different(
          construct_array(rows.data(), static_cast<int>(rows.size()), row_type_, -1, false, TYPALIGN_DOUBLE),
          loop_.loop_id);
    });
    for (size_t i = 0; i < size && conflict != 0; ++i)
      if (batch_[i].line_number == conflict)
        throw SqlError(
            ERRCODE_UNIQUE_VIOLATION,
            "event " + uuid_to_text(batch_[i].decision.event_id) + " of line " +
                std::to_string(conflict) + " is already logged, with other content",
            "An EventId can be imported once; a line identical to the logged event is skipped.");
  }
  for (size_t i = 0; i < size; ++i) {
    if (batch_[i].duplicate) {
      ++counts_.duplicates;
      continue;
    }
    const DsjsonDecision& d = batch_[i].decision;
    ++counts_.imported;
    counts_.rewards += static_cast<int64_t>(d.rewards.size());
    if (d.outcome == DsjsonOutcome::kRewarded)
      ++counts_.rewarded;
    else if (d.outcome == DsjsonOutcome::kDefaulted)
      ++counts_.defaulted;
    else
      ++counts_.skipped;
  }
  pg_call([&] { insert_rewards(plans_, tables_, batch_, size); });
  pg_call([&] { store_slots(batch_, size, loop_.default_reward); });
  pg_call([&] {
    MemoryContextSwitchTo(caller);
    MemoryContextReset(batch_context_);
  });
}

ImportCounts Importer::finish() {
  counts_.lines = lines_read_;
  counts_.duplicates += lines_repeated_;
  counts_.learned = learned_;
  if (tables_.decisions != nullptr)
    pg_call([&] {
      bulk_insert_finish(tables_.decisions);
      bulk_insert_finish(tables_.states);
      if (tables_.rewards != nullptr) bulk_insert_finish(tables_.rewards);
    });
  pg_call([&] { count_imported(loop_, counts_.rewarded, counts_.defaulted, counts_.skipped); });
  counts_.model_version = loop_.model_version;
  if (counts_.learned > 0) {
    counts_.model_version = loop_.max_version + 1;
    std::string blob = serialize_model(*model_);
    const std::string metrics =
        nlohmann::json{{"imported_dsjson", counts_.learned}, {"learned", counts_.learned}}.dump();
    pg_call([&] {
      store_model_version(loop_.loop_id, loop_.models_kept, counts_.model_version,
                          static_cast<int64>(model_->examples()), blob, metrics.c_str());
    });
    bump_loops_generation_at_commit();
  }
  return counts_;
}

std::string counts_json(const ImportCounts& counts) {
  nlohmann::json json = {{"lines", counts.lines},
                         {"imported", counts.imported},
                         {"skipped_duplicates", counts.duplicates},
                         {"rewarded", counts.rewarded},
                         {"defaulted", counts.defaulted},
                         {"skipped", counts.skipped},
                         {"rewards", counts.rewards},
                         {"learned", counts.learned},
                         {"model_version", counts.model_version}};
  return json.dump();
}

// An import's batches (the message with the text, the rows, the executor's
// tuple store) take megabytes each and are freed after each batch: kept for
// the next one instead of faulted in again (a tenth of an import's time).
constexpr size_t kImportFreedMemory = 256 * 1024 * 1024;

}  // namespace
}  // namespace pz::pg

PZ_SQL_FUNCTION(pz_import_dsjson) {
  text* loop_name = nullptr;
  text* dsjson = nullptr;
  pg_call([&] {
    if (!PG_ARGISNULL(0)) loop_name = PG_GETARG_TEXT_PP(0);
    if (!PG_ARGISNULL(1)) dsjson = PG_GETARG_TEXT_PP(1);
  });
  if (loop_name == nullptr) throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "loop must not be null");
  if (dsjson == nullptr) throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "dsjson must not be null");

  keep_freed_memory(kImportFreedMemory);
  ImportLoop loop;
  ImportPlans plans;
  Oid row_type = InvalidOid;
  TupleDesc row_desc = nullptr;
  MemoryContext batch_context = nullptr;
  pg_call([&] {
    MemoryContext caller = CurrentMemoryContext;
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
    read_loop(loop_name, &loop, caller);
    row_type = DatumGetObjectId(DirectFunctionCall1(regtypein, CStringGetDatum("pz.dsjson_event")));
    row_desc = lookup_rowtype_tupdesc_copy(row_type, -1);
    prepare_plans(row_type, &plans);
    lock_action_store();
    // Blocks of at most 256 kB: malloc keeps them for the next batch instead
    // of unmapping them (and faulting the pages in again).
    batch_context =
        AllocSetContextCreate(CurrentMemoryContext, "pz dsjson batch", ALLOCSET_DEFAULT_MINSIZE,
                              ALLOCSET_DEFAULT_INITSIZE, 64 * 1024);
  });
  std::string_view text(VARDATA_ANY(dsjson), VARSIZE_ANY_EXHDR(dsjson));
  Importer importer(loop, row_type, row_desc, batch_context, plans, text);
  ImportCounts counts = importer.run();
  std::string json = counts_json(counts);
  Datum result = 0;
  pg_call([&] {
    SPI_finish();
    result = DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str()));
  });
  return result;
}
