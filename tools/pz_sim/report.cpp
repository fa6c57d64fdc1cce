#include "report.hpp"

namespace pz_sim {

void Tally::add(const VisitResult& r) {
  ++visits;
  clicks += r.clicked;
  shown += r.shown_probability;
  random += r.random_probability;
  best += r.best_probability;
}

double Tally::captured() const { return best > random ? (shown - random) / (best - random) : 0; }

Summary summarize(const std::vector<VisitResult>& results, int buckets, size_t persona_count) {
  Summary s;
  s.buckets.resize(buckets);
  s.persona_buckets.assign(persona_count, std::vector<Tally>(buckets));
  s.personas.resize(persona_count);
  s.personas_first.resize(persona_count);
  s.personas_last.resize(persona_count);
  const size_t n = results.size();
  for (size_t i = 0; i < n; ++i) {
    const VisitResult& r = results[i];
    if (!r.done) continue;
    const int bucket = static_cast<int>(i * buckets / n);
    s.buckets[bucket].add(r);
    s.persona_buckets[r.persona][bucket].add(r);
    s.personas[r.persona].add(r);
    if (bucket == 0) s.personas_first[r.persona].add(r);
    if (i >= n - n * 3 / 10) s.personas_last[r.persona].add(r);
    s.total.add(r);
  }
  return s;
}

void print_report(std::FILE* out, const Summary& s, const std::vector<Persona>& personas) {
  std::fprintf(out,
               "\nAverage reward per time bucket (pz clicks: observed; the other columns are expected\n"
               "click rates from the hidden probabilities of the same visits' viable items)\n\n");
  std::fprintf(out, "%-8s %7s %10s %12s %8s %8s %9s\n", "bucket", "visits", "pz clicks", "pz expected", "random",
               "best", "captured");
  for (size_t b = 0; b < s.buckets.size(); ++b) {
    const Tally& t = s.buckets[b];
    std::fprintf(out, "%-8zu %7ld %10.3f %12.3f %8.3f %8.3f %8.0f%%\n", b + 1, t.visits, t.mean(t.clicks),
                 t.mean(t.shown), t.mean(t.random), t.mean(t.best), 100 * t.captured());
  }
  const Tally& t = s.total;
  std::fprintf(out, "%-8s %7ld %10.3f %12.3f %8.3f %8.3f %8.0f%%\n", "all", t.visits, t.mean(t.clicks),
               t.mean(t.shown), t.mean(t.random), t.mean(t.best), 100 * t.captured());

  std::fprintf(out,
               "\nAverage reward per persona (expected click rate; first = first bucket, last = last 30%% of\n"
               "the visits; captured = share of the gap from random to best that pz closed, last 30%%)\n\n");
  std::fprintf(out, "%-14s %7s %8s %8s %9s %8s %10s %9s\n", "persona", "visits", "random", "best", "pz first",
               "pz last", "clicks last", "captured");
  for (size_t p = 0; p < personas.size(); ++p) {
    const Tally& all = s.personas[p];
    const Tally& first = s.personas_first[p];
    const Tally& last = s.personas_last[p];
    if (all.visits == 0) continue;
    std::fprintf(out, "%-14s %7ld %8.3f %8.3f %9.3f %8.3f %10.3f %8.0f%%\n", personas[p].name.c_str(), all.visits,
                 last.mean(last.random), last.mean(last.best), first.mean(first.shown), last.mean(last.shown),
                 last.mean(last.clicks), 100 * last.captured());
  }
}

}  // namespace pz_sim
