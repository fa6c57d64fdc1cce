// A small, fully specified generator (splitmix64): the same seed gives the same
// draws on every platform and library, unlike std::uniform_real_distribution.
#pragma once

#include <cstdint>

namespace pz {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next_u64();
  // Uniform in [0, 1).
  double next_double();

 private:
  uint64_t state_;
};

}  // namespace pz
