// Rewards received on a hot standby, which cannot insert them: pz_reward
// queues each (pz.queue_reward) in the buffered-log queue with a key of its
// own, the standby's pz logger forwards it to the primary, and it is written
// there, or on this node once promoted, exactly once by that key
// (pz.forwarded_rewards).
//
// PostgreSQL side (plain C: may ereport).
#pragma once

#include "pg/postgres.hpp"

namespace pz::pg {

// Whether `size` bytes from another server are a queued reward; else the
// reason in *error.
bool reward_record_valid(const char* serialized, uint32 size, const char** error);

// When the reward was received (for the forwarding lag).
TimestampTz queued_reward_time(const char* serialized);

enum class RewardWrite { kWritten, kAlreadyWritten, kDiscarded, kRejected };

// Appends a queued reward of `event_id` to pz.rewards unless its key was
// written before. kDiscarded: its event is gone (forgotten, loop dropped);
// kRejected: pz.rewards refused it (pz.max_rewards_per_event), with a
// WARNING. *loop_id: the loop of its event, 0 when unknown.
RewardWrite write_queued_reward(const pg_uuid_t& event_id, const char* serialized, const char* node,
                                int32* loop_id);

}  // namespace pz::pg
