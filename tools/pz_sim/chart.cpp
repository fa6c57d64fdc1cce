#include "chart.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace pz_sim {

namespace {

std::string without_extension(const std::string& path) {
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  return dot != std::string::npos && (slash == std::string::npos || dot > slash) ? path.substr(0, dot) : path;
}

// Single quotes are gnuplot's literal strings; a quote inside is doubled.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

bool write_chart(const std::string& png_path, const Summary& s, const std::vector<Persona>& personas, long visits) {
  const std::string base = without_extension(png_path);
  const std::string data_path = base + ".dat";
  const std::string script_path = base + ".gp";
  const size_t buckets = s.buckets.size();

  // Block 0: overall; block 1 + p: persona p. Columns: visit (bucket middle),
  // pz clicks, pz expected, random, best.
  std::ofstream data(data_path);
  auto write_block = [&](const std::vector<Tally>& tallies) {
    for (size_t b = 0; b < buckets; ++b) {
      const Tally& t = tallies[b];
      if (t.visits == 0) continue;
      data << (b + 0.5) * visits / buckets << ' ' << t.mean(t.clicks) << ' ' << t.mean(t.shown) << ' '
           << t.mean(t.random) << ' ' << t.mean(t.best) << '\n';
    }
    data << "\n\n";
  };
  write_block(s.buckets);
  for (const std::vector<Tally>& tallies : s.persona_buckets) write_block(tallies);
  data.close();

  std::ofstream script(script_path);
  script << "set terminal pngcairo size 1100,1000 font 'sans,10'\n"
         << "set output " << quoted(png_path) << "\n"
         << "set multiplot layout 2,1 title 'pz-sim: learning live in PostgreSQL (' . " << visits
         << " . ' visits)'\n"
         << "set grid\nset key outside right\nset xlabel 'visits'\nset ylabel 'reward (click rate)'\n"
         << "set yrange [0:*]\n"
         << "set title 'All visitors: pz vs a uniform random pick vs the best item, per time bucket'\n"
         << "plot " << quoted(data_path) << " index 0 using 1:5 with lines lw 2 dt 2 lc rgb '#2a9d8f' title 'best possible', \\\n"
         << "     '' index 0 using 1:3 with linespoints lw 3 pt 7 lc rgb '#e76f51' title 'pz (expected)', \\\n"
         << "     '' index 0 using 1:2 with points pt 6 lc rgb '#e76f51' title 'pz (observed clicks)', \\\n"
         << "     '' index 0 using 1:4 with lines lw 2 dt 3 lc rgb '#555555' title 'uniform random'\n"
         << "set title 'Per persona: pz (solid) vs best (dashed) vs random (dotted)'\n"
         << "plot ";
  bool first = true;
  for (size_t p = 0; p < personas.size(); ++p) {
    if (s.personas[p].visits == 0) continue;
    const std::string block = std::to_string(p + 1);
    const std::string color = std::to_string(p + 1);
    script << (first ? "" : ", \\\n     ") << quoted(data_path) << " index " << block
           << " using 1:3 with linespoints lw 2 pt 7 ps 0.6 lc " << color << " title " << quoted(personas[p].name)
           << ", '' index " << block << " using 1:5 with lines dt 2 lc " << color << " notitle"
           << ", '' index " << block << " using 1:4 with lines dt 3 lc " << color << " notitle";
    first = false;
  }
  script << "\nunset multiplot\n";
  script.close();

  const std::string command = "gnuplot " + quoted(script_path) + " 2>&1";
  const int status = std::system(command.c_str());
  if (status != 0) {
    std::fprintf(stderr, "pz-sim: gnuplot failed (status %d); the script is %s\n", status, script_path.c_str());
    return false;
  }
  return true;
}

}  // namespace pz_sim
