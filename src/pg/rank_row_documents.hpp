// The documents pz_rank_rows logs for its candidates, {"id": ..., "features":
// {...}}, kept per backend under the bytes of the row each came from: a
// catalog's rows recur from call to call, and building every candidate's
// document for each logged decision was the largest part of logging one
// (about 14 of 22 µs at 50 rows, perf).
#pragma once

#include <cstddef>
#include <vector>

#include "pg/postgres.hpp"
#include "pg/rank_request.hpp"
#include "pg/row_actions.hpp"

namespace pz::pg {

// The candidates' rows as pz.events.actions stores them, byte for byte what
// row_actions_jsonb gives, and their content hashes (action_hash), by
// candidate, in `*hashes` (nullptr when not known: the caller hashes them).
Jsonb* logged_row_documents(const RowActions& rows, const std::vector<Candidate>& candidates, int64** hashes);

}  // namespace pz::pg
