#include "shop.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace pz_sim {

namespace {

double uniform(std::mt19937_64& rng, double low, double high) {
  return std::uniform_real_distribution<double>(low, high)(rng);
}

bool chance(std::mt19937_64& rng, double probability) { return uniform(rng, 0.0, 1.0) < probability; }

int pick(std::mt19937_64& rng, const double* weights, int count) {
  double u = uniform(rng, 0.0, 1.0);
  for (int i = 0; i < count; ++i) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return count - 1;
}

// Price range of each category (log-uniform within it).
constexpr double kPriceLow[kCategoryCount] = {2, 3, 5, 5, 3, 10, 5, 2};
constexpr double kPriceHigh[kCategoryCount] = {60, 150, 80, 200, 120, 400, 40, 50};

int pack_kind(int pack_size) { return pack_size == 1 ? 0 : pack_size < 12 ? 1 : 2; }

Persona persona(const char* name, double share, int favourite) {
  Persona p{};
  p.name = name;
  p.share = share;
  std::fill(std::begin(p.category_utility), std::end(p.category_utility), -1.0);
  p.favourite_category = favourite;
  return p;
}

void day(Persona& p, double morning, double work, double evening, double night) {
  p.part_of_day[0] = morning;
  p.part_of_day[1] = work;
  p.part_of_day[2] = evening;
  p.part_of_day[3] = night;
}

constexpr const char* kPartsOfDay[4] = {"morning", "work hours", "evening", "night"};

}  // namespace

std::vector<Item> make_catalog(int size, std::mt19937_64& rng) {
  std::vector<Item> items;
  for (int i = 0; i < size; ++i) {
    Item item;
    char sku[16];
    std::snprintf(sku, sizeof sku, "SKU-%04d", i + 1);
    item.sku = sku;
    item.category = i % kCategoryCount;
    const double roll = uniform(rng, 0, 1);
    item.rarity = roll < 0.7 ? 0 : roll < 0.9 ? 1 : 2;
    double price = std::exp(uniform(rng, std::log(kPriceLow[item.category]), std::log(kPriceHigh[item.category])));
    if (item.rarity == 2) price *= 1.5;
    item.price = std::round(price * 100) / 100;  // as stored: the features and the truth agree
    const double pack = uniform(rng, 0, 1);
    item.pack_size = pack < 0.55 ? 1 : pack < 0.85 ? 3 + static_cast<int>(uniform(rng, 0, 4)) : 12 << static_cast<int>(uniform(rng, 0, 3));
    item.rating = std::round(std::clamp(std::normal_distribution<double>(3.9, 0.6)(rng), 1.0, 5.0) * 10) / 10;
    item.stock = chance(rng, 0.12) ? 0 : 1 + static_cast<int>(uniform(rng, 0, 200));
    item.region = chance(rng, 0.5) ? kAllRegions : static_cast<int>(uniform(rng, 0, kRegionCount));
    item.popularity = static_cast<int>(std::exp(uniform(rng, 0, std::log(5000.0))));
    items.push_back(item);
  }
  return items;
}

// Strong, distinct tastes: each persona has a favourite category and a few
// more quirks, so that a policy that reads the signals can beat random by far.
std::vector<Persona> make_personas() {
  std::vector<Persona> all;

  Persona office = persona("office admin", 0.2, 0);  // re-orders bulk supplies at work
  office.category_utility[0] = 3.5;
  office.category_utility[5] = 0.3;
  office.category_utility[6] = 0.3;
  office.pack_utility[0] = -0.7, office.pack_utility[1] = 0.5, office.pack_utility[2] = 1.5;
  office.price_slope = -0.3, office.rating_weight = 0.4;
  office.mobile_share = 0.15;
  day(office, 0.15, 0.75, 0.08, 0.02);
  office.last_order_favourite = 0.9, office.orders_per_year = 20;
  all.push_back(office);

  Persona planner = persona("event planner", 0.15, 1);  // rare decor, price no object
  planner.category_utility[1] = 3.5;
  planner.category_utility[7] = 1.0;
  planner.rarity_utility[0] = -0.6, planner.rarity_utility[1] = 0.8, planner.rarity_utility[2] = 1.8;
  planner.pack_utility[2] = -0.5;
  planner.price_slope = 0.3, planner.rating_weight = 0.3;
  planner.mobile_share = 0.6;
  day(planner, 0.1, 0.3, 0.45, 0.15);
  planner.last_order_favourite = 0.85, planner.orders_per_year = 8;
  all.push_back(planner);

  Persona parent = persona("budget parent", 0.2, 2);  // cheap multi-packs of toys
  parent.category_utility[2] = 3.2;
  parent.category_utility[7] = 1.0;
  parent.category_utility[6] = 0.5;
  parent.rarity_utility[1] = -0.3, parent.rarity_utility[2] = -1.0;
  parent.pack_utility[1] = 1.2;
  parent.price_slope = -1.0, parent.rating_weight = 0.8;
  parent.mobile_share = 0.75;
  day(parent, 0.2, 0.15, 0.5, 0.15);
  parent.last_order_favourite = 0.8, parent.orders_per_year = 6;
  all.push_back(parent);

  Persona cook = persona("home cook", 0.15, 3);  // well-rated kitchenware
  cook.category_utility[3] = 3.2;
  cook.category_utility[4] = 0.5;
  cook.category_utility[6] = 0.5;
  cook.price_slope = -0.2, cook.rating_weight = 1.2;
  cook.mobile_share = 0.5;
  day(cook, 0.35, 0.15, 0.4, 0.1);
  cook.last_order_favourite = 0.85, cook.orders_per_year = 4;
  all.push_back(cook);

  Persona gardener = persona("gardener", 0.15, 4);  // weekend mornings, bulk seeds and soil
  gardener.category_utility[4] = 3.3;
  gardener.category_utility[3] = 0.3;
  gardener.pack_utility[2] = 0.8;
  gardener.price_slope = -0.5, gardener.rating_weight = 0.4;
  gardener.mobile_share = 0.35;
  day(gardener, 0.5, 0.2, 0.25, 0.05);
  gardener.last_order_favourite = 0.85, gardener.orders_per_year = 3;
  all.push_back(gardener);

  Persona gadgets = persona("gadget fan", 0.15, 5);  // late-night, limited editions
  gadgets.category_utility[5] = 3.3;
  gadgets.category_utility[6] = 0.3;
  gadgets.rarity_utility[1] = 0.6, gadgets.rarity_utility[2] = 1.0;
  gadgets.pack_utility[0] = 0.5;
  gadgets.price_slope = 0.4, gadgets.rating_weight = 1.2;
  gadgets.mobile_share = 0.8;
  day(gadgets, 0.05, 0.2, 0.35, 0.4);
  gadgets.last_order_favourite = 0.85, gadgets.orders_per_year = 10;
  all.push_back(gadgets);

  return all;
}

Visitor draw_visitor(const std::vector<Persona>& personas, std::mt19937_64& rng) {
  std::vector<double> shares;
  for (const Persona& p : personas) shares.push_back(p.share);
  Visitor v;
  v.persona = pick(rng, shares.data(), static_cast<int>(shares.size()));
  const Persona& p = personas[v.persona];
  v.city = static_cast<int>(uniform(rng, 0, kCityCount));
  v.device = chance(rng, p.mobile_share) ? "mobile" : chance(rng, 0.8) ? "desktop" : "tablet";
  v.part_of_day = kPartsOfDay[pick(rng, p.part_of_day, 4)];
  v.orders = std::poisson_distribution<int>(p.orders_per_year)(rng);
  if (v.orders > 0) {
    const int category = chance(rng, p.last_order_favourite) ? p.favourite_category
                                                              : static_cast<int>(uniform(rng, 0, kCategoryCount));
    v.last_category = kCategories[category];
  }
  return v;
}

double click_probability(const Persona& persona, const Item& item) {
  const double utility = persona.category_utility[item.category] + persona.rarity_utility[item.rarity] +
                         persona.pack_utility[pack_kind(item.pack_size)] +
                         persona.price_slope * std::log2(item.price / 20.0) +
                         persona.rating_weight * (item.rating - 3.5) + item.hidden_quality;
  // At most the cap (0.7 but for a new item): even a perfect match is not
  // always clicked; a poor match still is, now and then (about 1 visit in 10
  // for a random item).
  return item.click_cap / (1.0 + std::exp(-(utility - 3.0)));
}

Item new_item_for(const std::vector<Item>& items, const Persona& persona) {
  constexpr double kNewItemHiddenQuality = 1.0;
  constexpr double kNewItemClickCap = 0.95;
  const Item* favourite = nullptr;
  for (const Item& candidate : items)
    if (candidate.stock > 0 &&
        (favourite == nullptr || click_probability(persona, candidate) > click_probability(persona, *favourite)))
      favourite = &candidate;
  Item item = *favourite;
  item.sku = "SKU-NEW";
  item.rating = 5.0;
  item.stock = 50;
  item.region = kAllRegions;
  item.hidden_quality = kNewItemHiddenQuality;
  item.click_cap = kNewItemClickCap;
  return item;
}

// No city: it decides what ships (the rank query's WHERE clause), not what a
// visitor likes, and a context key that tells no taste still gets a weight
// per item feature, crossed, which learns noise (README, Features).
std::string context_json(const Visitor& v) {
  const char* orders = v.orders == 0 ? "none" : v.orders < 4 ? "1-3" : v.orders < 12 ? "4-11" : "12+";
  std::string json = "{\"visitor\": {\"device\": \"" + v.device + "\"}, \"time\": \"" + v.part_of_day +
                     "\", \"history\": {\"orders\": \"" + orders + "\"";
  if (!v.last_category.empty()) json += ", \"last_category\": \"" + v.last_category + "\"";
  return json + "}}";
}

std::string item_features_json(const Item& item) {
  const char* price = item.price < 10 ? "under 10" : item.price < 30 ? "10 to 30" : item.price < 100 ? "30 to 100"
                                                                                                      : "100 and more";
  const char* pack = item.pack_size == 1 ? "single" : item.pack_size < 12 ? "multi" : "bulk";
  char json[256];
  std::snprintf(json, sizeof json, R"({"category": "%s", "price": "%s", "rarity": "%s", "pack": "%s", "rating": %.1f})",
                kCategories[item.category], price, kRarities[item.rarity], pack, item.rating - kRatingMiddle);
  return json;
}

bool viable(const Item& item, const Visitor& visitor) {
  return item.stock > 0 && (item.region == kAllRegions || item.region == kCities[visitor.city].region);
}

}  // namespace pz_sim
