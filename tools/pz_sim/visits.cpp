#include "visits.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <thread>
#include <unordered_map>

#include "delay_queue.hpp"

namespace pz_sim {

namespace {

// A click comes back seconds after the page view: log-normal, and always
// inside the loop's reward wait so that the joiner sees it.
Clock::duration click_delay(double reward_wait_seconds, std::mt19937_64& rng) {
  const double median = std::min(0.15 * reward_wait_seconds, 2.0);
  const double cap = std::min(0.5 * reward_wait_seconds, 10.0);
  const double seconds = median <= 0 ? 0 : std::min(cap, median * std::exp(0.6 * std::normal_distribution<>()(rng)));
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

class VisitorThread {
 public:
  VisitorThread(const Options& options, const Shop& shop, const LoopSettings& settings, RunState& state, int index)
      : options_(options), shop_(shop), settings_(settings), state_(state),
        timing_rng_(options.seed * 7919 + static_cast<unsigned long long>(index)) {
    for (size_t i = 0; i < shop.items.size(); ++i) item_by_sku_[shop.items[i].sku] = i;
  }

  void run() {
    pqxx::connection connection(options_.dsn);
    prepare_visit_statements(connection);
    const double rate = options_.rate / options_.connections;
    Clock::time_point next_arrival = Clock::now();
    bool visits_left = true;
    while (!state_.failed) {
      const Clock::time_point now = Clock::now();
      if (queue_.due(now)) {
        send(connection, queue_.pop());
        continue;
      }
      if (!visits_left) {
        if (queue_.empty()) return;
        std::this_thread::sleep_until(queue_.next_due());
        continue;
      }
      if (rate > 0 && now < next_arrival) {
        std::this_thread::sleep_until(queue_.empty() ? next_arrival : std::min(next_arrival, queue_.next_due()));
        continue;
      }
      long number = state_.next_visit;
      if (number >= options_.visits) {
        visits_left = false;
        continue;
      }
      if (number >= state_.open_until) {
        // A checkpoint: keep sending the clicks due while the loops train;
        // the arrivals resume from the end of the pause, not in a burst.
        const Clock::time_point poll = now + std::chrono::milliseconds(5);
        std::this_thread::sleep_until(queue_.empty() ? poll : std::min(poll, queue_.next_due()));
        next_arrival = Clock::now();
        continue;
      }
      if (!state_.next_visit.compare_exchange_weak(number, number + 1)) continue;
      visit(connection, number);
      // Poisson arrivals at this thread's share of the rate.
      if (rate > 0) next_arrival += seconds(std::exponential_distribution<>(rate)(timing_rng_));
    }
  }

 private:
  static Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }

  void visit(pqxx::connection& connection, long number) {
    // The visitor depends on the seed and the visit number only, not on timing.
    std::seed_seq seeds{options_.seed, static_cast<unsigned long long>(number)};
    std::mt19937_64 rng(seeds);
    const std::vector<Persona>& personas = shop_.personas_at(number);
    const Visitor visitor = draw_visitor(personas, rng);
    const Persona& persona = personas[visitor.persona];
    if (shop_.after(number)) make_change(connection);

    VisitResult result;
    result.persona = visitor.persona;
    std::vector<double> viable_probabilities;
    for (size_t i = 0; i < shop_.items.size(); ++i) {
      const Item& item = shop_.items[i];
      if (!shop_.sold(i, number) || !viable(item, visitor)) continue;
      const double p = click_probability(persona, item);
      viable_probabilities.push_back(p);
      result.best_probability = std::max(result.best_probability, p);
    }
    if (!viable_probabilities.empty()) {
      if (options_.carousel > 0)
        show_page(connection, number, visitor, viable_probabilities, rng, result);
      else
        show_one(connection, visitor, viable_probabilities, rng, result);
    }
    result.done = true;
    {
      std::lock_guard<std::mutex> lock(state_.mutex);
      state_.results[number] = result;
    }
    ++state_.completed;
  }

  void show_one(pqxx::connection& connection, const Visitor& visitor, const std::vector<double>& viable_probabilities,
                std::mt19937_64& rng, VisitResult& result) {
    const Persona& persona = shop_.personas[visitor.persona];
    Shown shown;
    if (!rank(connection, options_.loop, context_json(visitor), kRegions[kCities[visitor.city].region], shown)) return;
    result.random_probability = mean(viable_probabilities);
    const size_t shown_item = item_by_sku_.at(shown.sku);
    result.shown_probability = click_probability(persona, shop_.items[shown_item]);
    result.greedy = shown.greedy;
    result.shown_new_item = static_cast<int>(shown_item) == shop_.new_item;
    if (std::uniform_real_distribution<>(0, 1)(rng) < result.shown_probability) {
      result.clicked = 1;
      queue_.push({Clock::now() + click_delay(settings_.reward_wait_seconds, rng), shown.event_id, 1.0});
      ++state_.rewards_pending;
    }
  }

  // The carousel: the same visitor and the same chance of looking and
  // clicking at each position, shown the page of each loop (in alternating
  // order). The slots loop takes a reward per clicked slot; the score-filled
  // one logs position 1 only, so only a click there can be reported.
  void show_page(pqxx::connection& connection, long number, const Visitor& visitor,
                 const std::vector<double>& viable_probabilities, std::mt19937_64& rng, VisitResult& result) {
    const Persona& persona = shop_.personas[visitor.persona];
    const int positions = options_.carousel;
    const PageChance chance = draw_page_chance(positions, options_.attention, rng);
    const std::string context = context_json(visitor);
    PageResult page;
    for (int step = 0; step < kPageArms; ++step) {
      const int arm = static_cast<int>((number + step) % kPageArms);
      const bool slots = arm == kSlotsArm;
      std::string event_id;
      std::vector<std::string> skus;
      if (!rank_page(connection, slots ? options_.loop : options_.filled_loop, context,
                     kRegions[kCities[visitor.city].region], positions, slots, event_id, skus))
        continue;
      std::vector<double> shown;
      page.position_clicks[arm].assign(positions, 0.0);
      for (size_t j = 0; j < skus.size(); ++j) {
        shown.push_back(click_probability(persona, item_of(skus[j])));
        if (!chance.looks[j] || chance.click_draw[j] >= shown.back()) continue;
        page.clicks[arm] += 1;
        page.position_clicks[arm][j] = 1;
        if (!slots && j > 0) continue;
        queue_.push({Clock::now() + click_delay(settings_.reward_wait_seconds, rng), event_id, 1.0,
                     slots ? static_cast<int>(j) + 1 : 0});
        ++state_.rewards_pending;
      }
      page.expected[arm] = expected_page_clicks(shown, options_.attention);
    }
    // A uniform page shows each position an average viable item.
    std::vector<double> sorted = viable_probabilities;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    sorted.resize(std::min(sorted.size(), static_cast<size_t>(positions)));
    page.best = expected_page_clicks(sorted, options_.attention);
    page.random = expected_page_clicks(std::vector<double>(sorted.size(), mean(viable_probabilities)), options_.attention);
    page.done = true;
    result.clicked = page.clicks[kSlotsArm];
    result.shown_probability = page.expected[kSlotsArm];
    result.random_probability = page.random;
    result.best_probability = page.best;
    std::lock_guard<std::mutex> lock(state_.mutex);
    state_.pages[number] = std::move(page);
  }

  static double mean(const std::vector<double>& values) {
    double sum = 0;
    for (double v : values) sum += v;
    return values.empty() ? 0 : sum / static_cast<double>(values.size());
  }

  const Item& item_of(const std::string& sku) const { return shop_.items.at(item_by_sku_.at(sku)); }

  // The first visit after the change makes it in the database; the others
  // wait for it, so that no visit after the change sees the catalog before it.
  void make_change(pqxx::connection& connection) {
    if (state_.change_made) return;
    std::lock_guard<std::mutex> lock(state_.change_mutex);
    if (state_.change_made) return;
    apply_change(connection, shop_);
    state_.change_made = true;
  }

  void send(pqxx::connection& connection, const PendingReward& pending) {
    reward(connection, pending.event_id, pending.value, pending.slot);
    --state_.rewards_pending;
    ++state_.rewards_sent;
  }

  const Options& options_;
  const Shop& shop_;
  const LoopSettings& settings_;
  RunState& state_;
  std::mt19937_64 timing_rng_;
  std::unordered_map<std::string, size_t> item_by_sku_;
  DelayQueue queue_;
};

}  // namespace

void run_visits(const Options& options, const Shop& shop, const LoopSettings& settings, RunState& state) {
  std::vector<std::thread> threads;
  for (int i = 0; i < options.connections; ++i) {
    threads.emplace_back([&, i] {
      try {
        VisitorThread(options, shop, settings, state, i).run();
      } catch (const std::exception& error) {
        std::lock_guard<std::mutex> lock(state.mutex);
        if (!state.failed.exchange(true)) state.error = error.what();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

}  // namespace pz_sim
