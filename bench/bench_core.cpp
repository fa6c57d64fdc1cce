// Speed of the learner core: scoring candidates, featurizing documents,
// learning examples. Run: build/bench/pz_bench_core
#include <benchmark/benchmark.h>

#include <ctime>
#include <string>
#include <variant>
#include <vector>

#include "core/features.hpp"
#include "core/json_text.hpp"
#include "core/model.hpp"
#include "core/model_format.hpp"
#include "core/policy.hpp"
#include "core/random.hpp"

namespace {

using namespace pz;

// 20 features in 3 namespaces.
std::string context_json(Rng& rng) {
  auto pick = [&](int n) { return std::to_string(rng.next_u64() % n); };
  return R"({"user": {"segment": "s)" + pick(8) + R"(", "tier": "t)" + pick(4) +
         R"(", "country": "c)" + pick(30) + R"(", "age": )" + pick(80) + R"(, "tenure_days": )" +
         pick(900) + R"(, "sessions": )" + pick(50) + R"(, "vip": true, "tags": ["a)" + pick(9) +
         R"(", "b)" + pick(9) + R"("]},
   "device": {"os": "o)" +
         pick(4) + R"(", "browser": "b)" + pick(5) + R"(", "mobile": true, "screen": {"w": )" +
         pick(2000) + R"(, "h": )" + pick(1500) + R"(}, "lang": "l)" + pick(10) + R"("},
   "time": {"hour": )" +
         pick(24) + R"(, "weekday": "d)" + pick(7) + R"(", "weekend": true, "month": "m)" +
         pick(12) + R"(", "holiday": true}})";
}

// 5 features in 1 namespace (the id is added separately).
std::string action_json(Rng& rng) {
  auto pick = [&](int n) { return std::to_string(rng.next_u64() % n); };
  return R"({"item": {"category": "c)" + pick(20) + R"(", "brand": "b)" + pick(50) +
         R"(", "price": )" + pick(300) + R"(.5, "rating": 4.)" + pick(10) + R"(, "new": true}})";
}

FeatureSet featurize(const std::string& json) {
  FeatureSet set;
  FeatureBuilder builder(set);
  parse_json(json, builder);
  return set;
}

FeatureSet make_action(Rng& rng, int id) {
  FeatureSet set = featurize(action_json(rng));
  add_action_id(set, "sku-" + std::to_string(id));
  return set;
}

struct Workload {
  std::vector<FeatureSet> contexts;
  std::vector<FeatureSet> actions;
};

Workload make_workload(int contexts, int actions) {
  Rng rng(2024);
  Workload workload;
  for (int i = 0; i < contexts; ++i) workload.contexts.push_back(featurize(context_json(rng)));
  for (int i = 0; i < actions; ++i) workload.actions.push_back(make_action(rng, i));
  return workload;
}

// A model that has learned something, so that weights are not all zero.
Model warmed_model(const Workload& workload) {
  Model model(FeatureSpace{}, LearnerSettings{});
  Rng rng(7);
  for (int i = 0; i < 2000; ++i) {
    const FeatureSet& context = workload.contexts[rng.next_u64() % workload.contexts.size()];
    const FeatureSet& action = workload.actions[rng.next_u64() % workload.actions.size()];
    model.learn(context, action, rng.next_double() < 0.1 ? 1.0 : 0.0, 0.1, 10);
  }
  return model;
}

void score_actions(benchmark::State& state, const Workload& workload, const Model& model) {
  const auto action_count = static_cast<int>(workload.actions.size());
  std::vector<double> scores;
  size_t next_context = 0;
  // CPU time, like the benchmark's own CPU column: the other core may be busy.
  const std::clock_t start = std::clock();
  for (auto _ : state) {
    model.score_all(workload.contexts[next_context++ % workload.contexts.size()], workload.actions,
                    scores);
    benchmark::DoNotOptimize(scores.data());
  }
  const double elapsed_ns = 1e9 * static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  state.SetItemsProcessed(state.iterations() * action_count);
  state.counters["ns_per_action"] =
      elapsed_ns / (static_cast<double>(state.iterations()) * action_count);
}

void BM_ScoreActions(benchmark::State& state) {
  const Workload workload = make_workload(64, static_cast<int>(state.range(0)));
  score_actions(state, workload, warmed_model(workload));
}
BENCHMARK(BM_ScoreActions)->Arg(50)->Arg(500)->Arg(5000);

// The same scoring over weights the model does not own, as ranking reads the
// server's shared copy (Model::over_weights): it must cost the same.
void BM_ScoreActionsBorrowed(benchmark::State& state) {
  const Workload workload = make_workload(64, static_cast<int>(state.range(0)));
  const Model owner = warmed_model(workload);
  std::vector<float> weights(size_t{1} << owner.space().bits);
  decode_weights(serialize_model(owner), owner.space(), weights.data());
  score_actions(state, workload,
                Model::over_weights(owner.space(), weights.data(), owner.examples()));
}
BENCHMARK(BM_ScoreActionsBorrowed)->Arg(50)->Arg(500)->Arg(5000);

// The shape of bench/run.sh section b: a small context (3 features in 2
// namespaces) and catalog rows of 3 columns (each its own namespace) plus the
// id, so 16 weights an action, most of them quadratic. Scoring and deciding,
// as one pz_rank call does after featurizing.
std::string catalog_context_json(Rng& rng) {
  return R"({"user": {"segment": "s)" + std::to_string(rng.next_u64() % 20) + R"(", "tenure_days": )" +
         std::to_string(rng.next_u64() % 365) + R"(}, "device": ")" +
         (rng.next_u64() % 3 == 0 ? "mobile" : "desktop") + R"("})";
}

Workload make_catalog_workload(int contexts, int actions) {
  static const char* const kCategories[] = {"toys", "books", "garden", "office", "kitchen", "sports", "music", "beauty"};
  Rng rng(2025);
  Workload workload;
  for (int i = 0; i < contexts; ++i) workload.contexts.push_back(featurize(catalog_context_json(rng)));
  for (int i = 0; i < actions; ++i) {
    FeatureSet set = featurize(std::string(R"({"category": ")") + kCategories[i % 8] + R"(", "brand": "brand)" +
                               std::to_string((i * 7919) % 120) + R"(", "price": )" +
                               std::to_string(3 + (i * 37) % 400) + "}");
    add_action_id(set, "item" + std::to_string(i));
    workload.actions.push_back(std::move(set));
  }
  return workload;
}

void BM_ScoreCatalog(benchmark::State& state) {
  const Workload workload = make_catalog_workload(64, static_cast<int>(state.range(0)));
  score_actions(state, workload, warmed_model(workload));
}
BENCHMARK(BM_ScoreCatalog)->Arg(50)->Arg(5000);

void BM_ScoreAndDecideCatalog(benchmark::State& state) {
  const Workload workload = make_catalog_workload(64, static_cast<int>(state.range(0)));
  const Model model = warmed_model(workload);
  std::vector<double> scores;
  size_t next = 0;
  for (auto _ : state) {
    model.score_all(workload.contexts[next % workload.contexts.size()], workload.actions, scores);
    benchmark::DoNotOptimize(decide(ExplorationSettings{}, scores, model.examples(), ++next));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ScoreAndDecideCatalog)->Arg(50)->Arg(5000);

// Exploring and ranking scored actions (SquareCB, the costliest policy).
void BM_DecideSquareCB(benchmark::State& state) {
  Rng rng(4);
  std::vector<double> scores(static_cast<size_t>(state.range(0)));
  for (double& s : scores) s = rng.next_double();
  ExplorationSettings settings;
  settings.algorithm = Algorithm::kSquareCB;
  uint64_t seed = 0;
  for (auto _ : state) benchmark::DoNotOptimize(decide(settings, scores, 5000, ++seed));
}
BENCHMARK(BM_DecideSquareCB)->Arg(50)->Arg(5000)->Arg(100000);

// Tokens of a document, replayed into a FeatureBuilder as src/pg's jsonb walk would.
using Token = std::variant<char, std::pair<char, std::string>, double, bool>;

class TokenRecorder : public DocumentHandler {
 public:
  std::vector<Token> tokens;
  void begin_object() override { tokens.emplace_back('{'); }
  void end_object() override { tokens.emplace_back('}'); }
  void begin_array() override { tokens.emplace_back('['); }
  void end_array() override { tokens.emplace_back(']'); }
  void key(std::string_view name) override {
    tokens.emplace_back(std::make_pair('k', std::string(name)));
  }
  void string_value(std::string_view value) override {
    tokens.emplace_back(std::make_pair('s', std::string(value)));
  }
  void number_value(double value) override { tokens.emplace_back(value); }
  void bool_value(bool value) override { tokens.emplace_back(value); }
  void null_value() override { tokens.emplace_back('0'); }
};

void replay(const std::vector<Token>& tokens, DocumentHandler& handler) {
  for (const Token& token : tokens) {
    if (const char* c = std::get_if<char>(&token)) {
      switch (*c) {
        case '{':
          handler.begin_object();
          break;
        case '}':
          handler.end_object();
          break;
        case '[':
          handler.begin_array();
          break;
        case ']':
          handler.end_array();
          break;
        default:
          handler.null_value();
          break;
      }
    } else if (const auto* text = std::get_if<std::pair<char, std::string>>(&token)) {
      if (text->first == 'k')
        handler.key(text->second);
      else
        handler.string_value(text->second);
    } else if (const double* number = std::get_if<double>(&token)) {
      handler.number_value(*number);
    } else {
      handler.bool_value(std::get<bool>(token));
    }
  }
}

void featurize_stream(benchmark::State& state, const std::string& json) {
  TokenRecorder recorder;
  parse_json(json, recorder);
  FeatureSet set;
  for (auto _ : state) {
    set.clear();
    FeatureBuilder builder(set);
    replay(recorder.tokens, builder);
    benchmark::DoNotOptimize(set.features().data());
  }
  state.counters["features"] = static_cast<double>(set.size());
  state.SetItemsProcessed(state.iterations());
}

void BM_FeaturizeContext(benchmark::State& state) {
  Rng rng(1);
  featurize_stream(state, context_json(rng));
}
BENCHMARK(BM_FeaturizeContext);

void BM_FeaturizeAction(benchmark::State& state) {
  Rng rng(1);
  featurize_stream(state, action_json(rng));
}
BENCHMARK(BM_FeaturizeAction);

struct LoggedExample {
  size_t context;
  size_t chosen;
  double reward;
  double probability;
};

// Examples of 10 actions each: only the logged (chosen) action is learned, as
// in the mtr reduction; the trainer does exactly this per example.
void BM_LearnExamples(benchmark::State& state) {
  const Workload workload = make_workload(256, 1000);
  Rng rng(3);
  std::vector<LoggedExample> log;
  for (int i = 0; i < 4096; ++i) {
    const size_t first = rng.next_u64() % (workload.actions.size() - 10);
    log.push_back({rng.next_u64() % workload.contexts.size(), first + rng.next_u64() % 10,
                   rng.next_double() < 0.2 ? 1.0 : 0.0, rng.next_double() < 0.8 ? 0.82 : 0.02});
  }
  Model model(FeatureSpace{}, LearnerSettings{});
  size_t next = 0;
  for (auto _ : state) {
    const LoggedExample& example = log[next++ % log.size()];
    model.learn(workload.contexts[example.context], workload.actions[example.chosen],
                example.reward, example.probability, 10);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["examples_per_second"] =
      benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_LearnExamples);

}  // namespace
