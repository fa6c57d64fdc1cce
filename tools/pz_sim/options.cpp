#include "options.hpp"

#include <getopt.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "change.hpp"

namespace pz_sim {

namespace {

const char* const kUsage =
    "Usage: pz-sim [options]\n"
    "Simulates a shop whose visitors are ranked by pz_rank and whose clicks are\n"
    "reported with pz_reward; pz's background worker must be training the loop.\n"
    "Replaces the table \"catalog\" of the target database.\n"
    "\n"
    "  --visits N          visits to simulate (default 4000)\n"
    "  --connections N     concurrent visitors, one thread and connection each (default 2)\n"
    "  --rate R            visits per second in all, 0 for as fast as possible (default 50)\n"
    "  --personas LIST     shares of traffic, e.g. office_admin=30,gadget_fan=5\n"
    "                      (others keep their default; 0 removes a persona)\n"
    "  --exploration E     set the loop's exploration (0..1) before starting\n"
    "  --seed S            seed of the catalog and the visitors (default 1)\n"
    "  --dsn DSN           libpq connection string (default: PG* environment)\n"
    "  --loop NAME         pz loop to rank with (default shop; must exist)\n"
    "  --chart PATH        write the learning curve to this PNG (needs gnuplot)\n"
    "  --buckets N         time buckets of the report (default 10)\n"
    "  --catalog-size N    items in the catalog (default 300)\n"
    "  --train-every N     after every N visits, pause, send their clicks, wait the\n"
    "                      reward wait and train the loop(s) with pz_train, so that\n"
    "                      the models learn at the same visits whatever the machine's\n"
    "                      load (default 0: the background worker trains as it goes)\n"
    "  --carousel K        show K items a visit (2..10): the visitor looks at position j\n"
    "                      with probability attention^(j-1); the visits are ranked both\n"
    "                      by --loop with options.slots = K (a reward per slot) and by\n"
    "                      --filled-loop with one slot, positions 2..K by score\n"
    "  --filled-loop NAME  the carousel's one-slot loop (default <loop>_filled; must exist)\n"
    "  --attention A       the carousel's attention decay per position, 0..1 (default 0.6)\n"
    "  --change KIND       change the shop mid-run and print how the loop followed:\n"
    "                      drift (each persona takes the next one's tastes), new-item\n"
    "                      (a clearly better item for one persona arrives), vanish (each\n"
    "                      persona's five best items go out of stock), none (default)\n"
    "  --change-at N       visit number of the change (default: half way)\n"
    "  --new-item-for P    the persona the new item is for (default office_admin)\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "pz-sim: %s\n\n%s", message.c_str(), kUsage);
  std::exit(2);
}

double number(const char* text, const char* option, double low, double high) {
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(value >= low && value <= high))
    usage_error(std::string("--") + option + " must be a number from " + std::to_string(low) + " to " +
                std::to_string(high) + ", not \"" + text + "\"");
  return value;
}

// Persona names take _ or - for spaces on the command line.
std::string persona_name(std::string name) {
  std::replace(name.begin(), name.end(), '_', ' ');
  std::replace(name.begin(), name.end(), '-', ' ');
  return name;
}

// "office_admin=30,gadget-fan=5".
std::vector<std::pair<std::string, double>> parse_shares(const std::string& list) {
  std::vector<std::pair<std::string, double>> shares;
  std::stringstream stream(list);
  std::string item;
  while (std::getline(stream, item, ',')) {
    const size_t equals = item.find('=');
    if (equals == std::string::npos) usage_error("--personas takes name=share pairs, not \"" + item + "\"");
    shares.emplace_back(persona_name(item.substr(0, equals)), number(item.c_str() + equals + 1, "personas", 0, 1e6));
  }
  return shares;
}

}  // namespace

Options parse_options(int argc, char** argv) {
  enum { kVisits = 1000, kConnections, kRate, kPersonas, kExploration, kSeed, kDsn, kLoop, kChart, kBuckets,
         kCatalogSize, kTrainEvery, kCarousel, kFilledLoop, kAttention, kChange, kChangeAt, kNewItemFor, kHelp };
  const option long_options[] = {
      {"visits", required_argument, nullptr, kVisits},
      {"connections", required_argument, nullptr, kConnections},
      {"rate", required_argument, nullptr, kRate},
      {"personas", required_argument, nullptr, kPersonas},
      {"exploration", required_argument, nullptr, kExploration},
      {"seed", required_argument, nullptr, kSeed},
      {"dsn", required_argument, nullptr, kDsn},
      {"loop", required_argument, nullptr, kLoop},
      {"chart", required_argument, nullptr, kChart},
      {"buckets", required_argument, nullptr, kBuckets},
      {"catalog-size", required_argument, nullptr, kCatalogSize},
      {"train-every", required_argument, nullptr, kTrainEvery},
      {"carousel", required_argument, nullptr, kCarousel},
      {"filled-loop", required_argument, nullptr, kFilledLoop},
      {"attention", required_argument, nullptr, kAttention},
      {"change", required_argument, nullptr, kChange},
      {"change-at", required_argument, nullptr, kChangeAt},
      {"new-item-for", required_argument, nullptr, kNewItemFor},
      {"help", no_argument, nullptr, kHelp},
      {nullptr, 0, nullptr, 0},
  };
  Options options;
  int code;
  while ((code = getopt_long(argc, argv, "", long_options, nullptr)) != -1) {
    switch (code) {
      case kVisits: options.visits = static_cast<long>(number(optarg, "visits", 1, 1e9)); break;
      case kConnections: options.connections = static_cast<int>(number(optarg, "connections", 1, 64)); break;
      case kRate: options.rate = number(optarg, "rate", 0, 1e6); break;
      case kPersonas: options.persona_shares = parse_shares(optarg); break;
      case kExploration: options.exploration = number(optarg, "exploration", 0, 1); break;
      case kSeed: options.seed = static_cast<unsigned long long>(number(optarg, "seed", 0, 1e18)); break;
      case kDsn: options.dsn = optarg; break;
      case kLoop: options.loop = optarg; break;
      case kChart: options.chart = optarg; break;
      case kBuckets: options.buckets = static_cast<int>(number(optarg, "buckets", 1, 100)); break;
      case kCatalogSize: options.catalog_size = static_cast<int>(number(optarg, "catalog-size", 10, 100000)); break;
      case kTrainEvery: options.train_every = static_cast<long>(number(optarg, "train-every", 0, 1e9)); break;
      case kCarousel: options.carousel = static_cast<int>(number(optarg, "carousel", 2, 10)); break;
      case kFilledLoop: options.filled_loop = optarg; break;
      case kAttention: options.attention = number(optarg, "attention", 0, 1); break;
      case kChange: {
        const std::optional<Change> change = parse_change(optarg);
        if (!change) usage_error(std::string("--change must be drift, new-item, vanish or none, not \"") + optarg + "\"");
        options.change = *change;
        break;
      }
      case kChangeAt: options.change_at = static_cast<long>(number(optarg, "change-at", 1, 1e9)); break;
      case kNewItemFor: options.new_item_for = persona_name(optarg); break;
      case kHelp: std::fputs(kUsage, stdout); std::exit(0);
      default: usage_error("unknown option");
    }
  }
  if (optind < argc) usage_error(std::string("unexpected argument \"") + argv[optind] + "\"");
  if (options.carousel > 0 && options.filled_loop.empty()) options.filled_loop = options.loop + "_filled";
  if (options.buckets > options.visits) options.buckets = static_cast<int>(options.visits);
  if (options.change_at < 0) options.change_at = options.visits / 2;
  if (options.change != Change::kNone && options.change_at >= options.visits)
    usage_error("--change-at must be below --visits");
  return options;
}

}  // namespace pz_sim
