// The demo shop's documents (tools/pz_sim/shop.cpp): what the rank query and
// the offline demo (bench/demo_shop.cpp) give pz.
#include <gtest/gtest.h>

#include <string>

#include "shop.hpp"

namespace pz_sim {
namespace {

Visitor visitor(const std::string& last_category) {
  Visitor v;
  v.persona = 1;
  v.city = 4;  // Nantes
  v.device = "mobile";
  v.part_of_day = "evening";
  v.last_category = last_category;
  v.orders = 7;
  return v;
}

TEST(Shop, ContextCarriesTheSignalsOfTasteNotTheCity) {
  EXPECT_EQ(context_json(visitor("party decor")),
            R"({"visitor": {"device": "mobile"}, "time": "evening", )"
            R"("history": {"orders": "4-11", "last_category": "party decor"}})");
  // A first order has no last category.
  EXPECT_EQ(context_json(visitor("")),
            R"({"visitor": {"device": "mobile"}, "time": "evening", "history": {"orders": "4-11"}})");
}

TEST(Shop, CityStillDecidesWhatShips) {
  Item item;
  item.stock = 3;
  item.region = kCities[4].region;
  EXPECT_TRUE(viable(item, visitor("")));
  item.region = (kCities[4].region + 1) % kRegionCount;
  EXPECT_FALSE(viable(item, visitor("")));
  item.region = kAllRegions;
  EXPECT_TRUE(viable(item, visitor("")));
}

TEST(Shop, RatingIsStarsAboveTheMiddleOfTheScale) {
  Item item;
  item.category = 3;
  item.price = 42.5;
  item.rarity = 2;
  item.pack_size = 4;
  item.rating = 4.2;
  EXPECT_EQ(item_features_json(item),
            R"({"category": "kitchen", "price": "30 to 100", "rarity": "rare", "pack": "multi", "rating": 1.2})");
  item.rating = 2.5;
  item.price = 9.99;
  item.pack_size = 24;
  EXPECT_EQ(item_features_json(item),
            R"({"category": "kitchen", "price": "under 10", "rarity": "rare", "pack": "bulk", "rating": -0.5})");
}

}  // namespace
}  // namespace pz_sim
