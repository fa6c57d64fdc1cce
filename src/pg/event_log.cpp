#include "pg/event_log.hpp"

#include "pg/kept_plan.hpp"
#include "pg/guard.hpp"

namespace pz::pg {

namespace {

// Without and with a subject: the column subject_hash only exists once the
// extension is updated to 0.2.0, so events without one never name it.
SPIPlanPtr insert_plans[2] = {nullptr, nullptr};

constexpr int kColumns = 14;
// The first kColumns - 1 of them.
#define EVENT_COLUMNS                                                                                  \
  "event_id, loop_id, created_at, context, actions, ranking, probabilities, scores, chosen_action, " \
  "model_version, active, activated_at, baseline"
#define EVENT_VALUES "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13"

// PostgreSQL side (plain C: may ereport anywhere).
Jsonb* without_excluded(Jsonb* actions, const std::vector<Candidate>& kept) {
  JsonbParseState* state = nullptr;
  pushJsonbValue(&state, WJB_BEGIN_ARRAY, nullptr);
  for (const Candidate& candidate : kept)
    pushJsonbValue(&state, WJB_ELEM,
                   getIthJsonbValueFromContainer(&actions->root, static_cast<uint32>(candidate.element)));
  return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_ARRAY, nullptr));
}

ArrayType* text_array(const std::vector<Candidate>& candidates, const std::vector<uint32_t>& order) {
  Datum* items = static_cast<Datum*>(palloc(order.size() * sizeof(Datum)));
  for (size_t i = 0; i < order.size(); ++i) {
    const std::string& id = candidates[order[i]].id;
    items[i] = PointerGetDatum(cstring_to_text_with_len(id.data(), static_cast<int>(id.size())));
  }
  return construct_array(items, static_cast<int>(order.size()), TEXTOID, -1, false, TYPALIGN_INT);
}

ArrayType* float8_array(const std::vector<double>& values, const std::vector<uint32_t>& order) {
  Datum* items = static_cast<Datum*>(palloc(order.size() * sizeof(Datum)));
  for (size_t i = 0; i < order.size(); ++i) items[i] = Float8GetDatum(values[order[i]]);
  return construct_array(items, static_cast<int>(order.size()), FLOAT8OID, sizeof(float8),
                         FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

void write_event(const EventRecord& record) {
  const Decision& decision = *record.decision;
  const std::vector<Candidate>& candidates = *record.candidates;
  TimestampTz now = GetCurrentStatementStartTimestamp();
  Jsonb* actions = candidates.size() == record.action_count
                       ? record.actions
                       : without_excluded(record.actions, candidates);
  const std::string& chosen = candidates[decision.ranking[0]].id;

  Datum values[kColumns];
  char nulls[kColumns];
  memset(nulls, ' ', sizeof nulls);
  values[0] = UUIDPGetDatum(const_cast<pg_uuid_t*>(&record.event_id));
  values[1] = Int32GetDatum(record.loop_id);
  values[2] = TimestampTzGetDatum(now);
  values[3] = JsonbPGetDatum(record.context);
  values[4] = JsonbPGetDatum(actions);
  values[5] = PointerGetDatum(text_array(candidates, decision.ranking));
  values[6] = PointerGetDatum(float8_array(decision.probabilities, decision.ranking));
  values[7] = PointerGetDatum(float8_array(*record.scores, decision.ranking));
  values[8] = PointerGetDatum(cstring_to_text_with_len(chosen.data(), static_cast<int>(chosen.size())));
  values[9] = Int64GetDatum(record.model_version);
  values[10] = BoolGetDatum(record.active);
  values[11] = TimestampTzGetDatum(now);
  if (!record.active) nulls[11] = 'n';
  if (record.baseline != nullptr) {
    values[12] = PointerGetDatum(cstring_to_text_with_len(record.baseline->data(),
                                                          static_cast<int>(record.baseline->size())));
  } else {
    values[12] = 0;
    nulls[12] = 'n';
  }
  const bool has_subject = record.subject_hash != nullptr;
  values[13] = PointerGetDatum(record.subject_hash);

  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  SPIPlanPtr& plan = insert_plans[has_subject];
  if (plan == nullptr) {
    Oid types[kColumns] = {UUIDOID,       INT4OID,       TIMESTAMPTZOID, JSONBOID, JSONBOID,
                           TEXTARRAYOID,  FLOAT8ARRAYOID, FLOAT8ARRAYOID, TEXTOID,  INT8OID,
                           BOOLOID,       TIMESTAMPTZOID, TEXTOID,        BYTEAOID};
    plan = prepare_kept_plan(has_subject ? "INSERT INTO pz.events (" EVENT_COLUMNS ", subject_hash) "
                                           "VALUES (" EVENT_VALUES ", $14)"
                                         : "INSERT INTO pz.events (" EVENT_COLUMNS ") VALUES (" EVENT_VALUES ")",
                             has_subject ? kColumns : kColumns - 1, types);
  }
  if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT)
    elog(ERROR, "pz: inserting into pz.events failed");
  SPI_finish();
}

}  // namespace

std::string uuid_text(const pg_uuid_t& uuid) {
  static const char hex[] = "0123456789abcdef";
  std::string text;
  for (int i = 0; i < UUID_LEN; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += hex[uuid.data[i] >> 4];
    text += hex[uuid.data[i] & 15];
  }
  return text;
}

void insert_event(const EventRecord& record) {
  try {
    pg_call([&] { write_event(record); });
  } catch (const PostgresError& error) {
    if (error.data()->sqlerrcode != ERRCODE_UNIQUE_VIOLATION) throw;
    throw SqlError(ERRCODE_UNIQUE_VIOLATION, "event " + uuid_text(record.event_id) + " already exists",
                   "Each options.event_id can be used once.");
  }
}

}  // namespace pz::pg
