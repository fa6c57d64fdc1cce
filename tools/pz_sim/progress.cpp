#include "progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>

namespace pz_sim {

namespace {
constexpr int kWidth = 30;
constexpr long kWindow = 300;  // recent visits the running averages cover
}  // namespace

void Progress::draw(RunState& state, long model_version) {
  const long done = state.completed.load();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // Running averages over the most recent finished visits.
  double shown = 0, random = 0, best = 0;
  long counted = 0;
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    for (long i = std::min<long>(state.next_visit.load(), total_) - 1; i >= 0 && counted < kWindow; --i) {
      const VisitResult& r = state.results[i];
      if (!r.done) continue;
      shown += r.shown_probability, random += r.random_probability, best += r.best_probability;
      ++counted;
    }
  }
  // Not a terminal (a log file): a line per tenth instead of redrawing.
  if (!isatty(STDERR_FILENO)) {
    const int tenth = static_cast<int>(10 * done / total_);
    if (tenth == last_tenth_) return;
    last_tenth_ = tenth;
  }
  const int filled = static_cast<int>(kWidth * done / total_);
  std::string bar(filled, '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "%s[%s] %ld/%ld visits %5.1f/s | recent reward pz %.3f random %.3f best %.3f | model v%ld | %ld clicks queued ",
               isatty(STDERR_FILENO) ? "\r" : "", bar.c_str(), done, total_, elapsed > 0 ? done / elapsed : 0.0, counted ? shown / counted : 0.0,
               counted ? random / counted : 0.0, counted ? best / counted : 0.0, model_version,
               state.rewards_pending.load());
  std::fputs(isatty(STDERR_FILENO) ? "" : "\n", stderr);
  std::fflush(stderr);
}

void Progress::finish(RunState& state, long model_version) {
  draw(state, model_version);
  if (isatty(STDERR_FILENO)) std::fputc('\n', stderr);
}

}  // namespace pz_sim
