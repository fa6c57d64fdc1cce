// The visit loop: concurrent visitors, each on its own connection, rank the
// viable items, maybe click, and report clicks after a delay.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "carousel.hpp"
#include "database.hpp"
#include "options.hpp"
#include "shop.hpp"

namespace pz_sim {

// In carousel mode, for the loop ranking with slots: the page's clicks and
// expected clicks (the page's random and best likewise).
struct VisitResult {
  bool done = false;
  int persona = 0;
  double clicked = 0;           // the reward observed: 1 click, 0 none
  double shown_probability = 0; // hidden click probability of the item shown
  double random_probability = 0;// expected reward of a uniform pick among the viable items
  double best_probability = 0;  // of the best viable item for this persona
  bool greedy = false;          // the item shown was the model's best (not an exploration)
  bool shown_new_item = false;  // it was the item that arrived with the change
};

// Shared by the visitor threads and the progress display.
struct RunState {
  explicit RunState(long visits) : open_until(visits), results(visits) {}
  std::atomic<long> next_visit{0};
  // Visits numbered from here on wait (for the training at a --train-every
  // checkpoint); the trainer moves it on.
  std::atomic<long> open_until;
  std::atomic<long> completed{0};
  std::atomic<long> rewards_pending{0};
  std::atomic<long> rewards_sent{0};
  std::atomic<bool> failed{false};
  std::mutex change_mutex;  // held by the visitor that makes the change in the database
  std::atomic<bool> change_made{false};
  std::mutex mutex;  // guards results and error
  std::vector<VisitResult> results;  // by visit number
  std::vector<PageResult> pages;     // carousel mode: by visit number
  std::string error;
};

// Runs every visit and sends every reward; returns when all are done or one
// thread failed (state.failed, state.error).
void run_visits(const Options& options, const Shop& shop, const LoopSettings& settings, RunState& state);

}  // namespace pz_sim
