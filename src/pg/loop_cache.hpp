// The one place a rank call gets its loop from: the loop's settings and its
// current model, reloaded when the loop's row says a newer model or new
// settings exist. The model reads the server's one shared copy of that version
// when pz is preloaded (see shared_models.hpp), else a copy of this backend's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/model.hpp"
#include "core/settings.hpp"
#include "pg/shared_models.hpp"

namespace pz::pg {

struct CachedLoop {
  int32_t loop_id = 0;
  int64_t model_version = -1;
  int64_t updated_at = 0;  // pz.loops.updated_at, microseconds: changes with the settings
  uint64_t generation = 0;  // loops_generation() when last known current; 0: re-read
  LoopSettings settings;
  bool apprentice = false;  // settings.mode = 'apprentice': show the baseline, learn from it
  std::unique_ptr<Model> model;
  // The server's copy the model scores from (Model::over_weights), when held;
  // else the model owns a private copy.
  SharedModelLease shared;
};

// The loop as of the current statement's snapshot. When pz is preloaded and no
// loop changed since the entry was read (the shared generation counter), this
// costs one atomic read; otherwise one indexed look-up of the loop's row.
// Throws SqlError (42704) for an unknown loop. The reference stays valid until
// the next call.
const CachedLoop& current_loop(const std::string& name);

// The logging setting of a loop that current_loop() returned in this call
// (found by id, so that whoever logs the event need not carry the loop).
Logging cached_loop_logging(int32_t loop_id);

}  // namespace pz::pg
