// The "pz logger" background worker: writes the events that rank calls of
// loops with logging = buffered queued (log_queue.hpp) to pz.events, in
// batches of one transaction each, every pz.log_flush_interval or as soon as
// the queue is half full. A process of its own, apart from the trainer, so
// that a training step of seconds never delays a write, and its exits and
// restarts never disturb training.
#pragma once

namespace pz::pg {

// Registers the worker; called from _PG_init while preloading.
void register_logger();

}  // namespace pz::pg
