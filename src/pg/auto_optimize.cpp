#include "pg/auto_optimize.hpp"

#include "pg/loop_function.hpp"

namespace pz::pg {

namespace {

const Oid kAutoOptimizeTypes[1] = {TEXTOID};
LoopFunction run_auto_optimize{"run_auto_optimize", 1, kAutoOptimizeTypes,
                               "SELECT pz.run_auto_optimize($1)", nullptr};

}  // namespace

bool optimize_if_due(const char* loop) {
  (void)call_loop_function(run_auto_optimize, loop);
  return false;
}

}  // namespace pz::pg
