// Decision Service JSON (DSJSON), the log format of hosted personalizers and of
// Vowpal Wabbit's --dsjson: one line a decision. Reading maps a line to a pz
// decision record (context, actions, ranking, probabilities, reward); writing
// maps a logged pz event back to a line that --dsjson --cb_explore_adf reads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"
#include "features.hpp"
#include "token_list.hpp"

namespace pz {

// A line that cannot be imported; `field` names the offending DSJSON field
// (e.g. "_label_cost", "c._multi[2]._tag", "a").
class DsjsonError : public InputError {
 public:
  DsjsonError(std::string field, const std::string& message)
      : InputError(message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

enum class DsjsonOutcome { kRewarded, kDefaulted, kSkipped };

// A reward as pz.rewards keeps it; slot 0: none (a contextual-bandit line).
struct DsjsonReward {
  double value;
  int slot;
};

struct DsjsonDecision {
  std::array<unsigned char, 16> event_id{};
  bool has_timestamp = false;
  int64_t timestamp_us = 0;  // microseconds since 1970-01-01 UTC
  // The documents, with object members in jsonb's order (see order_like_jsonb).
  TokenList context;  // an object: the namespaces of "c"
  TokenList actions;  // [{"id": ..., "features": {...}}], in "_multi" order
  std::vector<std::string> action_ids;
  // Token range in `actions` of each action (its object), and of its features
  // object (begin == end: none).
  std::vector<std::pair<size_t, size_t>> action_tokens;
  std::vector<std::pair<size_t, size_t>> action_features;
  std::vector<uint32_t> ranking;      // indices into action_ids, rank 1 first (the chosen action)
  std::vector<double> probabilities;  // aligned with ranking
  DsjsonOutcome outcome = DsjsonOutcome::kDefaulted;
  std::optional<double> reward;  // -cost; unset for a skipped line, or a line without a label
  std::vector<DsjsonReward> rewards;
  std::optional<uint32_t> baseline;  // index into action_ids
  // A conditional-bandit line ("_outcomes"): how many slots, the first ranks;
  // and each slot's reward (none: the loop's default), in slot order (empty
  // for a skipped line).
  size_t slots = 0;
  std::vector<std::optional<double>> slot_rewards;
  // Lines read by one DsjsonLineReader with the same nonzero number here have
  // the same actions (action_ids, actions and their token ranges).
  uint64_t actions_version = 0;
};

// Parses one line (without its newline). Throws DsjsonError. The decision's
// documents point into `line`: it must outlive their use.
void read_dsjson_line(std::string_view line, DsjsonDecision& out);

// Reads lines as read_dsjson_line does, remembering the actions ("c._multi")
// of the last line whose actions it parsed: a line whose _multi is the same
// text takes them over, and their actions_version, without parsing them
// again (a log repeats its few action lists on most lines, and they are most
// of a line).
class DsjsonLineReader {
 public:
  void read(std::string_view line, DsjsonDecision& out);

 private:
  std::string multi_text_;  // the remembered _multi value as written; empty: none
  DsjsonDecision actions_;  // its actions, with texts of their own
  uint64_t version_ = 0;
  TokenList parsed_;
};

// The features of a decision and of its chosen action (rank 1), as the
// trainer builds them from the stored event; for a slot after the first (rank
// > 0 of a conditional-bandit line), those of the action shown there, with
// the slot in the context. Throws InputError for a non-finite number.
void featurize_decision(const DsjsonDecision& decision, FeatureSet& context,
                        FeatureSet& chosen_action, size_t rank = 0);
// Its two halves: the context at `rank`, and the features of action `action`
// (an index into action_ids), which depend on that action's document alone.
void featurize_context(const DsjsonDecision& decision, FeatureSet& context, size_t rank = 0);
void featurize_action(const DsjsonDecision& decision, uint32_t action, FeatureSet& features);

// The event id of a line: its EventId when that is a uuid (32 hex digits, with
// or without dashes), otherwise a name-based uuid (version 8) of the EventId
// text, or of the whole line when it has no EventId.
std::array<unsigned char, 16> dsjson_event_id(std::string_view event_id);
std::string uuid_to_text(const std::array<unsigned char, 16>& uuid);

// Microseconds since 1970-01-01 UTC of an ISO 8601 time ("2021-02-04T16:31:29.246Z";
// no zone means UTC). Returns false when the text is not one.
bool parse_iso_timestamp(std::string_view text, int64_t& microseconds);

// A joined pz event, as the export reads it from pz.events and pz.rewards.
struct LoggedEvent {
  std::string event_id;   // uuid text
  std::string timestamp;  // ISO 8601, UTC
  std::string context;    // JSON text of pz.events.context
  std::string actions;    // JSON text of pz.events.actions
  std::vector<std::string> ranking;
  std::vector<double> probabilities;
  DsjsonOutcome outcome = DsjsonOutcome::kRewarded;
  double reward = 0.0;    // unused when skipped
  bool deferred = false;  // activated after it was ranked
  std::vector<DsjsonReward> rewards;
  std::optional<std::string> baseline;
  // Ranked with slots: each slot's logged probability and, once joined, the
  // reward it was learned with (empty when not joined per slot). The line is
  // then a conditional-bandit one: slot j took the action at rank j.
  std::vector<double> slot_probabilities;
  std::vector<double> slot_rewards;
};

// One DSJSON line (no newline). Throws InputError if the event is inconsistent
// (a ranked id missing from its actions).
std::string write_dsjson_line(const LoggedEvent& event);

}  // namespace pz
