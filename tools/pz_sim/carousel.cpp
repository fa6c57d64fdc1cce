#include "carousel.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace pz_sim {

PageChance draw_page_chance(int positions, double attention, std::mt19937_64& rng) {
  std::uniform_real_distribution<> uniform(0, 1);
  PageChance chance;
  for (int j = 1; j <= positions; ++j) {
    chance.looks.push_back(uniform(rng) < attention_at(j, attention));
    chance.click_draw.push_back(uniform(rng));
  }
  return chance;
}

double attention_at(int position, double attention) { return std::pow(attention, position - 1); }

double expected_page_clicks(const std::vector<double>& p, double attention) {
  double sum = 0;
  for (size_t j = 0; j < p.size(); ++j) sum += attention_at(static_cast<int>(j) + 1, attention) * p[j];
  return sum;
}

namespace {

// Mean and 95% half-width of a sample.
struct Moments {
  long n = 0;
  double sum = 0, squares = 0;
  void add(double x) { ++n, sum += x, squares += x * x; }
  double mean() const { return n ? sum / n : 0; }
  double half_width() const {
    if (n < 2) return 0;
    const double variance = (squares - sum * sum / n) / (n - 1);
    return 1.96 * std::sqrt(std::max(variance, 0.0) / n);
  }
};

struct Span {
  Moments clicks[kPageArms], expected[kPageArms], random, best, expected_gain, clicks_gain;
  std::vector<Moments> positions[kPageArms];
  void add(const PageResult& r) {
    for (int a = 0; a < kPageArms; ++a) {
      clicks[a].add(r.clicks[a]);
      expected[a].add(r.expected[a]);
      positions[a].resize(std::max(positions[a].size(), r.position_clicks[a].size()));
      for (size_t j = 0; j < r.position_clicks[a].size(); ++j) positions[a][j].add(r.position_clicks[a][j]);
    }
    random.add(r.random);
    best.add(r.best);
    expected_gain.add(r.expected[kSlotsArm] - r.expected[kFilledArm]);
    clicks_gain.add(r.clicks[kSlotsArm] - r.clicks[kFilledArm]);
  }
};

void print_span(std::FILE* out, const char* name, const Span& s, int positions) {
  for (int a = 0; a < kPageArms; ++a) {
    std::fprintf(out, "%-12s %-13s %7ld %11.3f %14.3f", name, kPageArmNames[a], s.clicks[a].n, s.clicks[a].mean(),
                 s.expected[a].mean());
    for (int j = 0; j < positions; ++j)
      std::fprintf(out, " %7.3f", j < static_cast<int>(s.positions[a].size()) ? s.positions[a][j].mean() : 0.0);
    std::fputc('\n', out);
  }
  std::fprintf(out, "%-12s %-13s %7ld %11s %14.3f\n", name, "random", s.random.n, "", s.random.mean());
  std::fprintf(out, "%-12s %-13s %7ld %11s %14.3f\n", name, "best", s.best.n, "", s.best.mean());
}

}  // namespace

void print_carousel_report(std::FILE* out, const std::vector<PageResult>& pages, int positions, double attention) {
  Span all, second_half;
  const size_t n = pages.size();
  for (size_t i = 0; i < n; ++i) {
    if (!pages[i].done) continue;
    all.add(pages[i]);
    if (i >= n / 2) second_half.add(pages[i]);
  }
  std::fprintf(out, "\nCarousel of %d positions (attention", positions);
  for (int j = 1; j <= positions; ++j) std::fprintf(out, "%s%.2f", j == 1 ? " " : ", ", attention_at(j, attention));
  std::fprintf(out,
               "): page reward a visit, the same visits for each page\n"
               "(clicks: observed; expected: from the hidden click probabilities and the attention)\n\n");
  std::fprintf(out, "%-12s %-13s %7s %11s %14s", "visits", "page", "pages", "clicks/page", "expected/page");
  for (int j = 1; j <= positions; ++j) std::fprintf(out, "   pos %d", j);
  std::fputc('\n', out);
  print_span(out, "all", all, positions);
  print_span(out, "second half", second_half, positions);
  std::fprintf(out, "\nslots - score-filled, paired over the same visits (95%% interval):\n");
  for (const auto& [name, span] : {std::pair{"all", &all}, std::pair{"second half", &second_half}})
    std::fprintf(out, "  %-12s expected %+.4f [%+.4f, %+.4f]   clicks %+.4f [%+.4f, %+.4f]\n", name,
                 span->expected_gain.mean(), span->expected_gain.mean() - span->expected_gain.half_width(),
                 span->expected_gain.mean() + span->expected_gain.half_width(), span->clicks_gain.mean(),
                 span->clicks_gain.mean() - span->clicks_gain.half_width(),
                 span->clicks_gain.mean() + span->clicks_gain.half_width());
  // For scripts: the expected gain over all visits (the cumulative reward of
  // learning) and its interval.
  std::fprintf(out, "carousel: slots %.4f filled %.4f gain %.4f low %.4f high %.4f pages %ld\n",
               all.expected[kSlotsArm].mean(), all.expected[kFilledArm].mean(), all.expected_gain.mean(),
               all.expected_gain.mean() - all.expected_gain.half_width(),
               all.expected_gain.mean() + all.expected_gain.half_width(), all.expected_gain.n);
}

}  // namespace pz_sim
