// Reading DSJSON lines into pz decision records (see dsjson.hpp and the
// README's field mapping).
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_set>

#include "dsjson.hpp"

namespace pz {
namespace {

constexpr size_t kAbsent = std::numeric_limits<size_t>::max();
// Loggers write probabilities as float32: compare them with this slack.
constexpr double kProbabilityTolerance = 1e-4;

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw DsjsonError(field, message);
}

const char* type_name(const ValueToken& token) {
  switch (token.type) {
    case TokenType::kBeginObject:
      return "an object";
    case TokenType::kBeginArray:
      return "an array";
    case TokenType::kString:
      return "a string";
    case TokenType::kNumber:
      return "a number";
    case TokenType::kBool:
      return "a boolean";
    case TokenType::kNull:
      return "null";
    default:
      return "a malformed value";
  }
}

bool hidden(std::string_view key) { return !key.empty() && key[0] == '_'; }

std::string number_text(double value) {
  TokenList list;
  list.number_value(value);
  return std::string(list.text(list[0]));
}

// Walks a parsed line.
class LineReader {
 public:
  // given_multi: the token of c._multi when `out` holds its actions already
  // (see DsjsonLineReader), else kAbsent.
  LineReader(const TokenList& line, DsjsonDecision& out, size_t given_multi = kAbsent)
      : line_(line), out_(out), given_multi_(given_multi) {}
  void read(std::string_view text);

 private:
  // Calls body(key, value_index) for each member of the object at `index`.
  template <typename Body>
  void for_each_member(size_t index, Body&& body) const {
    size_t i = index + 1;
    while (line_[i].type != TokenType::kEndObject) {
      size_t value = i + 1;
      body(line_.text(line_[i]), value);
      i = line_.value_end(value);
    }
  }
  template <typename Body>
  void for_each_element(size_t index, Body&& body) const {
    size_t i = index + 1;
    size_t position = 0;
    while (line_[i].type != TokenType::kEndArray) {
      body(position++, i);
      i = line_.value_end(i);
    }
  }
  size_t count_elements(size_t index) const {
    size_t count = 0;
    for_each_element(index, [&](size_t, size_t) { ++count; });
    return count;
  }

  void expect(const std::string& field, size_t index, TokenType type, const char* what) const {
    if (line_[index].type != type)
      fail(field, std::string("must be ") + what + ", not " + type_name(line_[index]));
  }
  double number(const std::string& field, size_t index) const {
    expect(field, index, TokenType::kNumber, "a number");
    double value = line_[index].number;
    if (!std::isfinite(value)) fail(field, "must be a finite number");
    return value;
  }
  long integer(const std::string& field, size_t index) const {
    double value = number(field, index);
    if (value != std::floor(value) || std::fabs(value) > 1e9)
      fail(field, "must be an integer, not " + number_text(value));
    return static_cast<long>(value);
  }
  bool boolean(const std::string& field, size_t index) const {
    expect(field, index, TokenType::kBool, "a boolean");
    return line_[index].boolean;
  }
  std::string_view string(const std::string& field, size_t index) const {
    expect(field, index, TokenType::kString, "a string");
    return line_.text(line_[index]);
  }

  void copy_value(TokenList& to, size_t index) const;
  void copy_namespace(TokenList& to, size_t index) const;
  void read_context(size_t index);
  void read_action(size_t position, size_t index);
  void read_chosen();
  void read_probabilities(size_t chosen);
  void read_slots();
  void read_outcomes(const std::string& field, size_t index, int slot, bool& has_values,
                     bool& activated, double& first_value);
  void settle(const std::string& cost_field, size_t cost, bool has_outcome_list, bool has_values,
              double first_value, int slot, bool set_outcome);

  const TokenList& line_;
  DsjsonDecision& out_;
  const size_t given_multi_;
  std::string event_id_;
  bool has_event_id_ = false;
  size_t slots_ = kAbsent;
  // Top-level fields: token index of the value, or kAbsent.
  size_t c_ = kAbsent, a_ = kAbsent, p_ = kAbsent, label_action_ = kAbsent, label_index_ = kAbsent,
         label_probability_ = kAbsent, label_cost_ = kAbsent, o_ = kAbsent, pdrop_ = kAbsent,
         skip_learn_ = kAbsent, deferred_ = kAbsent, slot_outcomes_ = kAbsent, baseline_ = kAbsent;
  double pdrop_value_ = 0.0;
};

// Copies a value, leaving out the members whose name starts with "_" (which
// DSJSON loggers use for what is not a feature).
void LineReader::copy_value(TokenList& to, size_t index) const {
  TokenType type = line_[index].type;
  if (type == TokenType::kBeginObject) {
    to.begin_object();
    for_each_member(index, [&](std::string_view key, size_t value) {
      if (hidden(key)) return;
      to.append(line_, value - 1, value);  // the key
      copy_value(to, value);
    });
    to.end_object();
  } else if (type == TokenType::kBeginArray) {
    to.begin_array();
    for_each_element(index, [&](size_t, size_t element) { copy_value(to, element); });
    to.end_array();
  } else {
    to.append(line_, index, index + 1);
  }
}

// A namespace (the member at `index`): an object, or an array of objects
// (merged into one), or a value.
void LineReader::copy_namespace(TokenList& to, size_t index) const {
  to.append(line_, index - 1, index);  // the namespace's key
  bool objects =
      line_[index].type == TokenType::kBeginArray && line_[index + 1].type != TokenType::kEndArray;
  if (objects) {
    for_each_element(index, [&](size_t, size_t element) {
      if (line_[element].type != TokenType::kBeginObject) objects = false;
    });
  }
  if (!objects) {
    copy_value(to, index);
    return;
  }
  to.begin_object();
  for_each_element(index, [&](size_t, size_t element) {
    for_each_member(element, [&](std::string_view key, size_t value) {
      if (hidden(key)) return;
      to.append(line_, value - 1, value);  // the key
      copy_value(to, value);
    });
  });
  to.end_object();
}

void LineReader::read_action(size_t position, size_t index) {
  // Field names are built only for an error: most lines have none.
  auto field = [position] { return "c._multi[" + std::to_string(position) + "]"; };
  if (line_[index].type != TokenType::kBeginObject)
    expect(field(), index, TokenType::kBeginObject, "an object");
  std::string id = std::to_string(position + 1);
  // Written in place; order_like_jsonb puts "id" before "features" afterwards.
  out_.actions.begin_object();
  bool has_features = false;
  for_each_member(index, [&](std::string_view key, size_t value) {
    if (key == "_tag") {
      if (line_[value].type == TokenType::kString)
        id = line_.text(line_[value]);
      else if (line_[value].type == TokenType::kNumber)
        id = number_text(integer(field() + "._tag", value));
      else
        id = std::string(string(field() + "._tag", value));
      if (id.empty()) fail(field() + "._tag", "must not be empty");
      return;
    }
    if (hidden(key)) return;
    if (!has_features) {
      out_.actions.key_in_source("features");
      out_.actions.begin_object();
    }
    has_features = true;
    copy_namespace(out_.actions, value);
  });
  if (has_features) out_.actions.end_object();
  for (const std::string& other : out_.action_ids)
    if (other == id)
      fail(field() + "._tag", "repeats the action id \"" + id + "\" of an earlier action");
  out_.actions.key_in_source("id");
  out_.actions.string_value(id);
  out_.actions.end_object();
  out_.action_ids.push_back(std::move(id));
}

void LineReader::read_context(size_t index) {
  expect("c", index, TokenType::kBeginObject, "an object");
  size_t multi = kAbsent;
  out_.context.begin_object();
  for_each_member(index, [&](std::string_view key, size_t value) {
    if (key == "_multi")
      multi = value;
    else if (key == "_slots")
      slots_ = value;
    else if (!hidden(key))
      copy_namespace(out_.context, value);
  });
  out_.context.end_object();
  if (multi == kAbsent) fail("c._multi", "is missing: a decision needs its actions");
  if (multi != given_multi_) {
    expect("c._multi", multi, TokenType::kBeginArray, "an array");
    out_.actions.begin_array();
    for_each_element(multi, [&](size_t position, size_t element) { read_action(position, element); });
    out_.actions.end_array();
  }
  if (out_.action_ids.empty()) fail("c._multi", "must hold at least one action");
  if (slots_ != kAbsent) {
    expect("c._slots", slots_, TokenType::kBeginArray, "an array");
    for_each_element(slots_, [&](size_t position, size_t element) {
      expect("c._slots[" + std::to_string(position) + "]", element, TokenType::kBeginObject,
             "an object");
    });
  }
}

// The chosen action (index) from a, _label_Action and _labelIndex, which must agree.
void LineReader::read_chosen() {
  size_t n = out_.action_ids.size();
  long chosen = -1;
  std::string range = " of the " + std::to_string(n) + " actions of c._multi";
  if (a_ != kAbsent) {
    expect("a", a_, TokenType::kBeginArray, "an array");
    std::vector<bool> seen(n, false);
    for_each_element(a_, [&](size_t position, size_t element) {
      long action = integer("a", element);
      if (action < 1 || action > static_cast<long>(n))
        fail("a", "must hold 1-based indices" + range + ", not " + std::to_string(action) +
                      " (element " + std::to_string(position) + ")");
      if (seen[action - 1]) fail("a", "lists action " + std::to_string(action) + " twice");
      seen[action - 1] = true;
      out_.ranking.push_back(static_cast<uint32_t>(action - 1));
    });
    if (out_.ranking.size() != n) fail("a", "must list each" + range + " once");
    chosen = out_.ranking[0];
  }
  if (label_action_ != kAbsent) {
    long action = integer("_label_Action", label_action_);
    if (action < 1 || action > static_cast<long>(n))
      fail("_label_Action", "must be a 1-based index" + range + ", not " + std::to_string(action));
    if (chosen >= 0 && action - 1 != chosen)
      fail("_label_Action", "must be the first action of \"a\" (" + std::to_string(chosen + 1) +
                                "), not " + std::to_string(action));
    chosen = action - 1;
  }
  if (label_index_ != kAbsent) {
    long index = integer("_labelIndex", label_index_);
    if (index < 0 || index >= static_cast<long>(n))
      fail("_labelIndex", "must be a 0-based index" + range + ", not " + std::to_string(index));
    if (chosen >= 0 && index != chosen)
      fail("_labelIndex", "must be the chosen action's 0-based index (" + std::to_string(chosen) +
                              "), not " + std::to_string(index));
    chosen = index;
  }
  if (chosen < 0)
    fail("a", "is missing: a decision needs \"a\", \"_label_Action\" or \"_labelIndex\"");
  read_probabilities(static_cast<size_t>(chosen));
}

void LineReader::read_probabilities(size_t chosen) {
  size_t n = out_.action_ids.size();
  double label_probability = -1.0;
  if (label_probability_ != kAbsent) {
    label_probability = number("_label_probability", label_probability_);
    if (!(label_probability > 0.0 && label_probability <= 1.0))
      fail("_label_probability",
           "must be greater than 0 and at most 1, not " + number_text(label_probability));
  }
  if (p_ != kAbsent) {
    if (a_ == kAbsent)
      fail("p", "needs \"a\", the order of the actions it gives probabilities for");
    expect("p", p_, TokenType::kBeginArray, "an array");
    // Not required to sum to 1: a slot ranking's probabilities (one per slot) do not.
    for_each_element(p_, [&](size_t, size_t element) {
      double probability = number("p", element);
      if (probability < 0.0 || probability > 1.0)
        fail("p", "must hold probabilities from 0 to 1, not " + number_text(probability));
      out_.probabilities.push_back(probability);
    });
    if (out_.probabilities.size() != n) fail("p", "must have one probability per element of \"a\"");
    if (!(out_.probabilities[0] > 0.0))
      fail("p", "must give the chosen action a probability greater than 0");
    if (label_probability > 0.0) {
      double first = out_.probabilities[0];
      if (std::fabs(label_probability - first) > kProbabilityTolerance &&
          std::fabs(label_probability - first * (1.0 - pdrop_value_)) > kProbabilityTolerance)
        fail("_label_probability", "must be the first probability of \"p\" (" + number_text(first) +
                                       "), not " + number_text(label_probability));
    }
    return;
  }
  if (label_probability < 0.0)
    fail("_label_probability",
         "is missing: without \"p\", the chosen action's probability must be given");
  // Only the chosen action's probability is known: the others share the rest.
  out_.ranking.clear();
  out_.ranking.push_back(static_cast<uint32_t>(chosen));
  out_.probabilities.push_back(label_probability);
  for (size_t i = 0; i < n; ++i) {
    if (i == chosen) continue;
    out_.ranking.push_back(static_cast<uint32_t>(i));
    out_.probabilities.push_back((1.0 - label_probability) / static_cast<double>(n - 1));
  }
}

// Reads an outcome list ("o", or "_o" of a slot): rewards ("v") become reward
// rows, an "ActionTaken" entry is the activation of a deferred event.
void LineReader::read_outcomes(const std::string& field, size_t index, int slot, bool& has_values,
                               bool& activated, double& first_value) {
  expect(field, index, TokenType::kBeginArray, "an array");
  for_each_element(index, [&](size_t position, size_t element) {
    std::string entry = field + "[" + std::to_string(position) + "]";
    expect(entry, element, TokenType::kBeginObject, "an object");
    for_each_member(element, [&](std::string_view key, size_t value) {
      if (key == "v") {
        double reward = number(entry + ".v", value) + 0.0;
        if (reward < -1.0 || reward > 1.0)
          fail(entry + ".v", "must be a reward from -1 to 1, not " + number_text(reward));
        if (!has_values) first_value = reward;
        has_values = true;
        out_.rewards.push_back({reward, slot});
      } else if (key == "ActionTaken") {
        if (boolean(entry + ".ActionTaken", value)) activated = true;
      } else if (key == "EventId") {
        std::string_view id = string(entry + ".EventId", value);
        if (has_event_id_ && id != event_id_)
          fail(entry + ".EventId",
               "must be the line's EventId \"" + event_id_ + "\", not \"" + std::string(id) + "\"");
      }
    });
  });
}

// The reward of the decision (set_outcome) and the reward rows of one slot.
void LineReader::settle(const std::string& cost_field, size_t cost, bool has_outcome_list,
                        bool has_values, double first_value, int slot, bool set_outcome) {
  std::optional<double> reward;
  if (cost != kAbsent) {
    double value = -number(cost_field, cost) + 0.0;
    if (value < -1.0 || value > 1.0)
      fail(cost_field,
           "must be a cost from -1 to 1 (the reward is -cost), not " + number_text(-value));
    reward = value;
  } else if (has_values) {
    reward = first_value;
  }
  // Without an outcome list, the label's cost is the one reward known.
  if (!has_outcome_list && cost != kAbsent && out_.outcome != DsjsonOutcome::kSkipped)
    out_.rewards.push_back({*reward, slot});
  if (slot > 0 && out_.outcome != DsjsonOutcome::kSkipped) out_.slot_rewards.push_back(reward);
  if (!set_outcome || out_.outcome == DsjsonOutcome::kSkipped) return;
  out_.reward = reward;
  out_.outcome = (has_values || (!has_outcome_list && cost != kAbsent)) ? DsjsonOutcome::kRewarded
                                                                        : DsjsonOutcome::kDefaulted;
}

// Conditional-bandit lines: each slot took one action; slot k's choice is rank k.
void LineReader::read_slots() {
  expect("_outcomes", slot_outcomes_, TokenType::kBeginArray, "an array");
  size_t n = out_.action_ids.size();
  std::vector<bool> placed(n, false);
  size_t count = count_elements(slot_outcomes_);
  if (count == 0) fail("_outcomes", "must hold one outcome per slot");
  out_.slots = count;
  if (slots_ != kAbsent && count_elements(slots_) != count)
    fail("c._slots", "must have as many slots as \"_outcomes\" (" + std::to_string(count) + ")");
  for_each_element(slot_outcomes_, [&](size_t position, size_t element) {
    std::string field = "_outcomes[" + std::to_string(position) + "]";
    expect(field, element, TokenType::kBeginObject, "an object");
    size_t actions = kAbsent, probabilities = kAbsent, cost = kAbsent, outcomes = kAbsent;
    for_each_member(element, [&](std::string_view key, size_t value) {
      if (key == "_a")
        actions = value;
      else if (key == "_p")
        probabilities = value;
      else if (key == "_label_cost")
        cost = value;
      else if (key == "_o")
        outcomes = value;
    });
    if (actions == kAbsent) fail(field + "._a", "is missing: each slot needs the action it took");
    if (probabilities == kAbsent)
      fail(field + "._p", "is missing: each slot needs its probabilities");
    size_t first_action = line_[actions].type == TokenType::kBeginArray ? actions + 1 : actions;
    size_t first_probability =
        line_[probabilities].type == TokenType::kBeginArray ? probabilities + 1 : probabilities;
    if (line_[first_action].type == TokenType::kEndArray) fail(field + "._a", "must not be empty");
    if (line_[first_probability].type == TokenType::kEndArray)
      fail(field + "._p", "must not be empty");
    long action = integer(field + "._a", first_action);
    if (action < 0 || action >= static_cast<long>(n))
      fail(field + "._a", "must hold 0-based indices of the " + std::to_string(n) +
                              " actions of c._multi, not " + std::to_string(action));
    if (placed[action])
      fail(field + "._a",
           "takes action " + std::to_string(action) + ", already placed in an earlier slot");
    placed[action] = true;
    double probability = number(field + "._p", first_probability);
    if (!(probability > 0.0 && probability <= 1.0))
      fail(field + "._p", "must give the slot's action a probability greater than 0 and at most 1");
    out_.ranking.push_back(static_cast<uint32_t>(action));
    out_.probabilities.push_back(probability);
    bool has_values = false, activated = false;
    double first_value = 0.0;
    int slot = static_cast<int>(position) + 1;
    if (outcomes != kAbsent)
      read_outcomes(field + "._o", outcomes, slot, has_values, activated, first_value);
    settle(field + "._label_cost", cost, outcomes != kAbsent, has_values, first_value, slot,
           position == 0);
  });
  // The actions no slot took follow, in their order, with probability 0 of rank 1.
  for (size_t i = 0; i < n; ++i) {
    if (placed[i]) continue;
    out_.ranking.push_back(static_cast<uint32_t>(i));
    out_.probabilities.push_back(0.0);
  }
}

void LineReader::read(std::string_view text) {
  if (line_.size() == 0 || line_[0].type != TokenType::kBeginObject)
    fail("line", std::string("must be a JSON object, not ") +
                     (line_.size() ? type_name(line_[0]) : "empty"));
  size_t event_id = kAbsent, timestamp = kAbsent;
  for_each_member(0, [&](std::string_view key, size_t value) {
    if (key == "c")
      c_ = value;
    else if (key == "a")
      a_ = value;
    else if (key == "p")
      p_ = value;
    else if (key == "_label_Action")
      label_action_ = value;
    else if (key == "_labelIndex")
      label_index_ = value;
    else if (key == "_label_probability")
      label_probability_ = value;
    else if (key == "_label_cost")
      label_cost_ = value;
    else if (key == "o")
      o_ = value;
    else if (key == "pdrop")
      pdrop_ = value;
    else if (key == "_skipLearn")
      skip_learn_ = value;
    else if (key == "DeferredAction")
      deferred_ = value;
    else if (key == "_outcomes")
      slot_outcomes_ = value;
    else if (key == "_ba")
      baseline_ = value;
    else if (key == "EventId")
      event_id = value;
    else if (key == "Timestamp")
      timestamp = value;
  });
  if (event_id != kAbsent) {
    event_id_ = std::string(string("EventId", event_id));
    if (event_id_.empty()) fail("EventId", "must not be empty");
    has_event_id_ = true;
    out_.event_id = dsjson_event_id(event_id_);
  } else {
    out_.event_id = dsjson_event_id(text);
  }
  if (timestamp != kAbsent) {
    std::string_view time = string("Timestamp", timestamp);
    if (!parse_iso_timestamp(time, out_.timestamp_us))
      fail("Timestamp", "must be an ISO 8601 time such as 2021-02-04T16:31:29.246Z, not \"" +
                            std::string(time) + "\"");
    out_.has_timestamp = true;
  }
  if (pdrop_ != kAbsent) {
    pdrop_value_ = number("pdrop", pdrop_);
    if (!(pdrop_value_ >= 0.0 && pdrop_value_ < 1.0))
      fail("pdrop",
           "must be a probability from 0 to less than 1, not " + number_text(pdrop_value_));
  }
  if (c_ == kAbsent) fail("c", "is missing: a decision needs its context and actions");
  read_context(c_);

  bool skip = skip_learn_ != kAbsent && boolean("_skipLearn", skip_learn_);
  bool deferred = deferred_ != kAbsent && boolean("DeferredAction", deferred_);
  bool has_values = false, activated = false;
  double first_value = 0.0;
  if (o_ != kAbsent) read_outcomes("o", o_, 0, has_values, activated, first_value);
  // Deferred and never activated: the service did not learn it either.
  if (skip || (deferred && !activated)) out_.outcome = DsjsonOutcome::kSkipped;

  if (slot_outcomes_ != kAbsent) {
    read_slots();
  } else {
    read_chosen();
    settle("_label_cost", label_cost_, o_ != kAbsent, has_values, first_value, 0, true);
  }
  if (baseline_ != kAbsent) {
    expect("_ba", baseline_, TokenType::kBeginArray, "an array");
    if (line_[baseline_ + 1].type != TokenType::kEndArray) {
      long index = integer("_ba", baseline_ + 1);
      if (index < 0 || index >= static_cast<long>(out_.action_ids.size()))
        fail("_ba",
             "must hold 0-based indices of the actions of c._multi, not " + std::to_string(index));
      out_.baseline = static_cast<uint32_t>(index);
    }
  }
}

}  // namespace

namespace {

void reset(DsjsonDecision& out) {
  out.has_timestamp = false;
  out.timestamp_us = 0;
  out.context.clear();
  out.actions.clear();
  out.action_ids.clear();
  out.ranking.clear();
  out.probabilities.clear();
  out.outcome = DsjsonOutcome::kDefaulted;
  out.reward.reset();
  out.rewards.clear();
  out.baseline.reset();
  out.action_tokens.clear();
  out.action_features.clear();
  out.slots = 0;
  out.slot_rewards.clear();
  out.actions_version = 0;
}

void parse_line(std::string_view line, TokenList& parsed, MarkedValue* marked) {
  try {
    if (marked != nullptr)
      parse_json_tokens(line, parsed, *marked);
    else
      parse_json_tokens(line, parsed);
  } catch (const InputError& error) {
    fail("line", error.what());
  }
}

// Reads a parsed line into `out` (reset); given_multi: see LineReader.
void read_parsed(const TokenList& parsed, std::string_view line, DsjsonDecision& out,
                 size_t given_multi) {
  thread_local TokenList unordered;
  LineReader(parsed, out, given_multi).read(line);
  // As jsonb will store them, so that features come in the trainer's order.
  order_like_jsonb(out.context, unordered);
  std::swap(out.context, unordered);
  if (given_multi != kAbsent) return;
  order_like_jsonb(out.actions, unordered);
  std::swap(out.actions, unordered);
  size_t i = 1;
  while (out.actions[i].type != TokenType::kEndArray) {
    size_t end = out.actions.value_end(i);
    std::pair<size_t, size_t> features{end, end};
    for (size_t j = i + 1; j < end - 1; j = out.actions.value_end(j + 1)) {
      if (out.actions.text(out.actions[j]) == "features")
        features = {j + 1, out.actions.value_end(j + 1)};
    }
    out.action_tokens.emplace_back(i, end);
    out.action_features.push_back(features);
    i = end;
  }
}

// The value token of the line's c._multi as LineReader finds it (of repeated
// members, the last), or kAbsent.
size_t multi_index(const TokenList& parsed) {
  auto last_member = [&](size_t object, std::string_view name) {
    size_t found = kAbsent;
    if (object == kAbsent || parsed[object].type != TokenType::kBeginObject) return found;
    size_t i = object + 1;
    while (parsed[i].type != TokenType::kEndObject) {
      if (parsed.text(parsed[i]) == name) found = i + 1;
      i = parsed.value_end(i + 1);
    }
    return found;
  };
  if (parsed.size() == 0) return kAbsent;
  return last_member(last_member(0, "c"), "_multi");
}

// Where the value of the line's first "_multi" member starts, or kAbsent.
// Only a member name can be "_multi" followed by ':' (a quote inside a string
// is escaped); which object it belongs to, the parse tells.
size_t multi_value_start(std::string_view line) {
  constexpr std::string_view kName = "\"_multi\"";
  // memmem: find() stops at every quote of the line.
  const void* found = memmem(line.data(), line.size(), kName.data(), kName.size());
  if (found == nullptr) return kAbsent;
  size_t at = static_cast<size_t>(static_cast<const char*>(found) - line.data());
  auto blank = [&](size_t k) {
    return k < line.size() && (line[k] == ' ' || line[k] == '\t' || line[k] == '\n' || line[k] == '\r');
  };
  at += kName.size();
  while (blank(at)) ++at;
  if (at == line.size() || line[at] != ':') return kAbsent;
  ++at;
  while (blank(at)) ++at;
  return at < line.size() ? at : kAbsent;
}

}  // namespace

void read_dsjson_line(std::string_view line, DsjsonDecision& out) {
  thread_local TokenList parsed;
  reset(out);
  parse_line(line, parsed, nullptr);
  read_parsed(parsed, line, out, kAbsent);
}

void DsjsonLineReader::read(std::string_view line, DsjsonDecision& out) {
  MarkedValue marked;
  const size_t start = multi_value_start(line);
  if (start != kAbsent) {
    marked.at = start;
    if (!multi_text_.empty() && line.substr(start, multi_text_.size()) == multi_text_) {
      // The remembered actions, if those bytes are c._multi's value. Any
      // error is left to the full read below, so that it is the same.
      marked.skip_length = multi_text_.size();
      try {
        parse_json_tokens(line, parsed_, marked);
        if (marked.index != kAbsent && marked.index == multi_index(parsed_)) {
          reset(out);
          out.actions = actions_.actions;
          out.action_ids = actions_.action_ids;
          out.action_tokens = actions_.action_tokens;
          out.action_features = actions_.action_features;
          read_parsed(parsed_, line, out, marked.index);
          out.actions_version = version_;
          return;
        }
      } catch (const InputError&) {
      }
      marked.skip_length = 0;
    }
  }
  reset(out);
  parse_line(line, parsed_, start != kAbsent ? &marked : nullptr);
  read_parsed(parsed_, line, out, kAbsent);
  if (start == kAbsent || marked.index == kAbsent || marked.index != multi_index(parsed_)) return;
  multi_text_.assign(line.substr(start, marked.length));
  actions_.actions.assign_owned(out.actions);
  actions_.action_ids = out.action_ids;
  actions_.action_tokens = out.action_tokens;
  actions_.action_features = out.action_features;
  out.actions_version = ++version_;
}

void featurize_context(const DsjsonDecision& decision, FeatureSet& context, size_t rank) {
  context.clear();
  FeatureBuilder context_builder(context);
  decision.context.replay(0, decision.context.size(), context_builder);
  if (rank > 0) add_slot(context, rank + 1);
}

void featurize_action(const DsjsonDecision& decision, uint32_t action, FeatureSet& features) {
  features.clear();
  auto [begin, end] = decision.action_features[action];
  if (begin != end) {
    FeatureBuilder action_builder(features);
    decision.actions.replay(begin, end, action_builder);
  }
  add_action_id(features, decision.action_ids[action]);
}

void featurize_decision(const DsjsonDecision& decision, FeatureSet& context,
                        FeatureSet& chosen_action, size_t rank) {
  featurize_context(decision, context, rank);
  featurize_action(decision, decision.ranking[rank], chosen_action);
}

}  // namespace pz
