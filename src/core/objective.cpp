#include "objective.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "errors.hpp"

namespace pz {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxSignals = 64;
constexpr size_t kMaxSignalLength = 128;  // as pz_reward checks it
constexpr double kMaxWeight = 1000.0;

[[noreturn]] void reject() {
  throw InputError(
      "setting \"objective\" must be an object of 1 to 64 signal names (1 to 128 characters) to "
      "weights from -1000 to 1000");
}

Json parse_object(std::string_view text) {
  Json value = Json::parse(text, nullptr, false);
  if (value.is_discarded() || !value.is_object())
    throw InputError("signal rewards must be a JSON object");
  return value;
}

}  // namespace

Objective parse_objective(std::string_view json_text) {
  Json value = Json::parse(json_text, nullptr, false);
  if (value.is_discarded() || !value.is_object() || value.empty() || value.size() > kMaxSignals)
    reject();
  Objective objective;
  for (const auto& [signal, weight] : value.items()) {
    if (signal.empty() || signal.size() > kMaxSignalLength || !weight.is_number()) reject();
    const double number = weight.get<double>();
    if (!std::isfinite(number) || std::fabs(number) > kMaxWeight) reject();
    objective.weights.push_back({signal, number});
  }
  return objective;
}

std::optional<double> objective_reward(const Objective& objective,
                                       std::string_view signal_rewards) {
  if (signal_rewards.empty()) return std::nullopt;
  const Json rewards = parse_object(signal_rewards);
  bool any = false;
  double total = 0.0;
  for (const SignalWeight& term : objective.weights) {
    auto found = rewards.find(term.signal);
    if (found == rewards.end() || found->is_null()) continue;
    if (!found->is_number())
      throw InputError("the reward of signal \"" + term.signal + "\" is not a number");
    const double value = found->get<double>();
    if (!std::isfinite(value))
      throw InputError("the reward of signal \"" + term.signal + "\" is not finite");
    total += term.weight * value;
    any = true;
  }
  if (!any) return std::nullopt;
  return std::clamp(total, -1.0, 1.0);
}

}  // namespace pz
