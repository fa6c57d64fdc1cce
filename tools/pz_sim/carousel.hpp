// The carousel mode (--carousel K): each visit shows K items at once, and the
// visitor looks at position j with a decreasing probability (attention^(j-1))
// and clicks what it looks at with its persona's probability. The same visits
// are ranked by two loops: one with options.slots = K (every position drawn
// and logged, rewards per slot), one with a single slot whose positions 2..K
// follow the scores (only position 1 is logged and rewarded).
#pragma once

#include <cstdio>
#include <random>
#include <vector>

namespace pz_sim {

inline constexpr int kPageArms = 2;
inline constexpr const char* kPageArmNames[kPageArms] = {"slots", "score-filled"};
inline constexpr int kSlotsArm = 0;
inline constexpr int kFilledArm = 1;

// One visit's chance: whether the visitor looks at each position and a
// uniform number that decides a click on what it sees there. Drawn once per
// visit and shared by both arms, so that they differ only by what they show.
struct PageChance {
  std::vector<bool> looks;
  std::vector<double> click_draw;
};
PageChance draw_page_chance(int positions, double attention, std::mt19937_64& rng);

// P(the visitor looks at position j), j from 1.
double attention_at(int position, double attention);
// Expected clicks of a page whose item at position j+1 has click probability p[j].
double expected_page_clicks(const std::vector<double>& p, double attention);

struct PageResult {
  bool done = false;
  double clicks[kPageArms] = {};           // observed, over the page
  double expected[kPageArms] = {};         // from the hidden probabilities
  std::vector<double> position_clicks[kPageArms];  // observed, by position
  double random = 0;  // expected clicks of K distinct items drawn uniformly
  double best = 0;    // of the K best viable items, best first
};

// The comparison table: each arm's page reward over all visits and over the
// second half, the paired difference slots - score-filled with its 95%
// interval, and one line "carousel: ..." for scripts (over all visits).
void print_carousel_report(std::FILE* out, const std::vector<PageResult>& pages, int positions,
                           double attention);

}  // namespace pz_sim
