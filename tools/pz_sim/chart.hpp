// The learning curve as a PNG, drawn by gnuplot from a data file and a
// script written next to the chart (so that it can be re-plotted by hand).
#pragma once

#include <string>
#include <vector>

#include "report.hpp"

namespace pz_sim {

// Returns false (and says why on stderr) if gnuplot failed.
bool write_chart(const std::string& png_path, const Summary& summary, const std::vector<Persona>& personas,
                 long visits);

}  // namespace pz_sim
