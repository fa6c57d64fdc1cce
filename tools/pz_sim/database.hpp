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

// Replaces the table "catalog" with the shop's items sold before its change.
void create_catalog(pqxx::connection& connection, const Shop& shop);
// Makes the shop's change in the catalog: adds the arriving item, takes the
// vanishing ones out of stock (a drift changes nothing there).
void apply_change(pqxx::connection& connection, const Shop& shop);
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
  bool greedy;  // the shown item is the model's best (or tied for it): not an exploration
};
// Filters the visitor's viable items and ranks them in one statement; the
// item at rank 1 is shown. Returns false when no item is viable.
bool rank(pqxx::connection& connection, const std::string& loop, const std::string& context,
          const std::string& region, Shown& shown);
// A page: the items at ranks 1..positions (fewer if fewer are viable), ranked
// with options.slots = positions when `slots`, else by one slot and the scores;
// *top_greedy (if given): rank 1 is the model's best, not an exploration.
bool rank_page(pqxx::connection& connection, const std::string& loop, const std::string& context,
               const std::string& region, int positions, bool slots, std::string& event_id,
               std::vector<std::string>& skus, bool* top_greedy = nullptr);
// slot 0: the reward names no slot.
void reward(pqxx::connection& connection, const std::string& event_id, double value, int slot = 0);

}  // namespace pz_sim
