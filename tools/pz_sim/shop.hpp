// The simulated shop: its catalog, its personas and what each persona would
// click. The click probabilities are hidden from pz; a visit's context shows
// only noisy signals of the persona behind it.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace pz_sim {

struct Item {
  std::string sku;
  int category;  // index into kCategories
  double price;
  int rarity;     // 0 common, 1 limited, 2 rare
  int pack_size;  // 1, 3..6, or 12..48
  double rating;  // 1..5, public
  int stock;      // 0: out of stock
  int region;     // index into kRegions; kAllRegions ships everywhere
  int popularity; // sales rank proxy, for the plain-SQL comparison
  double hidden_quality = 0;  // utility the features do not show (a new item's)
  // The most it is clicked, even by a perfect match: 0.7 for the catalog; a
  // new item that is clearly better lifts it (new_item_for).
  double click_cap = 0.7;
};

inline constexpr int kCategoryCount = 8;
inline constexpr const char* kCategories[kCategoryCount] = {
    "office supplies", "party decor", "toys", "kitchen", "garden", "electronics", "books", "crafts"};
inline constexpr int kRegionCount = 3;
inline constexpr const char* kRegions[kRegionCount + 1] = {"north", "south", "west", "all"};
inline constexpr int kAllRegions = kRegionCount;
inline constexpr const char* kRarities[3] = {"common", "limited", "rare"};

// What one kind of customer likes (hidden) and how it shows (noisy signals).
struct Persona {
  std::string name;
  double share;  // of visits
  // Hidden utility of an item: summed, then squashed into a click probability.
  double category_utility[kCategoryCount];
  double rarity_utility[3];
  double pack_utility[3];  // single, multi, bulk
  double price_slope;      // per doubling of the price
  double rating_weight;    // per star above 3.5
  // Signals: how likely each observable value is for this persona.
  double mobile_share;
  double part_of_day[4];  // morning, work hours, evening, night
  int favourite_category;  // shows as the last ordered category
  double last_order_favourite;  // probability that it does
  double orders_per_year;  // mean of the (noisy) order count
};

// One visit as the shop sees it (context) and as the simulator knows it.
struct Visitor {
  int persona;
  int city;
  std::string device;
  std::string part_of_day;
  std::string last_category;  // empty for a first order
  int orders;                 // in the past year
};

inline constexpr int kCityCount = 6;
struct City {
  const char* name;
  int region;
};
inline constexpr City kCities[kCityCount] = {{"Lille", 0}, {"Paris", 0},    {"Marseille", 1},
                                             {"Toulouse", 1}, {"Nantes", 2}, {"Rennes", 2}};

// A mid-run change of the world (pz-sim --change).
enum class Change { kNone, kDrift, kNewItem, kVanish };

// The world a visit sees: before the change, or from its visit on.
struct Shop {
  std::vector<Item> items;              // every item, one that arrives with the change included
  std::vector<Persona> personas;        // tastes before the change
  std::vector<Persona> personas_after;  // and after it (changed by a drift only)
  std::vector<bool> sold_before, sold_after;  // by item: in the catalog then
  Change change = Change::kNone;
  long change_at = -1;  // visit number of the change; -1: none
  int new_item = -1;    // index of the arriving item, or -1
  int new_item_persona = -1;
  bool after(long visit) const { return change_at >= 0 && visit >= change_at; }
  const std::vector<Persona>& personas_at(long visit) const { return after(visit) ? personas_after : personas; }
  bool sold(size_t item, long visit) const { return after(visit) ? sold_after[item] : sold_before[item]; }
};

std::vector<Item> make_catalog(int size, std::mt19937_64& rng);
std::vector<Persona> make_personas();
Visitor draw_visitor(const std::vector<Persona>& personas, std::mt19937_64& rng);
double click_probability(const Persona& persona, const Item& item);
// The item of `--change new-item`: a copy of `persona`'s favourite among the
// items in stock, rated 5.0, sold everywhere, better made than its features
// show and clicked up to 0.95 instead of 0.7, so that it is clearly better
// for the persona (about 0.9 against the favourite's 0.6-0.7).
Item new_item_for(const std::vector<Item>& items, const Persona& persona);
// The visitor's context document as the application would build it (JSON text).
std::string context_json(const Visitor& visitor);
// The middle of the 1-5 star scale: the rank query gives an item's rating as
// stars above it, so that the number's weight learns what a star is worth
// rather than a constant of about 4 that every item shares (README, Features).
inline constexpr double kRatingMiddle = 3.0;
// An item's features as pz-sim's rank query builds them from its catalog row
// (tools/pz_sim/database.cpp, kRankQuery): the same document, for the demo's
// shop without a server (bench/demo_shop.cpp).
std::string item_features_json(const Item& item);
// Items the shop may show this visitor: in stock and shipped to their region.
bool viable(const Item& item, const Visitor& visitor);

}  // namespace pz_sim
