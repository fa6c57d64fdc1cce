// The demo's shop (tools/pz_sim/shop.cpp: the same catalog, personas,
// visitors and click probabilities) without a server: the same features as
// pz-sim's rank query, pz's core model and policy, learning in batches the
// size of what the worker joins between two trainings of the demo (2 s at
// 160 visits a second), one batch late (the reward wait). Seconds instead of
// minutes, and no timing noise: for finding out why a persona lags and for
// checking a change to the learner against the demo before running it.
//
// Run: build/bench/pz_demo_shop [--visits N] [--seed S] [--seeds N] [--learning-rate R] [--power-t P]
// [--exploration E] [--batch N] [--new-item]
// Prints, per persona, the share of its gap from random to best that the
// shown items closed over the last 30% of the visits (the demo's `captured`).
// --new-item: pz-sim's `--change new-item` at half time (a copy of the office
// admin's favourite, clearly better: pz_sim::new_item_for), and
// after how many of the office admin's visits the new item was the model's
// rank 1 in 10 of its last 20 (pz-sim's cold start figure).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "core/features.hpp"
#include "core/json_text.hpp"
#include "core/model.hpp"
#include "core/settings.hpp"
#include "core/policy.hpp"
#include "shop.hpp"

namespace {

using namespace pz;
using pz_sim::Item;
using pz_sim::Persona;
using pz_sim::Visitor;

FeatureSet features_of(const std::string& json, const std::string* action_id) {
  FeatureSet set;
  FeatureBuilder builder(set);
  parse_json(json, builder);
  if (action_id != nullptr) add_action_id(set, *action_id);
  return set;
}

struct Tally {
  double shown = 0, random = 0, best = 0;
  long visits = 0;
  double captured() const { return best > random ? (shown - random) / (best - random) : 0; }
};

struct Logged {
  FeatureSet context;
  size_t item;
  double reward, probability;
  size_t actions;
};

struct ColdStart {
  bool enabled = false;
  long persona_visits = -1;  // -1: never
};

std::vector<Tally> run(long visits, unsigned long long seed, const LearnerSettings& learner,
                       const ExplorationSettings& exploration, size_t batch_size, Tally& total,
                       ColdStart& cold_start) {
  std::mt19937_64 rng(seed);
  std::vector<Item> items = pz_sim::make_catalog(300, rng);
  const std::vector<Persona> personas = pz_sim::make_personas();
  std::vector<FeatureSet> item_features;
  for (const Item& item : items) item_features.push_back(features_of(pz_sim::item_features_json(item), &item.sku));
  const long arrival = cold_start.enabled ? visits / 2 : -1;
  std::deque<bool> recent;
  long persona_visits = 0;
  int hits = 0;

  Model model(FeatureSpace{}, learner);
  std::vector<Tally> tallies(personas.size());
  std::vector<Logged> pending, learning;
  std::vector<FeatureSet> candidates;
  std::vector<size_t> viable_items;
  std::vector<double> scores;
  const long measure_from = visits - visits * 3 / 10;
  for (long v = 0; v < visits; ++v) {
    if (v == arrival) {
      items.push_back(pz_sim::new_item_for(items, personas[0]));
      item_features.push_back(features_of(pz_sim::item_features_json(items.back()), &items.back().sku));
    }
    std::seed_seq seeds{seed, static_cast<unsigned long long>(v)};
    std::mt19937_64 visit_rng(seeds);
    const Visitor visitor = pz_sim::draw_visitor(personas, visit_rng);
    const Persona& persona = personas[visitor.persona];
    candidates.clear();
    viable_items.clear();
    double sum = 0, best = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!pz_sim::viable(items[i], visitor)) continue;
      const double p = pz_sim::click_probability(persona, items[i]);
      sum += p, best = std::max(best, p);
      viable_items.push_back(i);
      candidates.push_back(item_features[i]);
    }
    if (candidates.empty()) continue;
    FeatureSet context = features_of(pz_sim::context_json(visitor), nullptr);
    model.score_all(context, candidates, scores);
    const Decision decision = decide(exploration, scores, model.examples(), visit_rng());
    const uint32_t chosen = decision.ranking[0];
    if (arrival >= 0 && v >= arrival && visitor.persona == 0 && cold_start.persona_visits < 0) {
      ++persona_visits;
      const bool hit = viable_items[chosen] == items.size() - 1 && !is_exploration(scores, chosen);
      recent.push_back(hit);
      hits += hit;
      if (recent.size() > 20) hits -= recent.front(), recent.pop_front();
      if (recent.size() == 20 && hits >= 10) cold_start.persona_visits = persona_visits;
    }
    const double p = pz_sim::click_probability(persona, items[viable_items[chosen]]);
    const double reward = std::uniform_real_distribution<>(0, 1)(visit_rng) < p ? 1.0 : 0.0;
    if (v >= measure_from) {
      for (Tally* t : {&tallies[visitor.persona], &total}) {
        t->shown += p, t->random += sum / candidates.size(), t->best += best;
        ++t->visits;
      }
    }
    pending.push_back({std::move(context), viable_items[chosen], reward, decision.probabilities[chosen],
                       candidates.size()});
    if (pending.size() == batch_size) {
      // The worker learns what was decided a batch ago (the reward wait).
      for (const Logged& l : learning) model.learn(l.context, item_features[l.item], l.reward, l.probability, l.actions);
      learning.swap(pending);
      pending.clear();
    }
  }
  return tallies;
}

}  // namespace

int main(int argc, char** argv) {
  long visits = 20000;
  unsigned long long seed = 7;
  int seed_count = 3;
  size_t batch = 320;
  LearnerSettings learner;
  ExplorationSettings exploration;
  bool new_item = false;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (has_value && std::strcmp(argv[i], "--visits") == 0) visits = std::atol(argv[++i]);
    else if (has_value && std::strcmp(argv[i], "--seed") == 0) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (has_value && std::strcmp(argv[i], "--seeds") == 0) seed_count = std::atoi(argv[++i]);
    else if (has_value && std::strcmp(argv[i], "--batch") == 0) batch = std::strtoul(argv[++i], nullptr, 10);
    else if (has_value && std::strcmp(argv[i], "--learning-rate") == 0) learner.learning_rate = std::atof(argv[++i]);
    else if (has_value && std::strcmp(argv[i], "--power-t") == 0) learner.power_t = std::atof(argv[++i]);
    else if (has_value && std::strcmp(argv[i], "--cb-type") == 0 && parse_cb_type(argv[i + 1]))
      learner.cb_type = *parse_cb_type(argv[++i]);
    else if (has_value && std::strcmp(argv[i], "--exploration") == 0) exploration.epsilon = std::atof(argv[++i]);
    else if (std::strcmp(argv[i], "--new-item") == 0) new_item = true;
    else {
      std::fprintf(stderr,
                   "usage: %s [--visits N] [--seed S] [--seeds N] [--learning-rate R] [--power-t P] "
                   "[--cb-type mtr|dm] [--exploration E] [--batch N] [--new-item]\n",
                   argv[0]);
      return 2;
    }
  }
  if (visits < 10 || seed_count < 1 || batch < 1) {
    std::fprintf(stderr, "--visits must be at least 10, --seeds and --batch at least 1\n");
    return 2;
  }
  const std::vector<Persona> personas = pz_sim::make_personas();
  std::vector<Tally> sums(personas.size());
  Tally total;
  std::string cold_starts;
  for (int k = 0; k < seed_count; ++k) {
    ColdStart cold_start{new_item};
    const std::vector<Tally> tallies = run(visits, seed + k, learner, exploration, batch, total, cold_start);
    if (new_item)
      cold_starts += " " + (cold_start.persona_visits < 0 ? std::string("never") : std::to_string(cold_start.persona_visits));
    for (size_t p = 0; p < personas.size(); ++p) {
      sums[p].shown += tallies[p].shown, sums[p].random += tallies[p].random, sums[p].best += tallies[p].best;
      sums[p].visits += tallies[p].visits;
    }
  }
  std::printf("demo shop offline: %ld visits, seeds %llu..%llu, batches of %zu, learning rate %g, power_t %g, "
              "cb_type %s, exploration %g\ncaptured share of the gap from random to best, last 30%% of the visits:\n",
              visits, seed, seed + seed_count - 1, batch, learner.learning_rate, learner.power_t,
              std::string(cb_type_name(learner.cb_type)).c_str(), exploration.epsilon);
  for (size_t p = 0; p < personas.size(); ++p)
    std::printf("  %-14s %5.0f%%  (expected reward %.3f, random %.3f, best %.3f)\n", personas[p].name.c_str(),
                100 * sums[p].captured(), sums[p].shown / sums[p].visits, sums[p].random / sums[p].visits,
                sums[p].best / sums[p].visits);
  std::printf("  %-14s %5.0f%%  (expected reward %.3f)\n", "all", 100 * total.captured(), total.shown / total.visits);
  if (new_item)
    std::printf("new item at half time: the office admin's rank 1 after (its visits, per seed):%s\n", cold_starts.c_str());
  return 0;
}
