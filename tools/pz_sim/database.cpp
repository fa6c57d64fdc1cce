#include "database.hpp"

#include <stdexcept>

namespace pz_sim {

namespace {

// The query of DESIGN.md: the catalog filter is ordinary SQL, the features
// are built from the columns, and pz_rank orders what the filter lets through;
// $4 its options (slots for a carousel), $5 how many ranks are shown. The
// rating is given as stars above the middle of the scale (kRatingMiddle);
// item_features_json (shop.cpp) builds the same features without a server.
const char* const kRankQuery = R"SQL(
SELECT r.event_id, r.action_id, c.title, c.price, r.score >= max(r.score) OVER () AS greedy
  FROM pz_rank($1, $2::jsonb,
         (SELECT jsonb_agg(jsonb_build_object('id', sku, 'features', jsonb_build_object(
                   'category', category,
                   'price', CASE WHEN price < 10 THEN 'under 10' WHEN price < 30 THEN '10 to 30'
                                 WHEN price < 100 THEN '30 to 100' ELSE '100 and more' END,
                   'rarity', rarity,
                   'pack', CASE WHEN pack_size = 1 THEN 'single' WHEN pack_size < 12 THEN 'multi'
                                ELSE 'bulk' END,
                   'rating', rating - 3)))
            FROM catalog
           WHERE stock > 0 AND region IN ($3, 'all')), $4::jsonb) AS r
  JOIN catalog c ON c.sku = r.action_id
 ORDER BY r.rank
 LIMIT $5)SQL";

}  // namespace

namespace {

std::string catalog_row(pqxx::transaction_base& tx, const Item& item, size_t number) {
  const std::string title = std::string(kRarities[item.rarity]) + " " + kCategories[item.category] + " item " +
                            std::to_string(number);
  return "(" + tx.quote(item.sku) + ", " + tx.quote(title) + ", " + tx.quote(kCategories[item.category]) + ", " +
         std::to_string(item.price) + ", " + tx.quote(kRarities[item.rarity]) + ", " +
         std::to_string(item.pack_size) + ", " + std::to_string(item.rating) + ", " + std::to_string(item.stock) +
         ", " + tx.quote(kRegions[item.region]) + ", " + std::to_string(item.popularity) + ")";
}

}  // namespace

void create_catalog(pqxx::connection& connection, const Shop& shop) {
  pqxx::work tx(connection);
  tx.exec("DROP TABLE IF EXISTS catalog");
  tx.exec(
      "CREATE TABLE catalog (sku text PRIMARY KEY, title text NOT NULL, category text NOT NULL, "
      "price numeric(10, 2) NOT NULL, rarity text NOT NULL, pack_size integer NOT NULL, "
      "rating numeric(2, 1) NOT NULL, stock integer NOT NULL, region text NOT NULL, popularity integer NOT NULL)");
  std::string insert = "INSERT INTO catalog VALUES ";
  bool first = true;
  for (size_t i = 0; i < shop.items.size(); ++i) {
    if (!shop.sold_before[i]) continue;
    insert += (first ? "" : ", ") + catalog_row(tx, shop.items[i], i + 1);
    first = false;
  }
  tx.exec(insert);
  tx.exec("ANALYZE catalog");
  tx.commit();
}

void apply_change(pqxx::connection& connection, const Shop& shop) {
  pqxx::work tx(connection);
  if (shop.new_item >= 0)
    tx.exec("INSERT INTO catalog VALUES " + catalog_row(tx, shop.items[shop.new_item], shop.new_item + 1));
  std::string vanishing;
  for (size_t i = 0; i < shop.items.size(); ++i)
    if (shop.sold_before[i] && !shop.sold_after[i]) vanishing += (vanishing.empty() ? "" : ", ") + tx.quote(shop.items[i].sku);
  if (!vanishing.empty()) tx.exec("UPDATE catalog SET stock = 0 WHERE sku IN (" + vanishing + ")");
  tx.commit();
}

LoopSettings read_loop(pqxx::connection& connection, const std::string& loop) {
  pqxx::nontransaction tx(connection);
  pqxx::result rows = tx.exec_params(
      "SELECT extract(epoch FROM (settings->>'reward_wait')::interval)::float8, "
      "       extract(epoch FROM (settings->>'model_update')::interval)::float8, "
      "       (settings->>'exploration')::float8 "
      "  FROM pz.loops WHERE name = $1",
      loop);
  if (rows.empty())
    throw std::runtime_error("loop \"" + loop + "\" does not exist; create it with pz_create_loop('" + loop +
                             "', '{\"reward_wait\": \"2 seconds\", \"model_update\": \"2 seconds\"}')");
  return {rows[0][0].as<double>(), rows[0][1].as<double>(), rows[0][2].as<double>()};
}

void set_exploration(pqxx::connection& connection, const std::string& loop, double exploration) {
  pqxx::nontransaction tx(connection);
  tx.exec_params("SELECT pz_configure_loop($1, jsonb_build_object('exploration', $2::float8))", loop, exploration);
}

bool worker_running(pqxx::connection& connection) {
  pqxx::nontransaction tx(connection);
  return tx.exec("SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'pz%'")[0][0].as<long>() > 0;
}

long model_version(pqxx::connection& connection, const std::string& loop) {
  pqxx::nontransaction tx(connection);
  pqxx::result rows = tx.exec_params("SELECT model_version FROM pz.loops WHERE name = $1", loop);
  return rows.empty() ? 0 : rows[0][0].as<long>();
}

void train(pqxx::connection& connection, const std::string& loop) {
  pqxx::nontransaction tx(connection);
  tx.exec_params("SELECT pz_train($1)", loop);
}

void prepare_visit_statements(pqxx::connection& connection) {
  connection.prepare("rank", kRankQuery);
  // Slot 0: none (the top position, as for an event ranked without slots).
  connection.prepare("reward", "SELECT pz_reward($1::uuid, $2::float8, NULL, nullif($3::int, 0))");
}

bool rank(pqxx::connection& connection, const std::string& loop, const std::string& context,
          const std::string& region, Shown& shown) {
  std::vector<std::string> skus;
  if (!rank_page(connection, loop, context, region, 1, false, shown.event_id, skus, &shown.greedy)) return false;
  shown.sku = skus[0];
  return true;
}

bool rank_page(pqxx::connection& connection, const std::string& loop, const std::string& context,
               const std::string& region, int positions, bool slots, std::string& event_id,
               std::vector<std::string>& skus, bool* top_greedy) {
  pqxx::nontransaction tx(connection);
  const std::string options = slots ? "{\"slots\": " + std::to_string(positions) + "}" : "{}";
  pqxx::result rows = tx.exec_prepared("rank", loop, context, region, options, positions);
  skus.clear();
  if (rows.empty()) return false;
  event_id = rows[0][0].as<std::string>();
  if (top_greedy) *top_greedy = rows[0][4].as<bool>();
  for (const auto& row : rows) skus.push_back(row[1].as<std::string>());
  return true;
}

void reward(pqxx::connection& connection, const std::string& event_id, double value, int slot) {
  pqxx::nontransaction tx(connection);
  tx.exec_prepared("reward", event_id, value, slot);
}

}  // namespace pz_sim
