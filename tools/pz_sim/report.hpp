// The end-of-run tables: average reward per time bucket and per persona, each
// next to a uniform random pick and the best item of the same visits.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "visits.hpp"

namespace pz_sim {

struct Tally {
  long visits = 0;
  double clicks = 0, shown = 0, random = 0, best = 0;
  void add(const VisitResult& r);
  double mean(double sum) const { return visits ? sum / visits : 0; }
  // Share of the gap from random to best that pz closed (from the expected rewards).
  double captured() const;
};

struct Summary {
  std::vector<Tally> buckets;                    // by visit order
  std::vector<std::vector<Tally>> persona_buckets;  // [persona][bucket]
  std::vector<Tally> personas, personas_first, personas_last;  // all, first bucket, last 30%
  Tally total;
};

Summary summarize(const std::vector<VisitResult>& results, int buckets, size_t persona_count);
void print_report(std::FILE* out, const Summary& summary, const std::vector<Persona>& personas);

}  // namespace pz_sim
