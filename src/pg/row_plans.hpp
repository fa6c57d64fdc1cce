// The per-backend plans for reading rows of a composite type (pz_rank_rows):
// for each row type and choice of columns, which columns are features, in
// which order, how each value becomes tokens, and each column name's hashes,
// computed once and rebuilt when the type changes.
#pragma once

#include "core/document.hpp"
#include "pg/postgres.hpp"

namespace pz::pg {

// Which columns to read (the loop's action_key and action_features), as plain
// C for the PostgreSQL side.
struct RowColumns {
  const char* key;
  const char* const* features;  // nullptr: every column but the key
  int feature_count;
  // Identifies these choices among the cached plans of one row type.
  const char* signature;
  size_t signature_length;
};

// How a value of one type becomes tokens: as to_jsonb() would write it.
enum class ValueKind : uint8_t {
  kString,  // text, varchar, char(n): the bytes themselves
  kOther,   // enums and every other scalar type: the output function's text
  kInt2,
  kInt4,
  kInt8,
  kFloat4,
  kFloat8,
  kNumeric,
  kBool,
  kJsonb,
  kJson,
  kArray,
  kComposite,  // a nested row: an object of its columns
};

struct ValuePlan {
  ValueKind kind;
  FmgrInfo output;  // the base type's output function
  // kArray: the element type and how to read it
  Oid element_type;
  int16 element_length;
  bool element_by_value;
  char element_align;
  ValuePlan* element;
};

struct ColumnPlan {
  const char* name;
  uint32_t name_length;
  int attribute;  // index in the deformed row
  HashedKey key;  // hashed once, used for top-level keys
  ValuePlan value;
};

// One row type read with one choice of columns, in its own memory context.
struct RowPlan {
  RowPlan* next;
  MemoryContext context;
  Oid type;
  int32 typmod;
  uint64 identifier;  // the type cache's tuple descriptor identity when built
  uint64 serial;      // no other plan of this backend has had it: names the plan in cache keys
  char* signature;    // nullptr for nested rows (every column)
  size_t signature_length;
  TupleDesc descriptor;
  int key_attribute;  // -1: none (nested rows)
  ValuePlan key_value;
  ColumnPlan* features;  // in jsonb's key order (shorter names first, then bytewise)
  int feature_count;
};

// The plan for rows of (type, typmod) read with `columns` (nullptr: a nested
// row, every column a feature, no key). Unguarded (may ereport 22023 for a
// missing key column or a column of action_features the type does not have).
const RowPlan* find_row_plan(Oid type, int32 typmod, const RowColumns* columns);

}  // namespace pz::pg
