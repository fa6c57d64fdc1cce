// pz.decisions.candidates between PostgreSQL and the core's encoding
// (core/logged_candidates.hpp): building the value from the writer's arrays,
// and reading it back for the trainer and the view pz.events.
#pragma once

#include <string>

#include "core/logged_candidates.hpp"
#include "pg/postgres.hpp"

namespace pz::pg {

// C++ side: the encoded bytes of a stored value (throws SqlError 22P02 when
// they are not an encoded value).
LoggedCandidates decode_stored_candidates(const bytea* value);

// PostgreSQL side (may ereport; no exception out): the value of `count`
// candidate numbers and `ranks` ranks (`ranking` 1-based positions, or null
// for a ranking kept as ids; `scores` null when none is known), palloc'ed; or
// NULL with `*error` set when they cannot be encoded.
bytea* encode_candidates(const int64* numbers, int count, const int32* ranking, int ranks,
                         const double* probabilities, const double* scores, const char** error);

// What a training step reads of an event's candidates (PostgreSQL-side
// callers; no exception out): how many there are, the probability of rank 1,
// and when ranked the numbers of the actions at ranks 1 to 1 + `slots`
// (`numbers` holds 1 + slots). False with `*error` set for a malformed value.
struct TrainingCandidates {
  int32 count;
  double probability;
  bool ranked;
  int ranks;  // how many ranks there are
};
bool read_training_candidates(const bytea* value, int slots, TrainingCandidates* out, int64* numbers,
                              const char** error) noexcept;

// PostgreSQL side (may ereport): a bytea of the encoded bytes, in the
// current memory context.
bytea* candidates_bytea(const std::string& encoded);

}  // namespace pz::pg
