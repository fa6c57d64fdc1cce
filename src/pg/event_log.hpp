// Writes one decision to pz.events, in the caller's transaction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/policy.hpp"
#include "pg/postgres.hpp"
#include "pg/rank_request.hpp"

namespace pz::pg {

struct EventRecord {
  pg_uuid_t event_id;
  int32_t loop_id;
  int64_t model_version;
  Jsonb* context;
  Jsonb* actions;  // as given; the excluded ones are left out when stored
  size_t action_count;  // elements of `actions` as given
  const std::vector<Candidate>* candidates;
  const std::vector<double>* scores;  // by candidate
  const Decision* decision;
  bool active;
  const std::string* baseline;  // nullptr: none
  const bytea* subject_hash;    // nullptr: none (see subjects.hpp)
};

std::string uuid_text(const pg_uuid_t& uuid);

// Throws SqlError 23505 when the event id is already logged.
void insert_event(const EventRecord& record);

}  // namespace pz::pg
