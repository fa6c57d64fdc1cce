// Candidate actions given as rows of a composite type (pz_rank_rows), read
// straight from the tuples into the tokens that the equivalent jsonb action
// {"id": <key column>, "features": {<column>: <value>, ...}} would give, so
// that featurizing, learning and evaluating do not depend on the form the
// actions came in. Column names are hashed once per row type and backend.
#pragma once

#include <cstddef>

#include "pg/jsonb_tokens.hpp"
#include "pg/postgres.hpp"
#include "pg/row_plans.hpp"

namespace pz::pg {

// The rows of one call, each with its features object in `tokens`.
struct RowActions {
  JsonTokens tokens;
  int count;
  const char** ids;  // the key column's text (not terminated)
  int* id_lengths;
  size_t* features_token;  // index of each row's features object in tokens
  Datum* items;            // each row as given
  const RowPlan* plan;     // how every row was read; nullptr when the rows' types differ
};

// Throws 22023 unless `array_type` is an array of a composite type (or of a domain over one).
// Unguarded (may ereport).
void check_row_array_type(Oid array_type);

// Reads every row of `actions`, their tokens appended to `tokens`. Unguarded (may ereport): 22023
// for a NULL row, a row type without the key column or with a NULL key, and a column named in
// action_features that the row type does not have.
void read_row_actions(ArrayType* actions, const RowColumns* columns, TokenBuffer* tokens,
                      RowActions* out);

// The rows at `elements` as pz.events.actions stores candidates:
// [{"id": ..., "features": {...}}, ...]. Unguarded (may ereport).
Jsonb* row_actions_jsonb(const RowActions* rows, const size_t* elements, size_t count);

}  // namespace pz::pg
