// Logs one decision to the decision log (pz.events): in the caller's transaction, or through the
// buffered-log queue, as the loop's `logging` setting says. The row is built
// in one place (a new column is one edit there) and written either way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/policy.hpp"
#include "pg/postgres.hpp"
#include "pg/rank_request.hpp"

namespace pz::pg {

struct EventRecord {
  pg_uuid_t event_id;
  int32_t loop_id;
  int64_t model_version;
  Jsonb* context;
  Jsonb* actions;  // as given; the excluded ones are left out when stored
  size_t action_count;  // elements of `actions` as given
  const std::vector<Candidate>* candidates;
  const std::vector<double>* scores;  // by candidate
  const Decision* decision;
  bool active;
  const std::string* baseline;  // nullptr: none
  const bytea* subject_hash;    // nullptr: none (see subjects.hpp)
  bool given_event_id = false;  // options.event_id: checked for reuse before queuing
  // The content hash of each element of `actions` (action_hash), when the
  // caller knows them; nullptr: hashed here.
  const int64_t* action_hashes = nullptr;
};

std::string uuid_text(const pg_uuid_t& uuid);

// Logs the decision of a loop that current_loop() returned in this call.
// Transactional: inserts it in the caller's transaction. Buffered: queues it
// and writes nothing (when the queue stays full, inserts it itself if the
// transaction can write). Throws SqlError 23505 when the event id is already
// logged, 55000 when buffered logging is not available here, 53000 when the
// queue is full and the transaction is read-only.
void insert_event(const EventRecord& record);

// Throws SqlError (55000) unless this backend can queue records: pz
// preloaded, and this the database the pz logger serves.
void check_buffering_available();

// --- The logger's side (PostgreSQL side: may ereport).

constexpr int kEventColumns = 17;
// Positions in EventRow of the columns read outside event_log.cpp.
constexpr int kEventIdColumn = 0;
constexpr int kEventLoopColumn = 1;
constexpr int kEventCreatedAtColumn = 2;
constexpr int kEventSubjectHashColumn = 13;

// The values of one logged event, as the writes take them (see event_log.cpp).
struct EventRow {
  Datum values[kEventColumns];
  char nulls[kEventColumns];  // 'n' for NULL, as SPI takes them
};

// Rebuilds a row that insert_event() queued, palloc'd in the current context.
void restore_event_row(const char* serialized, EventRow* row);

// Whether `size` bytes from another server (a forwarded batch) are a row that
// restore_event_row() can read: every column present, with its type's size
// and nullability, nothing read past the end; else the reason in *error.
// The values inside (jsonb, arrays) are trusted as the sender's own: only
// members of pz_forwarder may send.
bool event_row_valid(const char* serialized, uint32 size, const char** error);

enum class QueuedWrite { kWritten, kAlreadyWritten, kDiscarded, kIdTaken };

// Inserts a queued row unless it is already there (written before a crash of
// the logger, or by pz_activate): idempotent by event id. kIdTaken: another
// decision was logged with the same options.event_id meanwhile.
QueuedWrite write_queued_row(const EventRow& row);

// --- Appending the rows of queued events in bulk (queued_batch.hpp): the
// same columns and values as write_queued_row's statements, none of its checks.

// A row's candidates: their content hashes, and how many.
int event_candidates(const EventRow& row, const int64** hashes);

// The document of a row's candidate, as pz.actions stores it.
Jsonb* event_action_document(const EventRow& row, int candidate);

struct BulkInsert;
struct EventAppend {
  BulkInsert* decisions;
  BulkInsert* states;
};

// Opens pz.decisions and pz.event_state for appending (pg/bulk_insert.hpp:
// an ERROR for a table with triggers). The rows appended must live until
// finish_event_append().
void begin_event_append(EventAppend* append);

// Appends an event and its state; `numbers`: each candidate's document's
// number (pz.actions.action_number), every one known.
void append_event(EventAppend* append, const EventRow& row, const int64* numbers);

// Appends the rows still held and closes the tables.
void finish_event_append(EventAppend* append);

}  // namespace pz::pg
