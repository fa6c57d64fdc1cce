#include "pg/reward_query.hpp"

namespace pz::pg {

std::string reward_expression(std::string_view aggregation) {
  if (aggregation == "sum") return "greatest(-1, least(1, sum(r.value)))";
  if (aggregation == "average") return "avg(r.value)";
  if (aggregation == "median") return "percentile_cont(0.5) WITHIN GROUP (ORDER BY r.value)";
  if (aggregation == "min") return "min(r.value)";
  if (aggregation == "max") return "max(r.value)";
  return "(array_agg(r.value ORDER BY r.received_at, r.reward_id))[1]";
}

std::string signal_rewards_subquery(std::string_view aggregation, std::string_view event_id,
                                    std::string_view through) {
  return "(SELECT jsonb_object_agg(s.signal, s.reward)::text FROM ("
         "   SELECT r.signal, " +
         reward_expression(aggregation) +
         " AS reward FROM pz.rewards r "
         "    WHERE r.event_id = " +
         std::string(event_id) + " AND r.received_at <= " + std::string(through) +
         "      AND r.signal IS NOT NULL GROUP BY r.signal) s)";
}

}  // namespace pz::pg
