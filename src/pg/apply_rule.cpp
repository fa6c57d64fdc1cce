// pz.judge_candidate(): the rule of src/core/apply_rule.hpp for pz_optimize,
// which passes the best candidate's improvement over the online policy.
#include <optional>
#include <string>

#include "core/apply_rule.hpp"
#include "pg/guard.hpp"

namespace pz::pg {
namespace {

Datum verdict_tuple(FunctionCallInfo fcinfo, const ApplyVerdict& verdict) {
  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
    elog(ERROR, "pz: pz.judge_candidate must return a record");
  desc = BlessTupleDesc(desc);
  Datum values[2] = {BoolGetDatum(verdict.apply),
                     PointerGetDatum(cstring_to_text_with_len(
                         verdict.reason.data(), static_cast<int>(verdict.reason.size())))};
  bool nulls[2] = {false, false};
  return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

}  // namespace
}  // namespace pz::pg

// (value, ci_low, ci_high, events) of the improvement; any NULL: nothing known.
PZ_SQL_FUNCTION(pz_judge_candidate) {
  std::optional<Estimate> improvement;
  if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1) && !PG_ARGISNULL(2) && !PG_ARGISNULL(3)) {
    Estimate e;
    e.value = PG_GETARG_FLOAT8(0);
    e.ci_low = PG_GETARG_FLOAT8(1);
    e.ci_high = PG_GETARG_FLOAT8(2);
    const int64 events = PG_GETARG_INT64(3);
    e.events = events > 0 ? static_cast<uint64_t>(events) : 0;
    e.has_value = true;
    improvement = e;
  }
  const ApplyVerdict verdict = judge_candidate(improvement);
  Datum result = 0;
  pg_call([&] { result = verdict_tuple(fcinfo, verdict); });
  return result;
}
