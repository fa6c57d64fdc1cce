// Rewards waiting to be sent: a click is reported some time after the page
// was shown, as a real shop's tracking would.
#pragma once

#include <chrono>
#include <queue>
#include <string>
#include <vector>

namespace pz_sim {

using Clock = std::chrono::steady_clock;

struct PendingReward {
  Clock::time_point due;
  std::string event_id;
  double value;
  int slot = 0;  // 0: none
};

class DelayQueue {
 public:
  void push(PendingReward reward) { queue_.push(std::move(reward)); }
  bool empty() const { return queue_.empty(); }
  size_t size() const { return queue_.size(); }
  Clock::time_point next_due() const { return queue_.top().due; }
  bool due(Clock::time_point now) const { return !queue_.empty() && queue_.top().due <= now; }
  PendingReward pop() {
    PendingReward next = queue_.top();
    queue_.pop();
    return next;
  }

 private:
  struct Later {
    bool operator()(const PendingReward& a, const PendingReward& b) const { return a.due > b.due; }
  };
  std::priority_queue<PendingReward, std::vector<PendingReward>, Later> queue_;
};

}  // namespace pz_sim
