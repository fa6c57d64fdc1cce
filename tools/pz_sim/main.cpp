// pz-sim: a shop whose visitors are ranked by pz inside PostgreSQL, whose
// clicks flow back with pz_reward, and whose model the background worker
// retrains as it goes. Prints how the reward climbs from random towards the
// best possible, overall and per persona, and draws the learning curve.
#include <chrono>
#include <cstdio>
#include <exception>
#include <random>
#include <thread>

#include "carousel.hpp"
#include "change.hpp"
#include "chart.hpp"
#include "checkpoints.hpp"
#include "database.hpp"
#include "options.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "shop.hpp"
#include "visits.hpp"

namespace {

using namespace pz_sim;

std::string persona_names(const std::vector<Persona>& personas) {
  std::string known;
  for (const Persona& p : personas) known += (known.empty() ? "" : ", ") + p.name;
  return known;
}

int persona_index(const std::vector<Persona>& personas, const std::string& name) {
  for (size_t p = 0; p < personas.size(); ++p)
    if (personas[p].name == name) return static_cast<int>(p);
  throw std::runtime_error("unknown persona \"" + name + "\" (known: " + persona_names(personas) + ")");
}

void apply_shares(std::vector<Persona>& personas, const Options& options) {
  for (const auto& [name, share] : options.persona_shares) personas[persona_index(personas, name)].share = share;
  double total = 0;
  for (const Persona& p : personas) total += p.share;
  if (total <= 0) throw std::runtime_error("--personas leaves no persona with a share above 0");
  for (Persona& p : personas) p.share /= total;
}

int run(const Options& options) {
  Shop shop;
  std::mt19937_64 rng(options.seed);
  shop.items = make_catalog(options.catalog_size, rng);
  shop.personas = make_personas();
  apply_shares(shop.personas, options);
  plan_change(shop, options.change, options.change_at, persona_index(shop.personas, options.new_item_for));

  pqxx::connection monitor(options.dsn);
  if (options.exploration >= 0) set_exploration(monitor, options.loop, options.exploration);
  const LoopSettings settings = read_loop(monitor, options.loop);
  if (options.carousel > 0) {
    // The two pages are compared under the same settings.
    if (options.exploration >= 0) set_exploration(monitor, options.filled_loop, options.exploration);
    const LoopSettings filled = read_loop(monitor, options.filled_loop);
    if (filled.exploration != settings.exploration || filled.reward_wait_seconds != settings.reward_wait_seconds ||
        filled.model_update_seconds != settings.model_update_seconds)
      std::fprintf(stderr, "pz-sim: warning: loops \"%s\" and \"%s\" differ in exploration, reward_wait or model_update\n",
                   options.loop.c_str(), options.filled_loop.c_str());
    std::fprintf(stderr, "pz-sim: carousel of %d positions (attention %.2f): loop \"%s\" with slots, \"%s\" score-filled\n",
                 options.carousel, options.attention, options.loop.c_str(), options.filled_loop.c_str());
  }
  if (options.train_every == 0 && !worker_running(monitor))
    std::fprintf(stderr, "pz-sim: warning: no pz background worker is running: the model will not learn\n"
                         "        (preload pz with shared_preload_libraries and set pz.database)\n");
  create_catalog(monitor, shop);
  std::fprintf(stderr,
               "pz-sim: %ld visits, %d connections, %.0f visits/s; loop \"%s\": exploration %.2f, reward_wait %.1f s, "
               "model_update %.1f s\n",
               options.visits, options.connections, options.rate, options.loop.c_str(), settings.exploration,
               settings.reward_wait_seconds, settings.model_update_seconds);
  if (options.train_every > 0)
    std::fprintf(stderr, "pz-sim: training the loop(s) with pz_train after every %ld visits\n", options.train_every);

  RunState state(options.visits);
  if (options.carousel > 0) state.pages.resize(options.visits);
  std::vector<std::string> trained_loops{options.loop};
  if (options.carousel > 0) trained_loops.push_back(options.filled_loop);
  Checkpoints checkpoints(options, trained_loops, settings.reward_wait_seconds);
  checkpoints.start(state);
  const long first_version = model_version(monitor, options.loop);
  const auto start = std::chrono::steady_clock::now();
  std::thread visitors([&] { run_visits(options, shop, settings, state); });
  Progress progress(options.visits);
  long version = first_version;
  auto next_draw = std::chrono::steady_clock::now();
  int draws = 0;
  while (!checkpoints.finished(state) && !state.failed) {
    // Checkpoints are polled often, so that the visits wait little for them.
    std::this_thread::sleep_for(std::chrono::milliseconds(options.train_every > 0 ? 10 : 250));
    try {
      checkpoints.poll(monitor, state);
    } catch (const std::exception& error) {
      std::lock_guard<std::mutex> lock(state.mutex);
      if (!state.failed.exchange(true)) state.error = std::string("training: ") + error.what();
    }
    if (std::chrono::steady_clock::now() < next_draw) continue;
    next_draw += std::chrono::milliseconds(250);
    if (++draws % 4 == 0) version = model_version(monitor, options.loop);
    progress.draw(state, version);
  }
  visitors.join();
  version = model_version(monitor, options.loop);
  progress.finish(state, version);
  if (state.failed) {
    std::fprintf(stderr, "pz-sim: %s\n", state.error.c_str());
    return 1;
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("pz-sim: %ld visits in %.1f s (%.1f/s), %ld clicks reported, model versions %ld -> %ld\n",
              options.visits, elapsed, options.visits / elapsed, state.rewards_sent.load(), first_version, version);

  const Summary summary = summarize(state.results, options.buckets, shop.personas.size());
  if (options.carousel > 0)
    std::printf("\n(carousel: the tables below are the slots loop's pages: clicks and expected clicks a page)\n");
  print_report(stdout, summary, shop.personas);
  if (options.carousel > 0) print_carousel_report(stdout, state.pages, options.carousel, options.attention);
  print_change_report(stdout, state.results, shop, settings.exploration);
  if (!options.chart.empty() && write_chart(options.chart, summary, shop.personas, options.visits))
    std::printf("\nlearning curve: %s\n", options.chart.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  try {
    return run(options);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "pz-sim: %s\n", error.what());
    return 1;
  }
}
