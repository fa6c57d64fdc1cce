// pz.evaluate_segments(): the C side of pz_segments. The SQL wrapper
// (sql/update/82_segments.sql) finds the loop and checks the window; this
// parses the context path, runs one replay split by the path's value and
// returns a row per segment.
#include <string>
#include <vector>

#include "core/context_path.hpp"
#include "core/errors.hpp"
#include "pg/evaluate.hpp"
#include "pg/guard.hpp"
#include "pg/replay_arguments.hpp"

namespace pz::pg {
namespace {

struct SegmentArguments {
  ReplayArguments replay;
  char* path;
};

void read_arguments(FunctionCallInfo fcinfo, SegmentArguments* args) {
  InitMaterializedSRF(fcinfo, 0);
  if (PG_ARGISNULL(5))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("pz: null argument")));
  read_replay_arguments(fcinfo, &args->replay);
  args->path = text_to_cstring(PG_GETARG_TEXT_PP(5));
}

Datum float_or_null(const Estimate& estimate, double Estimate::*field, bool* is_null) {
  *is_null = !estimate.has_value;
  return Float8GetDatum(estimate.*field);
}

void emit_rows(FunctionCallInfo fcinfo, const std::vector<SegmentRow>* rows) {
  ReturnSetInfo* result = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  for (const SegmentRow& row : *rows) {
    Datum values[7];
    bool nulls[7] = {false, false, false, false, false, false, false};
    nulls[0] = !row.has_segment;
    values[0] = nulls[0] ? Datum(0)
                         : PointerGetDatum(cstring_to_text_with_len(
                               row.segment.data(), static_cast<int>(row.segment.size())));
    values[1] = Int64GetDatum(static_cast<int64>(row.events));
    values[2] = float_or_null(row.online, &Estimate::value, &nulls[2]);
    values[3] = float_or_null(row.random, &Estimate::value, &nulls[3]);
    values[4] = float_or_null(row.current, &Estimate::value, &nulls[4]);
    values[5] = float_or_null(row.current, &Estimate::ci_low, &nulls[5]);
    values[6] = float_or_null(row.current, &Estimate::ci_high, &nulls[6]);
    tuplestore_putvalues(result->setResult, result->setDesc, values, nulls);
  }
}

// Events were found but none has a value at the path: most likely a typo.
void check_path_found(const std::vector<SegmentRow>& rows, const char* path) {
  if (rows.empty()) return;
  for (const SegmentRow& row : rows)
    if (row.has_segment) return;
  throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                 std::string("no context of the loop's log has a value at path \"") + path + "\"",
                 "Write the path as the keys of the context passed to pz_rank, separated by dots, "
                 "such as user.segment.");
}

// The flag the fixed result columns have no room for: a NOTICE naming the
// segments (up to 20) where the current model is not above random.
void report_flagged(const std::vector<SegmentRow>& rows) {
  constexpr size_t kListed = 20;
  size_t flagged = 0;
  std::string list;
  for (const SegmentRow& row : rows) {
    if (!row.not_above_random()) continue;
    if (++flagged > kListed) continue;
    if (!list.empty()) list += ", ";
    list += (row.has_segment ? row.segment : std::string("(none)")) + " (" +
            std::to_string(row.events) + (row.events == 1 ? " event)" : " events)");
  }
  if (flagged == 0) return;
  if (flagged > kListed) list += " and " + std::to_string(flagged - kListed) + " more";
  pg_call([&] {
    ereport(NOTICE, (errmsg("the current model is not above random in %zu of %zu segments: %s",
                            flagged, rows.size(), list.c_str()),
                     errhint("Compare current with random and its interval in these rows; a "
                             "segment served badly may need features that tell it apart.")));
  });
}

}  // namespace
}  // namespace pz::pg

PZ_SQL_FUNCTION(pz_evaluate_segments) {
  SegmentArguments args;
  pg_call([&] { read_arguments(fcinfo, &args); });

  EvaluationRequest request;
  request.segment_path = parse_context_path(args.path);
  apply_replay_arguments(args.replay, &request);
  request.progress_label = "pz_segments";

  std::vector<SegmentRow> rows = evaluate_segments(request);
  check_path_found(rows, args.path);
  report_flagged(rows);
  pg_call([&] { emit_rows(fcinfo, &rows); });
  return static_cast<Datum>(0);
}
