#include "change.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <string>

namespace pz_sim {

namespace {

constexpr int kVanishingPerPersona = 5;
// The new item is the persona's rank 1 once the model showed it as its best
// (not as an exploration) in half of the persona's last kColdStartVisits visits.
constexpr int kColdStartVisits = 20;

void take_tastes(Persona& to, const Persona& from) {
  std::copy(std::begin(from.category_utility), std::end(from.category_utility), std::begin(to.category_utility));
  std::copy(std::begin(from.rarity_utility), std::end(from.rarity_utility), std::begin(to.rarity_utility));
  std::copy(std::begin(from.pack_utility), std::end(from.pack_utility), std::begin(to.pack_utility));
  to.price_slope = from.price_slope;
  to.rating_weight = from.rating_weight;
}

// Items in stock, best first for the persona.
std::vector<size_t> ranked_for(const Shop& shop, const Persona& persona) {
  std::vector<size_t> ranked;
  for (size_t i = 0; i < shop.items.size(); ++i)
    if (shop.items[i].stock > 0 && shop.sold_before[i]) ranked.push_back(i);
  std::stable_sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
    return click_probability(persona, shop.items[a]) > click_probability(persona, shop.items[b]);
  });
  return ranked;
}

struct Share {
  double shown = 0, best = 0;
  double value() const { return best > 0 ? shown / best : 0; }
};

Share share_of(const std::vector<VisitResult>& results, size_t from, size_t to) {
  Share s;
  for (size_t i = from; i < to && i < results.size(); ++i) {
    if (!results[i].done) continue;
    s.shown += results[i].shown_probability;
    s.best += results[i].best_probability;
  }
  return s;
}

// Visits after the change until the trailing mean of kRecoveryWindow visits
// (all after the change) reaches `level` of the best; -1 if it never does.
long visits_to_reach(const std::vector<VisitResult>& results, size_t change_at, double level) {
  Share window;
  for (size_t i = change_at; i < results.size(); ++i) {
    if (results[i].done) window.shown += results[i].shown_probability, window.best += results[i].best_probability;
    if (i >= change_at + kRecoveryWindow) {
      const VisitResult& old = results[i - kRecoveryWindow];
      if (old.done) window.shown -= old.shown_probability, window.best -= old.best_probability;
    }
    if (i + 1 >= change_at + kRecoveryWindow && window.value() >= level) return static_cast<long>(i + 1 - change_at);
  }
  return -1;
}

std::string visits_text(long visits) { return visits < 0 ? "never" : "after " + std::to_string(visits) + " visits"; }

}  // namespace

std::optional<Change> parse_change(std::string_view name) {
  for (Change c : {Change::kNone, Change::kDrift, Change::kNewItem, Change::kVanish})
    if (name == change_name(c)) return c;
  return std::nullopt;
}

const char* change_name(Change change) {
  switch (change) {
    case Change::kNone: return "none";
    case Change::kDrift: return "drift";
    case Change::kNewItem: return "new-item";
    case Change::kVanish: return "vanish";
  }
  return "none";
}

void plan_change(Shop& shop, Change change, long change_at, int persona) {
  shop.change = change;
  shop.change_at = change == Change::kNone ? -1 : change_at;
  shop.personas_after = shop.personas;
  shop.sold_before.assign(shop.items.size(), true);
  shop.sold_after = shop.sold_before;
  if (change == Change::kDrift) {
    const size_t n = shop.personas.size();
    for (size_t p = 0; p < n; ++p) take_tastes(shop.personas_after[p], shop.personas[(p + 1) % n]);
  } else if (change == Change::kNewItem) {
    shop.items.push_back(new_item_for(shop.items, shop.personas[persona]));
    shop.sold_before.push_back(false);
    shop.sold_after.push_back(true);
    shop.new_item = static_cast<int>(shop.items.size()) - 1;
    shop.new_item_persona = persona;
  } else if (change == Change::kVanish) {
    for (const Persona& p : shop.personas) {
      const std::vector<size_t> ranked = ranked_for(shop, p);
      for (size_t k = 0; k < ranked.size() && k < kVanishingPerPersona; ++k) shop.sold_after[ranked[k]] = false;
    }
  }
}

void print_change_report(std::FILE* out, const std::vector<VisitResult>& results, const Shop& shop,
                         double exploration) {
  if (shop.change == Change::kNone) return;
  const size_t at = static_cast<size_t>(shop.change_at);
  const size_t n = results.size();
  if (at < kRecoveryWindow || at + kRecoveryWindow > n) {
    std::fprintf(out, "\nChange: %s at visit %zu: too close to an end of the run for its figures (%ld visits on each side needed)\n",
                 change_name(shop.change), at, kRecoveryWindow);
    return;
  }
  const double before = share_of(results, at - kRecoveryWindow, at).value();
  const double dip = share_of(results, at, at + kRecoveryWindow).value();
  const size_t last_quarter = n - n / 4;
  const double last = share_of(results, std::max(at, last_quarter), n).value();
  const long recovered = visits_to_reach(results, at, 0.8 * before);
  const long to_best = visits_to_reach(results, at, 0.8);
  static const char* const kWhat[] = {"", "each persona takes the next one's tastes; its signals stay its own",
                                      "a clearly better item arrives", "each persona's five best items go out of stock"};
  std::fprintf(out, "\nChange: %s at visit %zu (%s); share of the best, trailing %ld visits:\n",
               change_name(shop.change), at, kWhat[static_cast<int>(shop.change)], kRecoveryWindow);
  std::fprintf(out, "  before the change                  %.3f\n", before);
  std::fprintf(out, "  first %ld visits after it          %.3f\n", kRecoveryWindow, dip);
  std::fprintf(out, "  back to 80%% of the share before    %s\n", visits_text(recovered).c_str());
  std::fprintf(out, "  back to 80%% of the new best        %s (with exploration %.2f the ceiling is below %.2f)\n",
               visits_text(to_best).c_str(), exploration, 1 - exploration);
  std::fprintf(out, "  last quarter of the run            %.3f of the new best\n", last);
  std::string figures = std::string("kind=") + change_name(shop.change) + " at=" + std::to_string(at) +
                        " before=" + std::to_string(before) + " dip=" + std::to_string(dip) +
                        " recovered=" + std::to_string(recovered) + " to_80_of_best=" + std::to_string(to_best) +
                        " last_quarter=" + std::to_string(last);

  if (shop.change == Change::kNewItem) {
    const Persona& persona = shop.personas_after[shop.new_item_persona];
    const Item& item = shop.items[shop.new_item];
    // Persona visits after the arrival until the model's best was the new
    // item in half of the persona's last kColdStartVisits visits.
    std::deque<bool> recent;
    int hits = 0;
    long persona_visits = 0, cold_start = -1, cold_start_all = -1, shown = 0, quarter_visits = 0;
    for (size_t i = at; i < n; ++i) {
      const VisitResult& r = results[i];
      if (!r.done || r.persona != shop.new_item_persona) continue;
      ++persona_visits;
      const bool hit = r.greedy && r.shown_new_item;
      recent.push_back(hit);
      hits += hit;
      if (static_cast<int>(recent.size()) > kColdStartVisits) hits -= recent.front(), recent.pop_front();
      if (cold_start < 0 && static_cast<int>(recent.size()) == kColdStartVisits && 2 * hits >= kColdStartVisits)
        cold_start = persona_visits, cold_start_all = static_cast<long>(i + 1 - at);
      if (i >= last_quarter) ++quarter_visits, shown += r.shown_new_item;
    }
    // How many shows of each, to the persona, before the click rates differ by
    // two standard errors: what any learner needs to tell the two apart.
    const double p_new = click_probability(persona, item);
    const double p_best = click_probability(persona, shop.items[ranked_for(shop, persona).front()]);
    const double gap = p_new - p_best;
    const long shows_to_tell = gap > 0 ? std::lround(4 * (p_new * (1 - p_new) + p_best * (1 - p_best)) / (gap * gap)) : -1;
    std::fprintf(out,
                 "  the new item (%s): click probability %.3f for the %s, whose best item before had %.3f\n"
                 "  (the difference is two standard errors after about %ld shows of each to the persona);\n"
                 "  the model's rank 1 for the persona (in %d of its last %d visits) %s%s\n"
                 "  shown in %.0f%% of the persona's visits in the last quarter\n",
                 item.sku.c_str(), p_new, persona.name.c_str(), p_best, shows_to_tell, kColdStartVisits / 2,
                 kColdStartVisits,
                 cold_start < 0 ? "never" : ("after " + std::to_string(cold_start) + " of its visits").c_str(),
                 cold_start < 0 ? "" : (" (" + std::to_string(cold_start_all) + " visits in all)").c_str(),
                 quarter_visits ? 100.0 * shown / quarter_visits : 0.0);
    figures += " cold_start=" + std::to_string(cold_start) + " cold_start_all=" + std::to_string(cold_start_all) +
               " shows_to_tell=" + std::to_string(shows_to_tell);
  }
  std::fprintf(out, "change figures: %s\n", figures.c_str());
}

}  // namespace pz_sim
