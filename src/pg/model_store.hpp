// Reading and storing model versions (pz.models), for ranking, training and
// imports.
#pragma once

#include <string>

#include "pg/postgres.hpp"

namespace pz::pg {

// The weights of model `version` of a loop, copied into `into`. PostgreSQL
// side: call it connected to SPI; raises XX001 if that version is missing.
// Each call reads with a new snapshot, so it sees what committed before it.
bytea* read_model_weights(int32 loop_id, int64 version, const char* loop_name, MemoryContext into);

// Stores `blob` (a serialized model) as `version` of the loop, makes it the
// current one and prunes versions older than the last `models_kept`.
// PostgreSQL side: call it connected to SPI, holding the loop's row.
void store_model_version(int32 loop_id, int32 models_kept, int64 version, int64 examples,
                         const std::string& blob, const char* metrics);

}  // namespace pz::pg
