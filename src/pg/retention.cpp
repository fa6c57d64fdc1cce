#include "pg/retention.hpp"

#include "pg/loop_function.hpp"

namespace pz::pg {

namespace {

const Oid kRetentionTypes[2] = {TEXTOID, INT4OID};
// The batch size is pz.apply_retention's default.
LoopFunction apply_retention{"apply_retention", 2, kRetentionTypes,
                             "SELECT (pz.apply_retention($1) ->> 'more_due')::boolean", nullptr};

}  // namespace

bool delete_expired_events(const char* loop) { return call_loop_function(apply_retention, loop); }

}  // namespace pz::pg
