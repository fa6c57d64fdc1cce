// A suite of simulated environments for choosing the loop's default
// algorithm, exploration and learning rate by evidence: balanced and
// unbalanced cohorts (one with 5% of the traffic), dense and sparse rewards,
// 10 to 1,000 candidates, categorical-heavy and numeric-heavy items, and
// worlds that change mid-run (tastes rotate, a clearly better item arrives,
// the best items disappear). Every setting of the grid runs every environment
// with the same seeds, learning in batches of 500 as pz's trainer does.
//
// The measure is the share of the oracle: the expected reward of the shown
// items over that of the best candidate for the visitor's true cohort (which
// the context only hints at), over the second half of a fixed world, or after
// the change for a changing one; per cohort as well.
//
// Run: build/bench/pz_learning_suite [--seeds N] [--rounds N] [--quick | --defaults-only] [--only ENVIRONMENT]
// [--late-drift-scale K] [--power-t P]
// (--quick: the default and a few settings only; --power-t: for every setting). Prints one table of shares,
// each setting's worst ratio to the best setting of an environment, the
// per-cohort shares of the chosen and the current defaults, and the recovery
// figures of the changing worlds.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/features.hpp"
#include "core/json_text.hpp"
#include "core/model.hpp"
#include "core/settings.hpp"
#include "core/policy.hpp"
#include "core/random.hpp"

namespace {

using namespace pz;

constexpr int kBatchSize = 500;
constexpr int kCategories = 8;
constexpr int kBrands = 20;
constexpr int kStyles = 5;
constexpr int kNumeric = 6;
constexpr double kSegmentAccuracy = 0.92;  // the context's cohort label is right this often
constexpr int kWindow = 1000;              // visits of the trailing mean for recovery

double normal(Rng& rng) {
  const double u = 1.0 - rng.next_double();
  const double v = rng.next_double();
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
}

enum class Change { kNone, kDrift, kNewItem, kVanish };

struct Environment {
  const char* name;
  int cohorts;
  double small_share;  // > 0: cohort 0 gets this share of the visits
  bool sparse;
  int candidates;  // shown a round, drawn from the catalog
  bool numeric;    // numeric-heavy items (else categorical-heavy)
  Change change;
  double rounds_scale;  // of --rounds
  double change_at;     // share of the run before the change (and the measure)
};

struct Item {
  int category, brand, style;
  std::array<double, kNumeric> attributes;
  double quality;
};

struct Cohort {
  std::array<double, kCategories> category;
  std::array<double, kBrands> brand;
  std::array<double, kStyles> style;
  std::array<double, kNumeric> numeric;
  double mobile_share;
  double share;
};

struct World {
  const Environment* env;
  std::vector<Item> catalog;
  std::vector<FeatureSet> features;
  std::vector<bool> available;
  std::vector<Cohort> cohorts;
  double bias;
};

FeatureSet item_features(const World& world, const Item& item, int index) {
  char json[512];
  if (world.env->numeric) {
    int n = std::snprintf(json, sizeof json, R"({"item": {"category": "c%d")", item.category);
    for (int a = 0; a < kNumeric; ++a)
      n += std::snprintf(json + n, sizeof json - n, R"(, "a%d": %.4f)", a, item.attributes[a]);
    std::snprintf(json + n, sizeof json - n, "}}");
  } else {
    std::snprintf(json, sizeof json,
                  R"({"item": {"category": "c%d", "brand": "b%d", "style": "s%d", "price": %.4f}})",
                  item.category, item.brand, item.style, item.attributes[0]);
  }
  FeatureSet set;
  FeatureBuilder builder(set);
  parse_json(json, builder);
  add_action_id(set, "sku-" + std::to_string(index));
  return set;
}

Item random_item(Rng& rng) {
  Item item;
  item.category = static_cast<int>(rng.next_u64() % kCategories);
  item.brand = static_cast<int>(rng.next_u64() % kBrands);
  item.style = static_cast<int>(rng.next_u64() % kStyles);
  for (double& a : item.attributes) a = rng.next_double();
  item.quality = 0.4 * normal(rng);
  return item;
}

double utility(const World& world, const Cohort& cohort, const Item& item) {
  double u = 0.8 * item.quality + cohort.category[item.category];
  if (world.env->numeric) {
    for (int a = 0; a < kNumeric; ++a) u += cohort.numeric[a] * (item.attributes[a] - 0.5);
  } else {
    u += cohort.brand[item.brand] + cohort.style[item.style] + cohort.numeric[0] * (item.attributes[0] - 0.5);
  }
  return u;
}

double click_probability(const World& world, int cohort, const Item& item) {
  return 1.0 / (1.0 + std::exp(-(utility(world, world.cohorts[cohort], item) - world.bias)));
}

World build_world(const Environment& env, Rng& rng) {
  World world;
  world.env = &env;
  const int size = std::max(300, env.candidates);
  for (int i = 0; i < size; ++i) world.catalog.push_back(random_item(rng));
  world.available.assign(size, true);
  for (int c = 0; c < env.cohorts; ++c) {
    Cohort cohort;
    for (double& a : cohort.category) a = 0.3 * normal(rng);
    cohort.category[rng.next_u64() % kCategories] += env.numeric ? 0.6 : 1.6;
    cohort.category[rng.next_u64() % kCategories] += env.numeric ? 0.3 : 1.0;
    for (double& a : cohort.brand) a = rng.next_double() < 0.15 ? 0.6 : 0.0;
    for (double& a : cohort.style) a = 0.4 * normal(rng);
    for (double& a : cohort.numeric) a = (env.numeric ? 2.5 : 1.2) * normal(rng);
    cohort.mobile_share = 0.2 + 0.6 * rng.next_double();
    cohort.share = 1.0;
    world.cohorts.push_back(cohort);
  }
  for (int c = 0; c < env.cohorts; ++c)
    world.cohorts[c].share = env.small_share > 0
                                 ? (c == 0 ? env.small_share : (1.0 - env.small_share) / (env.cohorts - 1))
                                 : 1.0 / env.cohorts;
  // Dense: about a third click the average item; sparse: a few percent.
  world.bias = env.sparse ? 4.0 : 1.0;
  for (int i = 0; i < size; ++i) world.features.push_back(item_features(world, world.catalog[i], i));
  return world;
}

int draw_cohort(const World& world, Rng& rng) {
  double u = rng.next_double();
  for (size_t c = 0; c < world.cohorts.size(); ++c) {
    u -= world.cohorts[c].share;
    if (u < 0) return static_cast<int>(c);
  }
  return static_cast<int>(world.cohorts.size()) - 1;
}

FeatureSet context_of(const World& world, int cohort, Rng& rng) {
  const int cohorts = static_cast<int>(world.cohorts.size());
  int segment = cohort;
  if (rng.next_double() >= kSegmentAccuracy)
    segment = (cohort + 1 + static_cast<int>(rng.next_u64() % (cohorts - 1))) % cohorts;
  const bool mobile = rng.next_double() < world.cohorts[cohort].mobile_share;
  char json[256];
  std::snprintf(json, sizeof json,
                R"({"user": {"segment": "seg%d", "returning": %s}, "session": {"device": "%s", "hour": %d}})",
                segment, rng.next_double() < 0.5 ? "true" : "false", mobile ? "mobile" : "desktop",
                static_cast<int>(rng.next_u64() % 24));
  FeatureSet set;
  FeatureBuilder builder(set);
  parse_json(json, builder);
  return set;
}

// The changes of a changing world, at half time.
void rotate_tastes(World& world) {
  std::vector<Cohort> rotated = world.cohorts;
  const size_t n = rotated.size();
  for (size_t c = 0; c < n; ++c) {
    const Cohort& from = world.cohorts[(c + 1) % n];
    rotated[c].category = from.category;
    rotated[c].brand = from.brand;
    rotated[c].style = from.style;
    rotated[c].numeric = from.numeric;
  }
  world.cohorts = rotated;
}

// A new item, clearly the best for cohort 0: its index.
int add_star_item(World& world, Rng& rng) {
  Item best = world.catalog[0];
  double best_utility = -1e9;
  for (size_t i = 0; i < world.catalog.size(); ++i) {
    const double u = utility(world, world.cohorts[0], world.catalog[i]);
    if (world.available[i] && u > best_utility) best_utility = u, best = world.catalog[i];
  }
  (void)rng;
  best.quality += 2.0;  // same traits as cohort 0's favourite, much better made
  world.catalog.push_back(best);
  world.available.push_back(true);
  const int index = static_cast<int>(world.catalog.size()) - 1;
  world.features.push_back(item_features(world, best, index));
  return index;
}

// Each cohort's ten best items leave the catalog.
void remove_favourites(World& world) {
  for (size_t c = 0; c < world.cohorts.size(); ++c) {
    std::vector<std::pair<double, int>> ranked;
    for (size_t i = 0; i < world.catalog.size(); ++i)
      if (world.available[i])
        ranked.push_back({click_probability(world, static_cast<int>(c), world.catalog[i]), static_cast<int>(i)});
    std::sort(ranked.rbegin(), ranked.rend());
    for (size_t k = 0; k < 10 && k < ranked.size(); ++k) world.available[ranked[k].second] = false;
  }
}

struct Setting {
  std::string name;
  ExplorationSettings exploration;
  LearnerSettings learner;
};

struct CohortTally {
  double shown = 0, oracle = 0;
  long visits = 0;
  double share() const { return oracle > 0 ? shown / oracle : 0; }
};

struct Outcome {
  std::vector<CohortTally> cohorts;
  CohortTally total;
  long recovery = -1;   // visits after the change until back to 80% of the new best (-1: never)
  long recovery_own = -1;  // ... until back to 95% of the share it had before the change
  long cold_start = -1;  // visits after arrival until the new item is cohort 0's rank 1 (-1: never)
};

struct Logged {
  FeatureSet context;
  int item;
  double reward, probability;
  size_t actions;
};

Outcome simulate(const Environment& env, const Setting& setting, long base_rounds, uint64_t seed) {
  Rng rng(seed);
  World world = build_world(env, rng);
  const long rounds = static_cast<long>(base_rounds * env.rounds_scale);
  const long measure_from = static_cast<long>(rounds * env.change_at);
  const long change_at = env.change == Change::kNone ? -1 : measure_from;
  Model model(FeatureSpace{}, setting.learner);
  Outcome outcome;
  outcome.cohorts.resize(env.cohorts);
  std::vector<int> shown_items;
  std::vector<FeatureSet> candidates;
  std::vector<double> scores, truth;
  std::vector<Logged> batch;
  std::vector<double> window_shown(kWindow, 0), window_oracle(kWindow, 0);
  double sum_shown = 0, sum_oracle = 0, share_before = 0;
  int star = -1, star_streak = 0;

  for (long round = 0; round < rounds; ++round) {
    if (round == change_at) {
      if (env.change == Change::kDrift) rotate_tastes(world);
      if (env.change == Change::kNewItem) star = add_star_item(world, rng);
      if (env.change == Change::kVanish) remove_favourites(world);
    }
    const int cohort = draw_cohort(world, rng);
    // Candidates: a random draw of the available catalog (the star always in).
    std::vector<int> pool;
    for (size_t i = 0; i < world.catalog.size(); ++i)
      if (world.available[i] && static_cast<int>(i) != star) pool.push_back(static_cast<int>(i));
    const int count = std::min<int>(env.candidates - (star >= 0 ? 1 : 0), static_cast<int>(pool.size()));
    shown_items.clear();
    if (star >= 0) shown_items.push_back(star);
    for (int k = 0; k < count; ++k) {
      std::swap(pool[k], pool[k + rng.next_u64() % (pool.size() - k)]);
      shown_items.push_back(pool[k]);
    }
    candidates.clear();
    truth.clear();
    for (int item : shown_items) {
      candidates.push_back(world.features[item]);
      truth.push_back(click_probability(world, cohort, world.catalog[item]));
    }
    FeatureSet context = context_of(world, cohort, rng);
    model.score_all(context, candidates, scores);
    const Decision decision = decide(setting.exploration, scores, model.examples(), rng.next_u64());
    const uint32_t chosen = decision.ranking[0];
    const double reward = rng.next_double() < truth[chosen] ? 1.0 : 0.0;
    const double oracle = *std::max_element(truth.begin(), truth.end());

    if (round >= measure_from) {
      CohortTally& tally = outcome.cohorts[cohort];
      tally.shown += truth[chosen];
      tally.oracle += oracle;
      ++tally.visits;
      outcome.total.shown += truth[chosen];
      outcome.total.oracle += oracle;
      ++outcome.total.visits;
    }
    // The trailing window of the last kWindow visits.
    const size_t slot = round % kWindow;
    sum_shown += truth[chosen] - window_shown[slot];
    sum_oracle += oracle - window_oracle[slot];
    window_shown[slot] = truth[chosen];
    window_oracle[slot] = oracle;
    if (round + 1 == change_at) share_before = sum_shown / sum_oracle;
    if (change_at >= 0 && round >= change_at) {
      const long since = round - change_at;
      if (outcome.recovery < 0 && since + 1 >= kWindow && sum_shown >= 0.8 * sum_oracle)
        outcome.recovery = since + 1;
      if (outcome.recovery_own < 0 && since + 1 >= kWindow && sum_shown >= 0.95 * share_before * sum_oracle)
        outcome.recovery_own = since + 1;
      if (star >= 0 && cohort == 0 && outcome.cold_start < 0) {
        const bool first = std::max_element(scores.begin(), scores.end()) == scores.begin();
        star_streak = first ? star_streak + 1 : 0;
        if (star_streak == 10) outcome.cold_start = since + 1;  // ten cohort-0 visits in a row
      }
    }
    batch.push_back({std::move(context), shown_items[chosen], reward, decision.probabilities[chosen],
                     shown_items.size()});
    if (static_cast<int>(batch.size()) == kBatchSize) {
      for (const Logged& l : batch)
        model.learn(l.context, world.features[l.item], l.reward, l.probability, l.actions);
      batch.clear();
    }
  }
  return outcome;
}

const Environment kSuite[] = {
    {"base", 4, 0, false, 30, false, Change::kNone, 1, 0.5},
    {"unbal", 4, 0.05, false, 30, false, Change::kNone, 1, 0.5},
    {"sparse", 4, 0, true, 30, false, Change::kNone, 1, 0.5},
    {"unbal-sp", 4, 0.05, true, 30, false, Change::kNone, 1, 0.5},
    {"numeric", 4, 0, false, 30, true, Change::kNone, 1, 0.5},
    {"10-cand", 4, 0, false, 10, false, Change::kNone, 1, 0.5},
    {"1000-cand", 4, 0, false, 1000, false, Change::kNone, 0.5, 0.5},
    {"drift", 4, 0, false, 30, false, Change::kDrift, 1, 0.5},
    {"late-drift", 4, 0, false, 30, false, Change::kDrift, 5, 0.9},
    {"new-item", 4, 0, false, 30, false, Change::kNewItem, 1, 0.5},
    {"vanish", 4, 0, false, 30, false, Change::kVanish, 1, 0.5},
};

Setting make_setting(Algorithm algorithm, double epsilon, double learning_rate) {
  Setting s;
  s.exploration.algorithm = algorithm;
  s.exploration.epsilon = epsilon;
  s.learner.learning_rate = learning_rate;
  char name[64];
  if (algorithm == Algorithm::kEpsilonGreedy)
    std::snprintf(name, sizeof name, "eps %.2f lr %g", epsilon, learning_rate);
  else
    std::snprintf(name, sizeof name, "%s lr %g", std::string(algorithm_name(algorithm)).c_str(), learning_rate);
  s.name = name;
  return s;
}

std::vector<Setting> grid(bool quick) {
  std::vector<Setting> settings;
  const std::vector<double> rates = quick ? std::vector<double>{0.05, 0.2} : std::vector<double>{0.05, 0.1, 0.2, 0.5};
  for (double lr : rates) {
    for (double eps : quick ? std::vector<double>{0.2} : std::vector<double>{0.05, 0.1, 0.2})
      settings.push_back(make_setting(Algorithm::kEpsilonGreedy, eps, lr));
    settings.push_back(make_setting(Algorithm::kSquareCB, 0, lr));
    if (!quick) settings.push_back(make_setting(Algorithm::kSoftmax, 0, lr));
  }
  return settings;
}

void add(Outcome& into, const Outcome& more) {
  if (into.cohorts.empty()) into.cohorts.resize(more.cohorts.size());
  for (size_t c = 0; c < more.cohorts.size(); ++c) {
    into.cohorts[c].shown += more.cohorts[c].shown;
    into.cohorts[c].oracle += more.cohorts[c].oracle;
    into.cohorts[c].visits += more.cohorts[c].visits;
  }
  into.total.shown += more.total.shown;
  into.total.oracle += more.total.oracle;
  into.total.visits += more.total.visits;
}

// Visits until something happened, over the seeds where it did.
struct Visits {
  double sum = 0;
  int count = 0;
  void add(long visits) {
    if (visits >= 0) sum += visits, ++count;
  }
  std::string text(int seeds) const {
    if (count == 0) return "never";
    return std::to_string(static_cast<long>(sum / count)) + " (" + std::to_string(count) + "/" +
           std::to_string(seeds) + " seeds)";
  }
};

}  // namespace

int main(int argc, char** argv) {
  long rounds = 20000;
  int seeds = 2;
  bool quick = false;
  bool defaults_only = false;
  double power_t = LearnerSettings{}.power_t;
  // Each setting is run with these cb_types (a dm row is named "... dm").
  std::vector<CbType> cb_types{LearnerSettings{}.cb_type};
  double late_scale = 5;  // late-drift runs this many times --rounds
  double only_rate = 0;  // > 0: the grid's rows at this learning rate only
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
      rounds = std::atol(argv[++i]);
    else if (std::strcmp(argv[i], "--seeds") == 0 && i + 1 < argc)
      seeds = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--quick") == 0)
      quick = true;
    else if (std::strcmp(argv[i], "--defaults-only") == 0)
      defaults_only = true;
    else if (std::strcmp(argv[i], "--late-drift-scale") == 0 && i + 1 < argc)
      late_scale = std::atof(argv[++i]);
    else if (std::strcmp(argv[i], "--power-t") == 0 && i + 1 < argc)
      power_t = std::atof(argv[++i]);
    else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc)
      only = argv[++i];
    else if (std::strcmp(argv[i], "--learning-rate") == 0 && i + 1 < argc)
      only_rate = std::atof(argv[++i]);
    else if (std::strcmp(argv[i], "--cb-type") == 0 && i + 1 < argc && std::strcmp(argv[i + 1], "both") == 0)
      cb_types = {CbType::kMtr, CbType::kDm}, ++i;
    else if (std::strcmp(argv[i], "--cb-type") == 0 && i + 1 < argc && parse_cb_type(argv[i + 1]))
      cb_types = {*parse_cb_type(argv[++i])};
    else {
      std::fprintf(stderr, "usage: %s [--rounds N] [--seeds N] [--quick | --defaults-only] [--only ENVIRONMENT] [--late-drift-scale K] [--power-t P] [--cb-type mtr|dm|both] [--learning-rate R]\n", argv[0]);
      return 2;
    }
  }
  if (rounds < 4 * kBatchSize || seeds < 1) {
    std::fprintf(stderr, "--rounds must be at least %d and --seeds at least 1\n", 4 * kBatchSize);
    return 2;
  }
  std::vector<Environment> environments;
  for (Environment env : kSuite) {
    if (!only.empty() && only != env.name) continue;
    if (std::strcmp(env.name, "late-drift") == 0) env.rounds_scale = late_scale;
    environments.push_back(env);
  }
  if (environments.empty()) {
    std::fprintf(stderr, "--only: no environment named %s\n", only.c_str());
    return 2;
  }
  const int environment_count = static_cast<int>(environments.size());
  std::vector<Setting> settings =
      defaults_only ? std::vector<Setting>{make_setting(ExplorationSettings{}.algorithm, ExplorationSettings{}.epsilon,
                                                        LearnerSettings{}.learning_rate)}
                    : grid(quick);
  std::vector<Setting> typed;
  for (const Setting& setting : settings) {
    if (only_rate > 0 && setting.learner.learning_rate != only_rate) continue;
    for (CbType cb_type : cb_types) {
      typed.push_back(setting);
      typed.back().learner.power_t = power_t;
      typed.back().learner.cb_type = cb_type;
      if (cb_type != LearnerSettings{}.cb_type) typed.back().name += " " + std::string(cb_type_name(cb_type));
    }
  }
  settings = std::move(typed);
  if (settings.empty()) {
    std::fprintf(stderr, "--learning-rate: no setting of the grid has learning rate %g\n", only_rate);
    return 2;
  }
  // outcomes[setting][environment], summed over the seeds; recovery and cold
  // start averaged over the seeds that got there.
  std::vector<std::vector<Outcome>> outcomes(settings.size(), std::vector<Outcome>(environment_count));
  std::vector<std::vector<std::array<Visits, 3>>> changes(settings.size(),
                                                         std::vector<std::array<Visits, 3>>(environment_count));
  for (size_t s = 0; s < settings.size(); ++s) {
    for (int e = 0; e < environment_count; ++e) {
      for (int k = 0; k < seeds; ++k) {
        const Outcome o = simulate(environments[e], settings[s], rounds, 1000 + 17 * k);
        add(outcomes[s][e], o);
        changes[s][e][0].add(o.recovery);
        changes[s][e][1].add(o.recovery_own);
        changes[s][e][2].add(o.cold_start);
      }
    }
    std::fprintf(stderr, "%zu/%zu settings\r", s + 1, settings.size());
  }
  std::fprintf(stderr, "\n");

  std::vector<double> best(environment_count, 0);
  for (size_t s = 0; s < settings.size(); ++s)
    for (int e = 0; e < environment_count; ++e) best[e] = std::max(best[e], outcomes[s][e].total.share());

  std::printf("share of the oracle after half time (after the change: late-drift changes at 90%% of %.0f rounds),\n"
              "%ld rounds (x0.5 for 1000-cand), %d seeds, batches of %d, power_t %g\n",
              late_scale * rounds, rounds, seeds, kBatchSize, power_t);
  std::printf("| setting |");
  for (const Environment& env : environments) std::printf(" %s |", env.name);
  std::printf(" worst ratio to best | mean |\n|---|");
  for (int e = 0; e <= environment_count + 1; ++e) std::printf("---|");
  std::printf("\n");
  size_t chosen = 0;
  double chosen_worst = -1;
  for (size_t s = 0; s < settings.size(); ++s) {
    double worst = 1e9, mean = 0;
    std::printf("| %s |", settings[s].name.c_str());
    for (int e = 0; e < environment_count; ++e) {
      const double share = outcomes[s][e].total.share();
      worst = std::min(worst, share / best[e]);
      mean += share / environment_count;
      std::printf(" %.3f |", share);
    }
    std::printf(" %.3f | %.3f |\n", worst, mean);
    if (worst > chosen_worst) chosen_worst = worst, chosen = s;
  }
  std::printf("\nbest across the suite (highest worst ratio): %s (%.3f)\n", settings[chosen].name.c_str(),
              chosen_worst);

  const Setting current = make_setting(ExplorationSettings{}.algorithm, ExplorationSettings{}.epsilon,
                                       LearnerSettings{}.learning_rate);
  size_t current_index = settings.size();
  for (size_t s = 0; s < settings.size(); ++s)
    if (settings[s].name == current.name) current_index = s;
  std::vector<size_t> shown;
  if (current_index < settings.size()) shown.push_back(current_index);
  if (chosen != current_index) shown.push_back(chosen);
  for (size_t s : shown) {
    std::printf("\nper cohort, %s (cohort 0 holds 5%% of the traffic in unbal and unbal-sp):\n",
                settings[s].name.c_str());
    std::printf("| environment | cohort 0 | cohort 1 | cohort 2 | cohort 3 | visits to 80%% of the new best |"
                " visits to 95%% of the share before | visits until the new item is rank 1 |\n"
                "|---|---|---|---|---|---|---|---|\n");
    for (int e = 0; e < environment_count; ++e) {
      std::printf("| %s |", environments[e].name);
      for (const CohortTally& t : outcomes[s][e].cohorts) std::printf(" %.3f |", t.share());
      const auto& c = changes[s][e];
      const Change change = environments[e].change;
      std::printf(" %s | %s | %s |\n", change == Change::kNone ? "" : c[0].text(seeds).c_str(),
                  change == Change::kNone ? "" : c[1].text(seeds).c_str(),
                  change == Change::kNewItem ? c[2].text(seeds).c_str() : "");
    }
  }
  return 0;
}
