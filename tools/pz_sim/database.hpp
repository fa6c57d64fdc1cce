// What pz-sim asks of the server: the catalog table, the loop's settings, the
// one-statement filter-and-rank query and the reward call.
#pragma once

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "shop.hpp"

namespace pz_sim {

struct LoopSettings {
  double reward_wait_seconds;
  double model_update_seconds;
  double exploration;
};

// Replaces the table "catalog" with these items.
void create_catalog(pqxx::connection& connection, const std::vector<Item>& items);
// Throws std::runtime_error if the loop does not exist.
LoopSettings read_loop(pqxx::connection& connection, const std::string& loop);
void set_exploration(pqxx::connection& connection, const std::string& loop, double exploration);
bool worker_running(pqxx::connection& connection);
long model_version(pqxx::connection& connection, const std::string& loop);
// Joins the loop's due events and trains its model on them now (pz_train).
void train(pqxx::connection& connection, const std::string& loop);

// Prepares the statements run by a visitor's connection.
void prepare_visit_statements(pqxx::connection& connection);

struct Shown {
  std::string event_id;
  std::string sku;
};
// Filters the visitor's viable items and ranks them in one statement; the
// item at rank 1 is shown. Returns false when no item is viable.
bool rank(pqxx::connection& connection, const std::string& loop, const std::string& context,
          const std::string& region, Shown& shown);
// A page: the items at ranks 1..positions (fewer if fewer are viable), ranked
// with options.slots = positions when `slots`, else by one slot and the scores.
bool rank_page(pqxx::connection& connection, const std::string& loop, const std::string& context,
               const std::string& region, int positions, bool slots, std::string& event_id,
               std::vector<std::string>& skus);
// slot 0: the reward names no slot.
void reward(pqxx::connection& connection, const std::string& event_id, double value, int slot = 0);

}  // namespace pz_sim
