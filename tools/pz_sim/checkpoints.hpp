// Training at fixed visit counts (--train-every N): the visits stop after
// every N, their clicks are sent, the reward wait passes and pz-sim trains
// the loop(s) with pz_train before the next N start. The models then learn
// from the same visits at the same points however the machine's load
// interleaves visits and the worker's steps, so that two runs (or two
// loops) are compared on their learning, not on their timing.
#pragma once

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "options.hpp"
#include "visits.hpp"

namespace pz_sim {

class Checkpoints {
 public:
  // `loops`: the loops to train at each checkpoint.
  Checkpoints(const Options& options, std::vector<std::string> loops, double reward_wait_seconds);
  // Opens the first block of visits (all of them without --train-every).
  void start(RunState& state) const;
  // When the open block's visits are done and their clicks sent: waits the
  // reward wait, trains and opens the next block. Returns whether it trained.
  bool poll(pqxx::connection& connection, RunState& state);
  // Every visit is done and, with --train-every, learned.
  bool finished(const RunState& state) const;
  int trained() const { return trained_; }

 private:
  long every_;
  long visits_;
  std::vector<std::string> loops_;
  double reward_wait_seconds_;
  long trained_through_ = 0;
  int trained_ = 0;
};

}  // namespace pz_sim
