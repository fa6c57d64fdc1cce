// pz-sim's command line.
#pragma once

#include <string>

#include "shop.hpp"
#include <utility>
#include <vector>

namespace pz_sim {

struct Options {
  long visits = 4000;
  int connections = 2;
  double rate = 50;  // visits per second over all connections; 0: as fast as possible
  std::vector<std::pair<std::string, double>> persona_shares;  // overrides, by persona name
  double exploration = -1;  // < 0: keep the loop's setting
  unsigned long long seed = 1;
  std::string dsn;  // empty: libpq's environment (PGHOST, PGPORT, ...)
  std::string loop = "shop";
  std::string chart;  // PNG path; empty: no chart
  int catalog_size = 300;
  int buckets = 10;
  // > 0: pz-sim trains the loop(s) itself after every this many visits, once
  // their clicks are in and the reward wait has passed (0: the worker trains).
  long train_every = 0;
  // Carousel mode: positions shown per visit (0: one item, the plain shop).
  int carousel = 0;
  std::string filled_loop;  // the loop ranking one slot, positions 2.. by score; empty: <loop>_filled
  double attention = 0.6;   // P(the visitor looks at position j) = attention^(j-1)
  Change change = Change::kNone;
  long change_at = -1;                      // < 0: half way
  std::string new_item_for = "office admin";  // the persona a new item is for
};

// Parses argv; prints usage and exits on --help or a bad option.
Options parse_options(int argc, char** argv);

}  // namespace pz_sim
