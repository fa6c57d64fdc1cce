#include "pg/logged_candidates.hpp"

#include <vector>

#include "core/errors.hpp"
#include "pg/guard.hpp"

namespace pz::pg {

LoggedCandidates decode_stored_candidates(const bytea* value) {
  try {
    return decode_logged_candidates(reinterpret_cast<const unsigned char*>(VARDATA_ANY(value)),
                                    VARSIZE_ANY_EXHDR(value));
  } catch (const InputError& error) {
    throw SqlError(ERRCODE_INVALID_TEXT_REPRESENTATION, error.what(),
                   "The value is not one that pz wrote to pz.decisions.candidates.");
  }
}

bytea* candidates_bytea(const std::string& encoded) {
  bytea* value = static_cast<bytea*>(palloc(VARHDRSZ + encoded.size()));
  SET_VARSIZE(value, VARHDRSZ + encoded.size());
  memcpy(VARDATA(value), encoded.data(), encoded.size());
  return value;
}

namespace {

size_t encoded_candidates_bound(int count, int ranks) {
  // Header and counts; a varint per number and position; probabilities
  // raw at worst (a table is used only when smaller); float4 scores.
  return 32 + 10 * static_cast<size_t>(count) + (5 + 8 + 4) * static_cast<size_t>(ranks);
}

size_t encode_candidates_into(const int64* numbers, int count, const int32* ranking, int ranks,
                              const double* probabilities, const double* scores, char* buffer, size_t capacity,
                              const char** error) noexcept {
  try {
    // Kept between calls: the logger encodes every event of a batch, and
    // new vectors for each cost it more than the encoding.
    static LoggedCandidates candidates;
    candidates.numbers.assign(numbers, numbers + count);
    candidates.ranking.clear();
    candidates.ranked = ranking != nullptr;
    if (candidates.ranked) {
      for (int i = 0; i < ranks; ++i) {
        if (ranking[i] < 1 || ranking[i] > count) {
          *error = "a ranking position is outside the candidates";
          return 0;
        }
        candidates.ranking.push_back(static_cast<uint32_t>(ranking[i] - 1));
      }
    }
    candidates.probabilities.assign(probabilities, probabilities + ranks);
    candidates.scored = scores != nullptr;
    candidates.scores.clear();
    if (candidates.scored) candidates.scores.assign(scores, scores + ranks);
    std::string encoded = encode_logged_candidates(candidates);
    if (encoded.empty() || encoded.size() > capacity) {
      *error = "the encoding is larger than its bound";
      return 0;
    }
    memcpy(buffer, encoded.data(), encoded.size());
    return encoded.size();
  } catch (const std::bad_alloc&) {
    *error = "out of memory";
  } catch (...) {
    *error = "the candidates do not align";
  }
  return 0;
}

}  // namespace

bytea* encode_candidates(const int64* numbers, int count, const int32* ranking, int ranks,
                         const double* probabilities, const double* scores, const char** error) {
  size_t capacity = encoded_candidates_bound(count, ranks);
  bytea* value = static_cast<bytea*>(palloc(VARHDRSZ + capacity));
  size_t size = encode_candidates_into(numbers, count, ranking, ranks, probabilities, scores, VARDATA(value), capacity,
                                       error);
  if (size == 0) return nullptr;
  SET_VARSIZE(value, VARHDRSZ + size);
  return value;
}

bool read_training_candidates(const bytea* value, int slots, TrainingCandidates* out, int64* numbers,
                              const char** error) noexcept {
  try {
    LoggedCandidates candidates = decode_logged_candidates(
        reinterpret_cast<const unsigned char*>(VARDATA_ANY(value)), VARSIZE_ANY_EXHDR(value));
    out->count = static_cast<int32>(candidates.numbers.size());
    out->probability = candidates.probabilities.empty() ? 0.0 : candidates.probabilities[0];
    out->ranked = candidates.ranked;
    out->ranks = static_cast<int>(candidates.probabilities.size());
    if (candidates.ranked)
      for (int i = 0; i <= slots && i < out->ranks; ++i) numbers[i] = candidates.numbers[candidates.ranking[i]];
    return true;
  } catch (const InputError&) {
    *error = "pz.decisions.candidates holds a malformed value";
  } catch (...) {
    *error = "out of memory";
  }
  return false;
}

namespace {

// The elements of a one-dimensional array argument, NULLs marked.
struct Elements {
  Datum* values = nullptr;
  bool* nulls = nullptr;
  int count = 0;
};

Elements elements_of(ArrayType* array, Oid type, int16 length, bool by_value, char align) {
  Elements out;
  deconstruct_array(array, type, length, by_value, align, &out.values, &out.nulls, &out.count);
  return out;
}

SqlError bad_argument(const std::string& message) { return SqlError(ERRCODE_INVALID_PARAMETER_VALUE, message); }

ArrayType* int8_array(const std::vector<int64_t>& values) {
  Datum* items = static_cast<Datum*>(palloc(sizeof(Datum) * (values.empty() ? 1 : values.size())));
  for (size_t i = 0; i < values.size(); ++i) items[i] = Int64GetDatum(values[i]);
  return construct_array(items, static_cast<int>(values.size()), INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
                         TYPALIGN_DOUBLE);
}

ArrayType* float8_array(const std::vector<double>& values, bool all_null) {
  Datum* items = static_cast<Datum*>(palloc0(sizeof(Datum) * (values.empty() ? 1 : values.size())));
  bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * (values.empty() ? 1 : values.size())));
  for (size_t i = 0; i < values.size(); ++i) {
    items[i] = all_null ? 0 : Float8GetDatum(values[i]);
    nulls[i] = all_null;
  }
  int dims[1] = {static_cast<int>(values.size())};
  int lbs[1] = {1};
  if (values.empty()) return construct_empty_array(FLOAT8OID);
  return construct_md_array(items, nulls, 1, dims, lbs, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

// The stored value of argument 0, decoded.
LoggedCandidates stored_argument(FunctionCallInfo fcinfo) {
  bytea* value = nullptr;
  pg_call([&] { value = PG_GETARG_BYTEA_PP(0); });
  return decode_stored_candidates(value);
}

}  // namespace

}  // namespace pz::pg

// pz.encode_candidates(numbers, ranking, probabilities, scores): the value of
// pz.decisions.candidates. ranking (1-based positions into numbers) NULL: the
// ranking is kept as ids; scores NULL or all NULL: none known.
PZ_SQL_FUNCTION(pz_encode_candidates) {
  using namespace pz::pg;
  if (PG_ARGISNULL(0)) throw bad_argument("numbers must not be null");
  if (PG_ARGISNULL(2)) throw bad_argument("probabilities must not be null");
  Elements numbers, ranking, probabilities, scores;
  pg_call([&] {
    numbers = elements_of(PG_GETARG_ARRAYTYPE_P(0), INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
    if (!PG_ARGISNULL(1)) ranking = elements_of(PG_GETARG_ARRAYTYPE_P(1), INT4OID, sizeof(int32), true, TYPALIGN_INT);
    probabilities =
        elements_of(PG_GETARG_ARRAYTYPE_P(2), FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
    if (!PG_ARGISNULL(3))
      scores = elements_of(PG_GETARG_ARRAYTYPE_P(3), FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
  });
  pz::LoggedCandidates candidates;
  for (int i = 0; i < numbers.count; ++i) {
    if (numbers.nulls[i]) throw bad_argument("an action number is null");
    candidates.numbers.push_back(DatumGetInt64(numbers.values[i]));
  }
  candidates.ranked = !PG_ARGISNULL(1);
  for (int i = 0; i < ranking.count; ++i) {
    int32 position = ranking.nulls[i] ? 0 : DatumGetInt32(ranking.values[i]);
    if (position < 1 || position > numbers.count)
      throw bad_argument("ranking position " + std::string(ranking.nulls[i] ? "null" : std::to_string(position)) +
                         " is not one of the " + std::to_string(numbers.count) + " candidates");
    candidates.ranking.push_back(static_cast<uint32_t>(position - 1));
  }
  for (int i = 0; i < probabilities.count; ++i) {
    if (probabilities.nulls[i]) throw bad_argument("a probability is null");
    candidates.probabilities.push_back(DatumGetFloat8(probabilities.values[i]));
  }
  int null_scores = 0;
  for (int i = 0; i < scores.count; ++i) null_scores += scores.nulls[i] ? 1 : 0;
  candidates.scored = scores.count > 0 && null_scores == 0;
  if (null_scores > 0 && null_scores < scores.count) throw bad_argument("scores must be all null or none null");
  if (candidates.scored) {
    for (int i = 0; i < scores.count; ++i) candidates.scores.push_back(DatumGetFloat8(scores.values[i]));
  } else if (scores.count > 0 && scores.count != probabilities.count) {
    throw bad_argument("scores and probabilities differ in length");
  }
  std::string encoded = pz::encode_logged_candidates(candidates);
  bytea* result = nullptr;
  pg_call([&] { result = candidates_bytea(encoded); });
  PG_RETURN_BYTEA_P(result);
}

// pz.candidate_numbers(candidates): the action numbers in the order given.
PZ_SQL_FUNCTION(pz_candidate_numbers) {
  using namespace pz::pg;
  pz::LoggedCandidates candidates = stored_argument(fcinfo);
  ArrayType* result = nullptr;
  pg_call([&] { result = int8_array(candidates.numbers); });
  PG_RETURN_ARRAYTYPE_P(result);
}

// pz.ranked_numbers(candidates): the action number of each rank; NULL when
// the ranking is kept as ids.
PZ_SQL_FUNCTION(pz_ranked_numbers) {
  using namespace pz::pg;
  pz::LoggedCandidates candidates = stored_argument(fcinfo);
  if (!candidates.ranked) PG_RETURN_NULL();
  std::vector<int64_t> ranked;
  ranked.reserve(candidates.ranking.size());
  for (uint32_t position : candidates.ranking) ranked.push_back(candidates.numbers[position]);
  ArrayType* result = nullptr;
  pg_call([&] { result = int8_array(ranked); });
  PG_RETURN_ARRAYTYPE_P(result);
}

// pz.candidate_probabilities(candidates): each rank's probability, exact.
PZ_SQL_FUNCTION(pz_candidate_probabilities) {
  using namespace pz::pg;
  pz::LoggedCandidates candidates = stored_argument(fcinfo);
  ArrayType* result = nullptr;
  pg_call([&] { result = float8_array(candidates.probabilities, false); });
  PG_RETURN_ARRAYTYPE_P(result);
}

// pz.candidate_scores(candidates): each rank's score (float4 precision); all
// NULL when none was logged.
PZ_SQL_FUNCTION(pz_candidate_scores) {
  using namespace pz::pg;
  pz::LoggedCandidates candidates = stored_argument(fcinfo);
  if (!candidates.scored) candidates.scores.assign(candidates.probabilities.size(), 0.0);
  ArrayType* result = nullptr;
  pg_call([&] { result = float8_array(candidates.scores, !candidates.scored); });
  PG_RETURN_ARRAYTYPE_P(result);
}
