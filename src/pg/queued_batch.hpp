// The pz logger's write of a batch of queued events: the new ones appended to
// pz.decisions and pz.event_state in bulk (pg/bulk_insert.hpp: one executor
// state and one parse of the tables' CHECK constraints a batch, one WAL record
// a page), their candidates' new documents stored with one statement a loop.
// Every outcome is the one write_queued_row() gives an event by itself.
//
// PostgreSQL side (plain C: may ereport anywhere).
#pragma once

#include "pg/event_log.hpp"

namespace pz::pg {

// Whether the event tables can be appended to in bulk: plain tables without
// triggers (a DBA's trigger must fire for each event: write_queued_row()
// then, one event at a time).
bool queued_rows_appendable();

// Writes `count` restored rows of queued events in the current transaction:
// results[i] is what write_queued_row(rows[i]) would have returned. Events
// logged already (written before a crash of the logger, by pz_activate, or
// an options.event_id taken meanwhile) and a repeated event id of the batch
// go through write_queued_row(); those of a dropped loop or of a subject
// forgotten since are discarded; the others are appended. An ERROR (a
// document's hash collision, an event id logged by a transaction that
// committed after the look-up) fails the whole batch: the logger then writes
// its events one at a time.
void write_queued_rows(const EventRow* rows, int count, QueuedWrite* results);

}  // namespace pz::pg
