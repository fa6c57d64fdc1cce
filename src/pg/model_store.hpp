// Reading stored model versions (pz.models), for ranking and for training.
#pragma once

#include "pg/postgres.hpp"

namespace pz::pg {

// The weights of model `version` of a loop, copied into `into`. PostgreSQL
// side: call it connected to SPI; raises XX001 if that version is missing.
// Each call reads with a new snapshot, so it sees what committed before it.
bytea* read_model_weights(int32 loop_id, int64 version, const char* loop_name, MemoryContext into);

}  // namespace pz::pg
