// A one-line progress bar on stderr, redrawn in place while the visits run.
#pragma once

#include <chrono>

#include "visits.hpp"

namespace pz_sim {

class Progress {
 public:
  explicit Progress(long total) : total_(total), start_(std::chrono::steady_clock::now()) {}
  void draw(RunState& state, long model_version);
  void finish(RunState& state, long model_version);

 private:
  long total_;
  std::chrono::steady_clock::time_point start_;
  int last_tenth_ = -1;
};

}  // namespace pz_sim
