// pz_rank_rows' candidates kept per backend under the bytes of the row each
// came from (core/action_cache.hpp): the id, the features and the document
// {"id": ..., "features": {...}} that pz.events.actions logs. A catalog's
// rows recur from call to call: reading and featurizing every row at every
// call, and building every candidate's document for each logged decision
// (about 14 of 22 µs at 50 rows, perf), was most of a call.
#pragma once

#include <cstddef>
#include <vector>

#include "core/features.hpp"
#include "pg/postgres.hpp"
#include "pg/rank_request.hpp"
#include "pg/row_actions.hpp"

namespace pz::pg {

// Each candidate's features: a cached row's from the cache; the others
// featurized from their tokens (the InputError featurize_action throws) and,
// when the rows were looked up, added to the cache with their documents.
// Then every candidate of looked-up rows has its entry in rows.entries.
const std::vector<FeatureView>& featurize_rows(RowActions& rows, const std::vector<Candidate>& candidates);

// The candidates' rows as pz.events.actions stores them, byte for byte what
// row_actions_jsonb gives, and their content hashes (action_hash), by
// candidate, in `*hashes` (nullptr when not known: the caller hashes them).
// After featurize_rows.
Jsonb* logged_row_documents(const RowActions& rows, const std::vector<Candidate>& candidates, int64** hashes);

}  // namespace pz::pg
