#include "pg/schema_version.hpp"

#include "pg/postgres.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
}

#ifndef PZ_VERSION
#error "PZ_VERSION (the extension version this library serves) is set by the Makefile"
#endif

namespace pz::pg {

namespace {

bool known_current = false;

// The installed extversion of pz, palloc'd; NULL when pz is not installed.
char* read_installed_version() {
  Relation extensions = table_open(ExtensionRelationId, AccessShareLock);
  ScanKeyData key;
  ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
              CStringGetDatum("pz"));
  SysScanDesc scan = systable_beginscan(extensions, ExtensionNameIndexId, true, nullptr, 1, &key);
  HeapTuple tuple = systable_getnext(scan);
  char* version = nullptr;
  if (HeapTupleIsValid(tuple)) {
    bool is_null = true;
    Datum datum = heap_getattr(tuple, Anum_pg_extension_extversion, RelationGetDescr(extensions), &is_null);
    if (!is_null) version = text_to_cstring(DatumGetTextPP(datum));
  }
  systable_endscan(scan);
  table_close(extensions, AccessShareLock);
  return version;
}

}  // namespace

SchemaState installed_schema() {
  if (known_current) return SchemaState::kCurrent;
  char* version = read_installed_version();
  if (version == nullptr) return SchemaState::kAbsent;
  known_current = strcmp(version, PZ_VERSION) == 0;
  pfree(version);
  return known_current ? SchemaState::kCurrent : SchemaState::kOther;
}

void require_current_schema() {
  if (creating_extension || installed_schema() != SchemaState::kOther) return;
  char* version = read_installed_version();
  ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                  errmsg("pz's SQL objects in this database are version %s, its library is version %s",
                         version, PZ_VERSION),
                  errhint("Run ALTER EXTENSION pz UPDATE in this database.")));
}

}  // namespace pz::pg
