#include "pg/event_log.hpp"

#include "pg/action_store.hpp"
#include "pg/bulk_insert.hpp"
#include "pg/guard.hpp"
#include "pg/gucs.hpp"
#include "pg/kept_plan.hpp"
#include "pg/log_queue.hpp"
#include "pg/logged_candidates.hpp"
#include "pg/loop_cache.hpp"
#include "pg/queued_batch.hpp"

extern "C" {
#include "access/xlog.h"
#include "commands/dbcommands.h"
#include "lib/stringinfo.h"
#include "storage/latch.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/wait_event.h"
}

namespace pz::pg {

namespace {

// The values of an event row, in this order: the decision's columns, its
// state's, and the candidates' documents (kept for the queue: written to
// pz.actions only when not already stored) with their content hashes.
Oid column_types[kEventColumns] = {UUIDOID,        INT4OID,        TIMESTAMPTZOID, JSONBOID, JSONBOID,
                                   INT4ARRAYOID,   FLOAT8ARRAYOID, FLOAT8ARRAYOID, TEXTOID,  INT8OID,
                                   BOOLOID,        TIMESTAMPTZOID, TEXTOID,        BYTEAOID, BOOLOID,
                                   INT8ARRAYOID,   FLOAT8ARRAYOID};

// $18 and $19: the documents not known to be stored, with their hashes
// (stored by store_action_documents, which fails the write when a hash is
// stored with other content). $20: the candidates as pz.decisions.candidates
// stores them (logged_candidates.hpp), built once every document's number is
// known.
constexpr int kStatementParams = kEventColumns + 3;
constexpr int kCandidatesParam = kEventColumns + 2;

// Each column of pz.decisions and pz.event_state an event gives, and the
// statement parameter (1-based) that gives it: the INSERTs and the bulk
// append (append_event) take them from here.
struct ColumnSource {
  const char* column;
  int param;
};
constexpr ColumnSource kDecisionSources[] = {
    {"event_id", 1},      {"loop_id", 2},        {"created_at", 3},     {"context", 4},
    {"candidates", 20},   {"chosen_action", 9},  {"model_version", 10}, {"baseline", 13},
    {"subject_hash", 14}, {"explored", 15},      {"slot_probabilities", 17}};
constexpr ColumnSource kStateSources[] = {
    {"event_id", 1}, {"loop_id", 2}, {"created_at", 3}, {"active", 11}, {"activated_at", 12}};

// "a, b" or "$1, $2" from the sources.
template <size_t N>
const char* column_list(const ColumnSource (&sources)[N], bool params) {
  StringInfoData list;
  initStringInfo(&list);
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) appendStringInfoString(&list, ", ");
    if (params)
      appendStringInfo(&list, "$%d", sources[i].param);
    else
      appendStringInfoString(&list, sources[i].column);
  }
  return list.data;
}

SPIPlanPtr insert_plan = nullptr;
SPIPlanPtr queued_insert_plan = nullptr;
SPIPlanPtr existing_plan = nullptr;

// PostgreSQL side (plain C: may ereport anywhere).
Jsonb* without_excluded(Jsonb* actions, const std::vector<Candidate>& kept) {
  JsonbParseState* state = nullptr;
  pushJsonbValue(&state, WJB_BEGIN_ARRAY, nullptr);
  for (const Candidate& candidate : kept)
    pushJsonbValue(&state, WJB_ELEM,
                   getIthJsonbValueFromContainer(&actions->root, static_cast<uint32>(candidate.element)));
  return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_ARRAY, nullptr));
}

ArrayType* position_array(const std::vector<uint32_t>& order) {
  Datum* items = static_cast<Datum*>(palloc(order.size() * sizeof(Datum)));
  for (size_t i = 0; i < order.size(); ++i) items[i] = Int32GetDatum(static_cast<int32>(order[i] + 1));
  return construct_array(items, static_cast<int>(order.size()), INT4OID, sizeof(int32), true, TYPALIGN_INT);
}

Jsonb* action_document(Jsonb* actions, size_t element) {
  return JsonbValueToJsonb(getIthJsonbValueFromContainer(&actions->root, static_cast<uint32>(element)));
}

// The candidates' content hashes of a row (its int8[] column), and how many.
const int64* candidate_hashes(const EventRow& row, int* count) {
  ArrayType* hashes = DatumGetArrayTypeP(row.values[15]);
  *count = ArrayGetNItems(ARR_NDIM(hashes), ARR_DIMS(hashes));
  return reinterpret_cast<const int64*>(ARR_DATA_PTR(hashes));
}

// `known`: the hashes the caller gave (EventRecord::action_hashes), or nullptr.
ArrayType* hash_array(Jsonb* actions, size_t count, const int64_t* known) {
  Datum* items = static_cast<Datum*>(palloc(count * sizeof(Datum)));
  for (size_t i = 0; i < count; ++i)
    items[i] = Int64GetDatum(known != nullptr ? known[i] : element_action_hash(actions, static_cast<uint32>(i)));
  return construct_array(items, static_cast<int>(count), INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

ArrayType* float8_array(const std::vector<double>& values, const std::vector<uint32_t>& order) {
  Datum* items = static_cast<Datum*>(palloc(order.size() * sizeof(Datum)));
  for (size_t i = 0; i < order.size(); ++i) items[i] = Float8GetDatum(values[order[i]]);
  return construct_array(items, static_cast<int>(order.size()), FLOAT8OID, sizeof(float8),
                         FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

// The one place an event's row is built, whichever way it is written.
void build_event_row(const EventRecord& record, EventRow* row) {
  const Decision& decision = *record.decision;
  const std::vector<Candidate>& candidates = *record.candidates;
  TimestampTz now = GetCurrentStatementStartTimestamp();
  Jsonb* actions = candidates.size() == record.action_count
                       ? record.actions
                       : without_excluded(record.actions, candidates);
  const std::string& chosen = candidates[decision.ranking[0]].id;

  Datum* values = row->values;
  memset(row->nulls, ' ', sizeof row->nulls);
  values[kEventIdColumn] = UUIDPGetDatum(const_cast<pg_uuid_t*>(&record.event_id));
  values[kEventLoopColumn] = Int32GetDatum(record.loop_id);
  values[kEventCreatedAtColumn] = TimestampTzGetDatum(now);
  values[3] = JsonbPGetDatum(record.context);
  values[4] = JsonbPGetDatum(actions);
  // The ranking as positions into the candidates (as stored, without the excluded ones).
  values[5] = PointerGetDatum(position_array(decision.ranking));
  values[6] = PointerGetDatum(float8_array(decision.probabilities, decision.ranking));
  values[7] = PointerGetDatum(float8_array(*record.scores, decision.ranking));
  values[8] = PointerGetDatum(cstring_to_text_with_len(chosen.data(), static_cast<int>(chosen.size())));
  values[9] = Int64GetDatum(record.model_version);
  values[10] = BoolGetDatum(record.active);
  values[11] = TimestampTzGetDatum(now);
  if (!record.active) row->nulls[11] = 'n';
  if (record.baseline != nullptr) {
    values[12] = PointerGetDatum(cstring_to_text_with_len(record.baseline->data(),
                                                          static_cast<int>(record.baseline->size())));
  } else {
    values[12] = 0;
    row->nulls[12] = 'n';
  }
  values[kEventSubjectHashColumn] = PointerGetDatum(record.subject_hash);
  if (record.subject_hash == nullptr) row->nulls[kEventSubjectHashColumn] = 'n';
  values[14] = BoolGetDatum(is_exploration(*record.scores, decision.ranking[0]));
  values[15] = PointerGetDatum(
      hash_array(actions, candidates.size(), actions == record.actions ? record.action_hashes : nullptr));
  // The slots' own probabilities, in slot order; NULL without options.slots.
  if (decision.slot_probabilities.empty()) {
    values[16] = 0;
    row->nulls[16] = 'n';
  } else {
    const std::vector<double>& slots = decision.slot_probabilities;
    Datum* items = static_cast<Datum*>(palloc(slots.size() * sizeof(Datum)));
    for (size_t i = 0; i < slots.size(); ++i) items[i] = Float8GetDatum(slots[i]);
    values[16] = PointerGetDatum(construct_array(items, static_cast<int>(slots.size()), FLOAT8OID, sizeof(float8),
                                                 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
  }
}

// The statement's parameters: the row, then the documents of its candidates
// that this backend does not know to be stored (see action_store.hpp; the
// caller has locked the store). `numbers` gets each candidate's number, 0
// for those not known; `misses` how many those are.
void statement_params(int32 loop_id, const EventRow& row, Datum* values, char* nulls, int64* numbers, int* misses) {
  memcpy(values, row.values, sizeof row.values);
  memcpy(nulls, row.nulls, sizeof row.nulls);
  Jsonb* actions = DatumGetJsonbP(row.values[4]);
  int count = 0;
  const int64* hash = candidate_hashes(row, &count);
  Datum* new_hashes = static_cast<Datum*>(palloc(sizeof(Datum) * (count > 0 ? count : 1)));
  Datum* new_documents = static_cast<Datum*>(palloc(sizeof(Datum) * (count > 0 ? count : 1)));
  int n = 0;
  for (int i = 0; i < count; ++i) {
    if (action_known(loop_id, hash[i], &numbers[i])) continue;
    numbers[i] = 0;
    new_hashes[n] = Int64GetDatum(hash[i]);
    new_documents[n] = JsonbPGetDatum(action_document(actions, static_cast<size_t>(i)));
    ++n;
  }
  values[kEventColumns] = PointerGetDatum(
      construct_array(new_hashes, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
  values[kEventColumns + 1] = PointerGetDatum(construct_array(new_documents, n, JSONBOID, -1, false, TYPALIGN_INT));
  nulls[kEventColumns] = nulls[kEventColumns + 1] = nulls[kCandidatesParam] = ' ';
  values[kCandidatesParam] = 0;
  *misses = n;
}

// The documents of the row not known to be stored (statement_params), stored
// and remembered with their numbers as the import stores its own
// (pg/action_store.hpp); then every candidate's number. False when some have
// none: the loop was dropped.
bool resolve_numbers(int32 loop_id, const EventRow& row, const Datum* values, int64* numbers, int misses) {
  if (misses == 0) return true;
  store_action_documents(loop_id, DatumGetArrayTypeP(values[kEventColumns]),
                         DatumGetArrayTypeP(values[kEventColumns + 1]));
  int count = 0;
  const int64* hash = candidate_hashes(row, &count);
  for (int i = 0; i < count; ++i)
    if (numbers[i] == 0 && !action_known(loop_id, hash[i], &numbers[i])) return false;
  return true;
}

// $20 from the row's ranking, probabilities and scores and the numbers.
void encode_candidates_param(const EventRow& row, const int64* numbers, Datum* values) {
  int count = 0;
  (void)candidate_hashes(row, &count);
  ArrayType* ranking = DatumGetArrayTypeP(row.values[5]);
  ArrayType* probabilities = DatumGetArrayTypeP(row.values[6]);
  ArrayType* scores = DatumGetArrayTypeP(row.values[7]);
  int ranks = ArrayGetNItems(ARR_NDIM(ranking), ARR_DIMS(ranking));
  if (ArrayGetNItems(ARR_NDIM(probabilities), ARR_DIMS(probabilities)) != ranks ||
      ArrayGetNItems(ARR_NDIM(scores), ARR_DIMS(scores)) != ranks || ARR_HASNULL(ranking) ||
      ARR_HASNULL(probabilities) || ARR_HASNULL(scores))
    elog(ERROR, "pz: an event row's ranking, probabilities and scores do not align");
  const char* error = nullptr;
  bytea* encoded = encode_candidates(numbers, count, reinterpret_cast<const int32*>(ARR_DATA_PTR(ranking)), ranks,
                                     reinterpret_cast<const double*>(ARR_DATA_PTR(probabilities)),
                                     reinterpret_cast<const double*>(ARR_DATA_PTR(scores)), &error);
  if (encoded == nullptr) elog(ERROR, "pz: encoding an event's candidates failed: %s", error);
  values[kCandidatesParam] = PointerGetDatum(encoded);
}

SPIPlanPtr prepare_statement(const char* query) {
  Oid types[kStatementParams];
  memcpy(types, column_types, sizeof column_types);
  types[kEventColumns] = INT8ARRAYOID;
  types[kEventColumns + 1] = JSONBARRAYOID;
  types[kCandidatesParam] = BYTEAOID;
  return prepare_kept_plan(query, kStatementParams, types);
}

void connect_spi() {
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
}

// Plain statements (in the caller's transaction, and the logger's), the documents' only
// when some are not known to be stored (a statement with data-modifying CTEs
// costs several times more to start than these).
SPIPlanPtr state_plan = nullptr;

void prepare_direct_plans() {
  if (insert_plan != nullptr) return;
  insert_plan = prepare_statement(psprintf("INSERT INTO pz.decisions (%s) VALUES (%s)",
                                            column_list(kDecisionSources, false), column_list(kDecisionSources, true)));
  state_plan = prepare_statement(psprintf("INSERT INTO pz.event_state (%s) VALUES (%s)",
                                           column_list(kStateSources, false), column_list(kStateSources, true)));
}

int64* candidate_numbers(const EventRow& row) {
  int count = 0;
  (void)candidate_hashes(row, &count);
  return static_cast<int64*>(palloc0(sizeof(int64) * (count > 0 ? count : 1)));
}

void insert_row(const EventRow& row) {
  connect_spi();
  prepare_direct_plans();
  int32 loop_id = DatumGetInt32(row.values[kEventLoopColumn]);
  lock_action_store();
  Datum values[kStatementParams];
  char nulls[kStatementParams];
  int misses = 0;
  int64* numbers = candidate_numbers(row);
  statement_params(loop_id, row, values, nulls, numbers, &misses);
  if (!resolve_numbers(loop_id, row, values, numbers, misses))
    elog(ERROR, "pz: the loop of the event does not exist");
  if (queued_rows_appendable()) {
    // The logger's append, for one row: the INSERT statements' executor
    // start and end cost a rank call about as much as the row itself.
    EventAppend append;
    begin_event_append(&append);
    append_event(&append, row, numbers);
    finish_event_append(&append);
  } else {
    encode_candidates_param(row, numbers, values);
    if (SPI_execute_plan(insert_plan, values, nulls, false, 0) != SPI_OK_INSERT ||
        SPI_execute_plan(state_plan, values, nulls, false, 0) != SPI_OK_INSERT)
      elog(ERROR, "pz: inserting into pz.decisions failed");
  }
  SPI_finish();
}

// Column sizes for (de)serializing rows, looked up once per process.
int16 column_lengths[kEventColumns];
bool column_by_value[kEventColumns];
bool column_sizes_known = false;

void know_column_sizes() {
  if (column_sizes_known) return;
  for (int i = 0; i < kEventColumns; ++i) get_typlenbyval(column_types[i], &column_lengths[i], &column_by_value[i]);
  column_sizes_known = true;
}

// The row as bytes for the queue (PostgreSQL's own datum serialization).
char* serialize_event_row(const EventRow& row, uint32* size) {
  know_column_sizes();
  Size total = 0;
  for (int i = 0; i < kEventColumns; ++i)
    total += datumEstimateSpace(row.values[i], row.nulls[i] == 'n', column_by_value[i], column_lengths[i]);
  if (total > MaxAllocSize) ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("event is too large to queue")));
  char* buffer = static_cast<char*>(palloc(total));
  char* cursor = buffer;
  for (int i = 0; i < kEventColumns; ++i)
    datumSerialize(row.values[i], row.nulls[i] == 'n', column_by_value[i], column_lengths[i], &cursor);
  *size = static_cast<uint32>(total);
  return buffer;
}

bool in_logger_database() {
  static int known = 0;  // 1: yes, -1: no; MyDatabaseId never changes in a backend
  if (known == 0) {
    char* name = get_database_name(MyDatabaseId);
    known = name != nullptr && strcmp(name, pz_database()) == 0 ? 1 : -1;
  }
  return known == 1;
}

bool event_already_logged(const pg_uuid_t* event_id) {
  if (find_queued_event(MyDatabaseId, *event_id, nullptr)) return true;
  connect_spi();
  Oid type = UUIDOID;
  Datum arg = UUIDPGetDatum(const_cast<pg_uuid_t*>(event_id));
  if (SPI_execute_with_args("SELECT FROM pz.event_state WHERE event_id = $1", 1, &type, &arg, nullptr, true, 1) !=
      SPI_OK_SELECT)
    elog(ERROR, "pz: reading pz.event_state failed");
  bool found = SPI_processed > 0;
  SPI_finish();
  return found;
}

// --- C++ side.

SqlError unavailable(const std::string& message, const std::string& hint, const std::string& detail = {}) {
  return SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, message, hint, detail);
}

}  // namespace

void check_buffering_available() {
  if (!log_queue_available())
    throw unavailable("buffered logging needs pz in shared_preload_libraries",
                      "Add pz to shared_preload_libraries and restart the server, or set the loop's "
                      "logging to 'transactional'.");
  bool here = false;
  pg_call([&] { here = in_logger_database(); });
  if (!here)
    throw unavailable("buffered logging is available only in database \"" + std::string(pz_database()) + "\"",
                      "Rank in that database, or set the loop's logging to 'transactional'.",
                      "The pz logger writes queued events in the database named by pz.database.");
}

namespace {

void queue_event(const EventRecord& record) {
  check_buffering_available();
  bool taken = false;
  if (record.given_event_id) pg_call([&] { taken = event_already_logged(&record.event_id); });
  if (taken)
    throw SqlError(ERRCODE_UNIQUE_VIOLATION, "event " + uuid_text(record.event_id) + " already exists",
                   "Each options.event_id can be used once.");
  EventRow row;
  char* serialized = nullptr;
  uint32 size = 0;
  pg_call([&] {
    build_event_row(record, &row);
    serialized = serialize_event_row(row, &size);
  });
  EnqueueResult result = EnqueueResult::kFull;
  pg_call([&] { result = enqueue_waiting(RecordKind::kEvent, MyDatabaseId, record.event_id, serialized, size); });
  if (result == EnqueueResult::kQueued) return;
  bool standby = false;
  pg_call([&] { standby = RecoveryInProgress(); });
  if (standby) {
    // Nowhere to insert it: the decision stands, its event is lost (counted).
    pg_call([&] { drop_queued_record("decision", result); });
    return;
  }

  // Never dropped: written now in the caller's transaction if it can write.
  const char* why = result == EnqueueResult::kClosed   ? "the pz logger is shutting down"
                    : result == EnqueueResult::kTooLarge ? "the event is larger than pz.log_buffer_size"
                                                         : "the pz log queue is full";
  if (XactReadOnly)
    throw SqlError(ERRCODE_INSUFFICIENT_RESOURCES, std::string(why) + ": cannot log the decision",
                   "Raise pz.log_buffer_size, look for errors of the pz logger in the server log, or rank "
                   "in a transaction that can write so that the event is inserted directly.",
                   "The transaction is read-only, so the event cannot be inserted directly.");
  pg_call([&] {
    insert_row(row);
    count_direct_write();
    ereport(WARNING, (errmsg("%s: pz logged the decision in the caller's transaction", why),
                      errhint("Raise pz.log_buffer_size, or look for errors of the pz logger in the server log.")));
  });
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
  if (cached_loop_logging(record.loop_id) == Logging::kBuffered) {
    queue_event(record);
    return;
  }
  bool standby = false;
  pg_call([&] { standby = RecoveryInProgress(); });
  if (standby)
    throw SqlError(ERRCODE_READ_ONLY_SQL_TRANSACTION,
                   "loop logging is transactional: a hot standby cannot log the decision",
                   "Set the loop's logging to 'buffered' (pz_configure_loop) to rank on standbys: their "
                   "decisions are then forwarded to the primary.",
                   "A transactional decision is inserted in the caller's transaction, and a standby's "
                   "transactions are read-only.");
  try {
    pg_call([&] {
      EventRow row;
      build_event_row(record, &row);
      insert_row(row);
    });
  } catch (const PostgresError& error) {
    if (error.data()->sqlerrcode != ERRCODE_UNIQUE_VIOLATION) throw;
    throw SqlError(ERRCODE_UNIQUE_VIOLATION, "event " + uuid_text(record.event_id) + " already exists",
                   "Each options.event_id can be used once.");
  }
}

void restore_event_row(const char* serialized, EventRow* row) {
  char* cursor = const_cast<char*>(serialized);
  for (int i = 0; i < kEventColumns; ++i) {
    bool is_null;
    row->values[i] = datumRestore(&cursor, &is_null);
    row->nulls[i] = is_null ? 'n' : ' ';
  }
}

bool event_row_valid(const char* serialized, uint32 size, const char** error) {
  know_column_sizes();
  // activated_at, baseline, subject_hash and slot_probabilities (an event
  // without slots) may be null; the others never are.
  constexpr uint32 kNullable = (1u << 11) | (1u << 12) | (1u << 13) | (1u << 16);
  const char* cursor = serialized;
  const char* end = serialized + size;
  for (int i = 0; i < kEventColumns; ++i) {
    int header;
    if (end - cursor < static_cast<ptrdiff_t>(sizeof header)) {
      *error = "an event row is cut short";
      return false;
    }
    memcpy(&header, cursor, sizeof header);
    cursor += sizeof header;
    if (header == -2) {
      if ((kNullable & (1u << i)) == 0) {
        *error = "an event row has a null where a value is required";
        return false;
      }
      continue;
    }
    const bool by_value = column_by_value[i];
    const long expected = by_value ? -1 : column_lengths[i];  // > 0: fixed length; -1 varlena
    const long bytes = by_value ? static_cast<long>(sizeof(Datum)) : header;
    if ((by_value && header != -1) || (!by_value && (header <= 0 || (expected > 0 && header != expected))) ||
        end - cursor < bytes) {
      *error = "an event row has a value of the wrong size";
      return false;
    }
    if (!by_value && expected == -1 &&
        (header < static_cast<long>(VARHDRSZ_SHORT) || VARATT_IS_EXTERNAL(cursor) ||
         (!VARATT_IS_1B(cursor) && header < static_cast<long>(VARHDRSZ)) ||
         static_cast<long>(VARSIZE_ANY(cursor)) != header)) {
      *error = "an event row has a malformed value";
      return false;
    }
    cursor += bytes;
  }
  if (cursor != end) {
    *error = "an event row has bytes after its last column";
    return false;
  }
  return true;
}

QueuedWrite write_queued_row(const EventRow& row) {
  connect_spi();
  if (queued_insert_plan == nullptr) {
    // A loop dropped while its events were queued takes them with it, and so
    // does a subject forgotten after its event was made.
    queued_insert_plan = prepare_statement(psprintf(
        "INSERT INTO pz.decisions (%s) SELECT %s "
        " WHERE EXISTS (SELECT FROM pz.loops WHERE loop_id = $2) "
        "   AND NOT EXISTS (SELECT FROM pz.forgotten_subjects f WHERE f.subject_hash = $14 AND f.forgotten_at >= $3) "
        "ON CONFLICT (event_id) DO NOTHING",
        column_list(kDecisionSources, false), column_list(kDecisionSources, true)));
    existing_plan = prepare_kept_plan(
        "SELECT loop_id = $2 AND created_at = $3 FROM pz.decisions WHERE event_id = $1", 3, column_types);
  }
  prepare_direct_plans();
  int32 loop_id = DatumGetInt32(row.values[kEventLoopColumn]);
  lock_action_store();
  Datum values[kStatementParams];
  char nulls[kStatementParams];
  int misses = 0;
  int64* numbers = candidate_numbers(row);
  statement_params(loop_id, row, values, nulls, numbers, &misses);
  QueuedWrite result = QueuedWrite::kWritten;
  // The documents first: the decision references them by number. Those of
  // an event not written after all (its id taken, its subject forgotten)
  // are left to the next collection (pz.collect_actions).
  bool loop_exists = resolve_numbers(loop_id, row, values, numbers, misses);
  if (loop_exists) {
    encode_candidates_param(row, numbers, values);
    if (SPI_execute_plan(queued_insert_plan, values, nulls, false, 0) != SPI_OK_INSERT)
      elog(ERROR, "pz: inserting into pz.decisions failed");
  }
  if (loop_exists && SPI_processed > 0) {
    // Written: its state with it, as insert_row() writes it.
    if (SPI_execute_plan(state_plan, values, nulls, false, 0) != SPI_OK_INSERT)
      elog(ERROR, "pz: inserting into pz.event_state failed");
  } else {
    if (SPI_execute_plan(existing_plan, const_cast<Datum*>(row.values), row.nulls, false, 1) != SPI_OK_SELECT)
      elog(ERROR, "pz: reading pz.decisions failed");
    bool is_null;
    if (SPI_processed == 0)
      result = QueuedWrite::kDiscarded;
    else if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null)))
      result = QueuedWrite::kAlreadyWritten;
    else
      result = QueuedWrite::kIdTaken;
  }
  SPI_finish();
  return result;
}

namespace {

template <size_t N>
BulkInsert* begin_append(const char* table, const ColumnSource (&sources)[N]) {
  const char* columns[N];
  for (size_t i = 0; i < N; ++i) columns[i] = sources[i].column;
  Oid relation = DatumGetObjectId(DirectFunctionCall1(regclassin, CStringGetDatum(table)));
  return bulk_insert_begin(relation, columns, static_cast<int>(N));
}

template <size_t N>
void append_row(BulkInsert* insert, const ColumnSource (&sources)[N], const Datum* values, const char* nulls) {
  Datum* row = bulk_insert_values(insert);
  bool* row_nulls = bulk_insert_nulls(insert);
  for (size_t i = 0; i < N; ++i) {
    row[i] = values[sources[i].param - 1];
    row_nulls[i] = nulls[sources[i].param - 1] == 'n';
  }
  bulk_insert_row(insert);
}

}  // namespace

int event_candidates(const EventRow& row, const int64** hashes) {
  int count = 0;
  *hashes = candidate_hashes(row, &count);
  return count;
}

Jsonb* event_action_document(const EventRow& row, int candidate) {
  return action_document(DatumGetJsonbP(row.values[4]), static_cast<size_t>(candidate));
}

void begin_event_append(EventAppend* append) {
  append->decisions = begin_append("pz.decisions", kDecisionSources);
  append->states = begin_append("pz.event_state", kStateSources);
}

void append_event(EventAppend* append, const EventRow& row, const int64* numbers) {
  Datum values[kStatementParams];
  char nulls[kStatementParams];
  memcpy(values, row.values, sizeof row.values);
  memcpy(nulls, row.nulls, sizeof row.nulls);
  nulls[kEventColumns] = nulls[kEventColumns + 1] = 'n';  // the documents: stored before
  nulls[kCandidatesParam] = ' ';
  encode_candidates_param(row, numbers, values);
  append_row(append->decisions, kDecisionSources, values, nulls);
  append_row(append->states, kStateSources, values, nulls);
}

void finish_event_append(EventAppend* append) {
  bulk_insert_finish(append->decisions);
  bulk_insert_finish(append->states);
}

}  // namespace pz::pg
