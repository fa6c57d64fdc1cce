// Rows appended to a table in bulk, the way COPY FROM appends them: tuples
// given to table_multi_insert with a bulk-insert state (the target page stays
// pinned; one WAL record a page, not one a row; but no ring of buffers, so
// the pages stay in shared buffers as an INSERT's do), then their index entries;
// NOT NULL and CHECK constraints checked. For a table without triggers and
// without defaults on the columns left out (refused: such a table needs
// INSERT). No ON CONFLICT: a key already present fails its unique index (23505).
// PostgreSQL side only (plain C calls: may ereport anywhere).
#pragma once

#include "pg/postgres.hpp"

namespace pz::pg {

struct BulkInsert;

// Opens `relation_id` for appending (RowExclusiveLock, held to the end of
// the transaction); `columns` names the `ncolumns` columns each row gives,
// in that order; the others are NULL. Allocates in the current memory
// context, which must outlive bulk_insert_finish(); the values of the rows
// held need to live until they are appended.
BulkInsert* bulk_insert_begin(Oid relation_id, const char* const* columns, int ncolumns);

// As bulk_insert_begin, for a table whose one row trigger is `trigger`, which
// the caller has found to do nothing for the rows it will append (its WHEN
// clause is false for this caller, say): it is not fired (another trigger is
// refused). The columns left out get their defaults, evaluated for each row
// as an INSERT evaluates them (a sequence's next value, say).
BulkInsert* bulk_insert_begin_untriggered(Oid relation_id, const char* const* columns, int ncolumns,
                                          const char* trigger);

// The next row's values and nulls (ncolumns each), to fill before bulk_insert_row().
Datum* bulk_insert_values(BulkInsert* insert);
bool* bulk_insert_nulls(BulkInsert* insert);

// Takes the row filled in; appended with the next ones (at the latest by
// bulk_insert_flush or bulk_insert_finish).
void bulk_insert_row(BulkInsert* insert);

// Appends the rows still held: statements run after it see them.
void bulk_insert_flush(BulkInsert* insert);

// Appends the rows still held and closes the table.
void bulk_insert_finish(BulkInsert* insert);

// Which of `count` values of the (one-column) primary key of `relation_id` a
// new snapshot sees in the table (committed rows and this transaction's):
// present[i]. One index probe a key: a plan for "= ANY (keys)" may scan the
// table instead.
void primary_keys_present(Oid relation_id, const Datum* keys, int count, bool* present);

}  // namespace pz::pg
