// Whether the extension's SQL objects in this database are the version this
// library was built for. After a binary upgrade and before `ALTER EXTENSION
// pz UPDATE`, the old SQL objects call into the new library: refusing then,
// with a hint, beats writing rows in a layout the old tables do not have.
#pragma once

namespace pz::pg {

enum class SchemaState {
  kAbsent,   // pz is not installed in this database
  kCurrent,  // installed at the library's version
  kOther,    // installed at another version: waiting for ALTER EXTENSION UPDATE
};

// PostgreSQL side: may ereport. The answer kCurrent is remembered for the
// rest of the backend's life; the others are read again at every call.
SchemaState installed_schema();

// Raises 55000 unless installed_schema() is kCurrent, or an extension script
// is running (CREATE or ALTER EXTENSION calls pz's functions on its way to
// the new version). PostgreSQL side: may ereport.
void require_current_schema();

}  // namespace pz::pg
