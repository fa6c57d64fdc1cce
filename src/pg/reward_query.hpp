// The SQL that reads an event's rewards from pz.rewards, for the trainer (the
// reward it learns) and for evaluation (re-scoring a log under an objective):
// one definition of how reward_aggregation combines rewards.
#pragma once

#include <string>
#include <string_view>

namespace pz::pg {

// An aggregate over the rewards `r` of one event (reward_aggregation), over
// those meeting the SQL condition `only` (empty: all of them).
std::string reward_expression(std::string_view aggregation, std::string_view only = {});

// A scalar subquery: the text of a JSON object of signal name -> its rewards
// combined by `aggregation`, over the named rewards of the event whose id is
// the SQL expression `event_id` received by the SQL expression `through`;
// NULL when it has no named reward. Unnamed rewards have no place in an
// objective and are left out. Only rewards of the slot given by the SQL
// expression `slot` count (for slot 1 also those naming no slot).
std::string signal_rewards_subquery(std::string_view aggregation, std::string_view event_id,
                                    std::string_view through, std::string_view slot = "1");

// An array expression: signal_rewards_subquery for each slot from
// `first_slot` to the last one the event showed (the cardinality of the SQL
// expression `slot_probabilities`), in slot order, so that an objective
// weighs each slot's signals; NULL when the event showed fewer slots.
std::string slot_signal_rewards_array(std::string_view aggregation, std::string_view event_id,
                                      std::string_view through, std::string_view slot_probabilities,
                                      int first_slot);

}  // namespace pz::pg
