#include "pg/reward_query.hpp"

namespace pz::pg {

std::string reward_expression(std::string_view aggregation, std::string_view only) {
  const std::string filter = only.empty() ? std::string() : " FILTER (WHERE " + std::string(only) + ")";
  // Not greatest(-1, least(1, sum)): least() ignores a NULL sum (no reward
  // meets the filter) and would make it 1.
  if (aggregation == "sum") {
    const std::string sum = "sum(r.value)" + filter;
    return "CASE WHEN " + sum + " > 1 THEN 1 WHEN " + sum + " < -1 THEN -1 ELSE " + sum + " END";
  }
  if (aggregation == "average") return "avg(r.value)" + filter;
  if (aggregation == "median") return "percentile_cont(0.5) WITHIN GROUP (ORDER BY r.value)" + filter;
  if (aggregation == "min") return "min(r.value)" + filter;
  if (aggregation == "max") return "max(r.value)" + filter;
  // earliest: an aggregate of pz's own, since an ordered one sorts for every group.
  return "pz.earliest_reward(r.value, r.received_at, r.reward_id)" + filter;
}

std::string signal_rewards_subquery(std::string_view aggregation, std::string_view event_id,
                                    std::string_view through, std::string_view slot) {
  return "(SELECT jsonb_object_agg(s.signal, s.reward)::text FROM ("
         "   SELECT r.signal, " +
         reward_expression(aggregation) +
         " AS reward FROM pz.rewards r "
         "    WHERE r.event_id = " +
         std::string(event_id) + " AND r.received_at <= " + std::string(through) +
         "      AND r.signal IS NOT NULL AND coalesce(r.slot, 1) = " +
         std::string(slot) + " GROUP BY r.signal) s)";
}

std::string slot_signal_rewards_array(std::string_view aggregation, std::string_view event_id,
                                      std::string_view through, std::string_view slot_probabilities,
                                      int first_slot) {
  const std::string slots = "cardinality(" + std::string(slot_probabilities) + ")";
  return "CASE WHEN " + slots + " >= " + std::to_string(first_slot) + " THEN ARRAY(SELECT " +
         signal_rewards_subquery(aggregation, event_id, through, "j.slot") + " FROM generate_series(" +
         std::to_string(first_slot) + ", " + slots + ") AS j(slot) ORDER BY j.slot) END";
}

}  // namespace pz::pg
