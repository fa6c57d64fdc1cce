#include "checkpoints.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "database.hpp"

namespace pz_sim {

Checkpoints::Checkpoints(const Options& options, std::vector<std::string> loops, double reward_wait_seconds)
    : every_(options.train_every), visits_(options.visits), loops_(std::move(loops)),
      reward_wait_seconds_(reward_wait_seconds) {}

void Checkpoints::start(RunState& state) const { state.open_until = every_ > 0 ? std::min(every_, visits_) : visits_; }

bool Checkpoints::poll(pqxx::connection& connection, RunState& state) {
  const long block_end = state.open_until;
  if (every_ <= 0 || trained_through_ >= block_end) return false;
  if (state.completed < block_end || state.rewards_pending > 0) return false;
  // Every event of the block was written before now: once the reward wait has
  // passed (and a margin for the clock), pz_train joins all of them.
  std::this_thread::sleep_for(std::chrono::duration<double>(reward_wait_seconds_ + 0.05));
  for (const std::string& loop : loops_) train(connection, loop);
  trained_through_ = block_end;
  ++trained_;
  state.open_until = std::min(block_end + every_, visits_);
  return true;
}

bool Checkpoints::finished(const RunState& state) const {
  return state.completed >= visits_ && (every_ <= 0 || trained_through_ >= visits_);
}

}  // namespace pz_sim
