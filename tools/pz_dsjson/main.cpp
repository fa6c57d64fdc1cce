// pz-dsjson: Decision Service JSON files in and out of a pz loop, from the
// command line (libpq's PG* environment variables pick the database).
//
//   pz-dsjson import LOOP FILE [--batch-lines N]   all of FILE, or nothing
//   pz-dsjson export LOOP FILE [--since T] [--until T]
//   pz-dsjson generate LINES FILE [--actions N] [--catalog M] [--seed S]   synthetic lines (benchmarks)
//
// import streams FILE in batches of lines (the next one read while the server
// imports one), each one pz_import_dsjson call, all in one transaction: a bad
// line anywhere rolls the whole file back, and the error names its line in
// FILE. A progress bar goes to stderr.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int usage() {
  std::cerr
      << "usage: pz-dsjson import LOOP FILE [--batch-lines N]\n"
         "       pz-dsjson export LOOP FILE [--since TIMESTAMPTZ] [--until TIMESTAMPTZ]\n"
         "       pz-dsjson generate LINES FILE [--actions N] [--catalog M] [--seed S]\n"
         "The database is chosen by libpq's environment (PGHOST, PGPORT, PGDATABASE, PGUSER...).\n";
  return 2;
}

// Options after the positional arguments: --name value.
std::string option(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 4; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return fallback;
}

// A one-line progress bar on stderr, redrawn at most every 200 ms.
class Progress {
 public:
  Progress(const char* verb, long long total)
      : verb_(verb), total_(total), start_(Clock::now()), last_(start_) {}
  void update(long long done, long long lines, bool force = false) {
    auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double seconds = std::chrono::duration<double>(now - start_).count();
    double rate = seconds > 0 ? static_cast<double>(lines) / seconds : 0.0;
    if (total_ > 0) {
      int width = 30;
      int filled =
          static_cast<int>(width * static_cast<double>(done) / static_cast<double>(total_));
      std::fprintf(
          stderr, "\r%s [%-*s] %3d%% %lld lines, %.0f lines/s ", verb_, width,
          std::string(static_cast<size_t>(filled), '#').c_str(),
          static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total_)), lines,
          rate);
    } else {
      std::fprintf(stderr, "\r%s %lld lines, %.0f lines/s ", verb_, lines, rate);
    }
  }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  const char* verb_;
  long long total_;
  Clock::time_point start_;
  Clock::time_point last_;
};

// The server numbers lines within one call: shift them to the file's.
std::string file_line_numbers(const std::string& message, long long offset) {
  static const std::regex line_number("line ([0-9]+)");
  std::string out;
  auto begin = std::sregex_iterator(message.begin(), message.end(), line_number);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out += message.substr(last, static_cast<size_t>(it->position()) - last);
    out += "line " + std::to_string(std::stoll((*it)[1]) + offset);
    last = static_cast<size_t>(it->position() + it->length());
  }
  return out + message.substr(last);
}

// CPU seconds a local process has used (the server backend, when the server
// runs on this machine and /proc shows it); negative when unknown.
double process_cpu_seconds(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t end = text.rfind(')');
  if (!stat.good() && text.empty()) return -1.0;
  if (end == std::string::npos) return -1.0;
  std::istringstream fields(text.substr(end + 2));
  std::string field;
  double ticks = 0.0;
  for (int i = 3; i <= 15 && fields >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int import_file(const std::string& loop, const std::string& path, long batch_lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "pz-dsjson: cannot read " << path << "\n";
    return 1;
  }
  in.seekg(0, std::ios::end);
  long long size = in.tellg();
  in.seekg(0);
  pqxx::connection connection;
  double backend_cpu = process_cpu_seconds(connection.backendpid());
  // A generic plan keeps each batch a parameter: a custom plan would fold the
  // batch (tens of MB) into a constant, copying it once more per call.
  connection.prepare("import_batch", "SELECT pz_import_dsjson($1, $2)::text");
  pqxx::work tx(connection);
  tx.exec("SET LOCAL plan_cache_mode = force_generic_plan");
  Progress progress("importing", size);
  nlohmann::json totals = nlohmann::json::object();
  struct Batch {
    std::string text;
    long long lines = 0;
    long long read_to = 0;  // bytes of FILE read
  };
  // The next batch is read while the server imports the current one.
  auto read_batch = [&in, batch_lines, size] {
    Batch batch;
    std::string line;
    while (batch.lines < batch_lines && std::getline(in, line)) {
      batch.text += line;
      batch.text += '\n';
      ++batch.lines;
    }
    batch.read_to = in.tellg() < 0 ? size : static_cast<long long>(in.tellg());
    return batch;
  };
  long long lines = 0;
  auto send = [&](const Batch& batch) {
    try {
      pqxx::result result = tx.exec_prepared("import_batch", loop, batch.text);
      nlohmann::json counts = nlohmann::json::parse(result[0][0].c_str());
      for (auto& [key, value] : counts.items()) {
        if (key == "model_version")
          totals[key] = value;
        else
          totals[key] = totals.value(key, 0LL) + value.get<long long>();
      }
    } catch (const pqxx::sql_error& error) {
      std::fprintf(stderr, "\n");
      std::cerr << "pz-dsjson: " << file_line_numbers(error.what(), lines)
                << "nothing was imported\n";
      std::exit(1);
    }
    lines += batch.lines;
  };
  std::future<Batch> next = std::async(std::launch::async, read_batch);
  for (;;) {
    Batch batch = next.get();
    if (batch.lines == 0) break;
    next = std::async(std::launch::async, read_batch);
    send(batch);
    progress.update(batch.read_to, lines);
  }
  tx.commit();
  progress.update(size, lines, true);
  std::fprintf(stderr, "\n");
  totals["seconds"] = progress.seconds();
  totals["lines_per_second"] =
      progress.seconds() > 0 ? static_cast<double>(lines) / progress.seconds() : 0.0;
  if (backend_cpu >= 0.0)
    totals["server_cpu_seconds"] = process_cpu_seconds(connection.backendpid()) - backend_cpu;
  std::cout << totals.dump() << "\n";
  return 0;
}

int export_file(const std::string& loop, const std::string& path, const std::string& since,
                const std::string& until) {
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    std::cerr << "pz-dsjson: cannot write " << path << "\n";
    return 1;
  }
  pqxx::connection connection;
  pqxx::work tx(connection);
  Progress progress("exporting", 0);
  try {
    tx.exec_params(
        "DECLARE lines NO SCROLL CURSOR FOR SELECT * FROM pz_export_dsjson($1, $2::timestamptz, "
        "$3::timestamptz)",
        loop, since.empty() ? nullptr : since.c_str(), until.empty() ? nullptr : until.c_str());
    long long lines = 0;
    for (;;) {
      pqxx::result rows = tx.exec("FETCH 10000 FROM lines");
      if (rows.empty()) break;
      for (const auto& row : rows) out << row[0].c_str() << '\n';
      lines += static_cast<long long>(rows.size());
      progress.update(0, lines);
    }
    progress.update(0, lines, true);
    std::fprintf(stderr, "\n");
    std::cout << "{\"lines\": " << lines << ", \"seconds\": " << progress.seconds() << "}\n";
  } catch (const pqxx::sql_error& error) {
    std::cerr << "\npz-dsjson: " << error.what();
    return 1;
  }
  tx.commit();
  return out ? 0 : 1;
}

// Synthetic decisions of a shop: users of 5 segments, `actions` items of 4
// categories, a logging policy that explores with epsilon 0.2, clicks that
// depend on segment x category.
// With catalog = 0 every line offers the same actions (a fixed action list,
// as most callers of the hosted service sent); with catalog = M each line
// offers `actions` distinct items drawn from M, in a random order (a caller
// that filters its catalog per request).
int generate_file(long long count, const std::string& path, int actions, int catalog, unsigned seed) {
  if (actions < 1 || catalog < 0 || (catalog > 0 && catalog < actions)) {
    std::cerr << "pz-dsjson: --actions must be at least 1, and --catalog 0 or at least --actions\n";
    return 2;
  }
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    std::cerr << "pz-dsjson: cannot write " << path << "\n";
    return 1;
  }
  static const char* kSegments[] = {"budget", "pro", "family", "student", "senior"};
  static const char* kCategories[] = {"kitchen", "garden", "toys", "office"};
  static const char* kDevices[] = {"mobile", "desktop", "tablet"};
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const double epsilon = 0.2;
  const long long start = 1772323200LL;  // 2026-03-01T00:00:00Z
  std::vector<int> order(static_cast<size_t>(actions));
  std::vector<int> items(static_cast<size_t>(catalog > 0 ? catalog : actions));
  for (size_t i = 0; i < items.size(); ++i) items[i] = static_cast<int>(i);
  for (long long n = 0; n < count; ++n) {
    // The line's offered items: the first `actions` of a partial shuffle.
    if (catalog > 0)
      for (int i = 0; i < actions; ++i)
        std::swap(items[static_cast<size_t>(i)],
                  items[static_cast<size_t>(i) + random() % static_cast<size_t>(catalog - i)]);
    int segment = static_cast<int>(random() % 5);
    int chosen = static_cast<int>(random() % static_cast<unsigned>(actions));
    bool greedy = uniform(random) >= epsilon;
    if (greedy) chosen = (segment * 2) % actions;  // the logging policy's favourite
    double p_best = 1.0 - epsilon + epsilon / actions;
    double p_other = epsilon / actions;
    double p_chosen = chosen == (segment * 2) % actions ? p_best : p_other;
    double click = (chosen % 4 == segment % 4) ? 0.6 : 0.1;
    bool clicked = uniform(random) < click;
    order[0] = chosen;
    for (int i = 0, k = 1; i < actions; ++i)
      if (i != chosen) order[static_cast<size_t>(k++)] = i;
    long long ms = n * 100;
    char stamp[64];
    time_t seconds = static_cast<time_t>(start + ms / 1000);
    struct tm utc;
    gmtime_r(&seconds, &utc);
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms % 1000);
    char id[40];
    std::snprintf(id, sizeof id, "%08llx%024llx", static_cast<unsigned long long>(seed), n);
    std::string line =
        "{\"_label_cost\":" + std::string(clicked ? "-1" : "0") +
        ",\"_label_probability\":" + std::to_string(p_chosen) +
        ",\"_label_Action\":" + std::to_string(chosen + 1) +
        ",\"_labelIndex\":" + std::to_string(chosen) + ",\"o\":[" +
        (clicked ? "{\"v\":1,\"EventId\":\"" + std::string(id) + "\",\"ActionTaken\":false}" : "") +
        "],\"Timestamp\":\"" + stamp + "\",\"Version\":\"1\",\"EventId\":\"" + id + "\",\"a\":[";
    for (int i = 0; i < actions; ++i)
      line += (i ? "," : "") + std::to_string(order[static_cast<size_t>(i)] + 1);
    line += "],\"c\":{\"user\":{\"segment\":\"" + std::string(kSegments[segment]) +
            "\",\"tenure_days\":" + std::to_string(random() % 1000) + "},\"device\":\"" +
            kDevices[random() % 3] + "\",\"_multi\":[";
    for (int i = 0; i < actions; ++i) {
      const int item = items[static_cast<size_t>(i)];
      line += std::string(i ? "," : "") + "{\"_tag\":\"item-" + std::to_string(item + 1) +
              "\",\"item\":{\"category\":\"" + kCategories[item % 4] +
              "\",\"price\":" + std::to_string(5 + (item * 7) % 40) + "}}";
    }
    line += "]},\"p\":[";
    for (int i = 0; i < actions; ++i)
      line += (i ? "," : "") +
              std::to_string(order[static_cast<size_t>(i)] == (segment * 2) % actions ? p_best
                                                                                      : p_other);
    line += "]}\n";
    out << line;
  }
  return out ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return usage();
  std::string command = argv[1];
  try {
    if (command == "import")
      return import_file(argv[2], argv[3], std::stol(option(argc, argv, "batch-lines", "10000")));
    if (command == "export")
      return export_file(argv[2], argv[3], option(argc, argv, "since", ""),
                         option(argc, argv, "until", ""));
    if (command == "generate")
      return generate_file(std::stoll(argv[2]), argv[3],
                           std::stoi(option(argc, argv, "actions", "10")),
                           std::stoi(option(argc, argv, "catalog", "0")),
                           static_cast<unsigned>(std::stoul(option(argc, argv, "seed", "1"))));
  } catch (const std::exception& error) {
    std::cerr << "pz-dsjson: " << error.what() << "\n";
    return 1;
  }
  return usage();
}
