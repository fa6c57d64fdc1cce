// Candidate actions given as rows of a composite type (pz_rank_rows), read
// straight from the tuples into the tokens that the equivalent jsonb action
// {"id": <key column>, "features": {<column>: <value>, ...}} would give, so
// that featurizing, learning and evaluating do not depend on the form the
// actions came in. Column names are hashed once per row type and backend.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/action_cache.hpp"
#include "pg/jsonb_tokens.hpp"
#include "pg/postgres.hpp"
#include "pg/row_plans.hpp"

namespace pz::pg {

// The rows of one call, each with its features object in `tokens` unless
// it was found in the cache.
struct RowActions {
  JsonTokens tokens;
  int count;
  const char** ids;  // the key column's text (not terminated); a cached row's: valid until the cache changes
  int* id_lengths;
  size_t* features_token;  // index of each row's features object in tokens (rows not cached)
  Datum* items;            // each row as given
  const RowPlan* plan;     // how every row was read; nullptr when the rows' types differ
  // When the rows were looked up in a cache (else nullptr): each row's
  // entry, ActionCache::kNone for a row read here, and (for those) its key's hash.
  size_t* entries;
  uint64* key_hashes;
};

// A row's key in the cache: the head names the plan it is read with (its
// type's version and the columns chosen) and the row's attribute count and
// whether it has nulls; the body is the tuple from its null bitmap to the
// end of its data, in place. With the plan's descriptor they determine every
// value (the header's other fields, hint bits and location, vary).
struct RowKey {
  char head_bytes[sizeof(uint64) + sizeof(uint16) + 1];
  std::string_view body;
  std::string_view head() const { return std::string_view(head_bytes, sizeof head_bytes); }
};
RowKey row_key(const RowPlan* plan, HeapTupleHeader row);

// Throws 22023 unless `array_type` is an array of a composite type (or of a domain over one).
// Unguarded (may ereport).
void check_row_array_type(Oid array_type);

// Reads every row of `actions`, their tokens appended to `tokens`; with a
// `cache`, only the rows it does not hold, when the rows can be cached
// (one type, each value's document a function of its bytes). Unguarded (may
// ereport): 22023 for a NULL row, a row type without the key column or with
// a NULL key, and a column named in action_features that the row type does not have.
void read_row_actions(ArrayType* actions, const RowColumns* columns, ActionCache* cache,
                      TokenBuffer* tokens, RowActions* out);

// The rows at `elements` as pz.events.actions stores candidates:
// [{"id": ..., "features": {...}}, ...]. Unguarded (may ereport).
Jsonb* row_actions_jsonb(const RowActions* rows, const size_t* elements, size_t count);

}  // namespace pz::pg
