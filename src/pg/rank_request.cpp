#include "pg/rank_request.hpp"

#include <cmath>
#include <string_view>

#include "core/errors.hpp"

namespace pz::pg {

namespace {

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// "action 3" for the element at index 2 of the actions given.
std::string action_position(size_t element) { return "action " + std::to_string(element + 1); }

bool read_bool_option(TokenCursor& cursor, std::string_view key) {
  const JsonToken& token = cursor.next();
  if (token.kind != TokenKind::kBool)
    throw InputError("option " + quoted(key) + " must be a boolean, not " + json_type_name(token));
  return token.boolean;
}

std::string read_id_option(TokenCursor& cursor, std::string_view key) {
  std::string id;
  const JsonToken& token = cursor.peek();
  if (!token_as_id(token, id))
    throw InputError("option " + quoted(key) + " must be an action id (a string), not " +
                     json_type_name(token));
  cursor.skip_value();
  return id;
}

void read_excluded(TokenCursor& cursor, RankOptions& options) {
  if (cursor.peek().kind != TokenKind::kBeginArray)
    throw InputError(std::string("option \"excluded\" must be an array of action ids, not ") +
                     json_type_name(cursor.peek()));
  cursor.next();
  while (cursor.peek().kind != TokenKind::kEndArray) options.excluded.insert(read_id_option(cursor, "excluded"));
  cursor.next();
}

// A text, or an integral number read as its digits (an application's user id).
void read_subject(TokenCursor& cursor, RankOptions& options) {
  const JsonToken& token = cursor.peek();
  if (!token_as_id(token, options.subject))
    throw InputError(std::string("option \"subject\" must be a string, not ") + json_type_name(token));
  if (options.subject.empty()) throw InputError("option \"subject\" must not be an empty string");
  cursor.skip_value();
}

// The epsilon of this decision's epsilon-greedy policy, as the loop setting
// of the same name bounds it.
void read_exploration(TokenCursor& cursor, RankOptions& options) {
  const JsonToken& token = cursor.next();
  if (token.kind != TokenKind::kNumber)
    throw InputError(std::string("option \"exploration\" must be a number from 0 to 1, not ") +
                     json_type_name(token));
  if (!(token.number >= 0.0 && token.number <= 1.0))
    throw InputError("option \"exploration\" must be a number from 0 to 1");
  options.exploration = token.number;
  options.has_exploration = true;
}

// How many positions are shown at once: an integer from 1 to kMaxSlots.
void read_slots(TokenCursor& cursor, RankOptions& options) {
  constexpr double kMaxSlots = 1000;
  const JsonToken& token = cursor.next();
  if (token.kind != TokenKind::kNumber)
    throw InputError(std::string("option \"slots\" must be an integer from 1 to 1000, not ") + json_type_name(token));
  const bool in_range = token.number >= 1.0 && token.number <= kMaxSlots;
  if (!in_range || token.number != std::floor(token.number))
    throw InputError("option \"slots\" must be an integer from 1 to 1000");
  options.slots = static_cast<int>(token.number);
}

}  // namespace

RankOptions parse_rank_options(JsonTokens tokens) {
  RankOptions options;
  if (tokens.size == 0) return options;
  TokenCursor cursor(tokens);
  if (cursor.peek().kind != TokenKind::kBeginObject)
    throw InputError(std::string("options must be a JSON object, not ") + json_type_name(cursor.peek()));
  cursor.next();
  while (cursor.peek().kind != TokenKind::kEndObject) {
    std::string_view key = cursor.next().string();
    if (cursor.peek().kind == TokenKind::kNull) {  // null: the option's default
      cursor.next();
      continue;
    }
    if (key == "event_id") {
      const JsonToken& token = cursor.next();
      if (token.kind != TokenKind::kString)
        throw InputError(std::string("option \"event_id\" must be a uuid string, not ") + json_type_name(token));
      options.event_id.assign(token.string());
    } else if (key == "deferred") {
      options.deferred = read_bool_option(cursor, key);
    } else if (key == "learn") {
      options.learn = read_bool_option(cursor, key);
    } else if (key == "baseline") {
      options.baseline = read_id_option(cursor, key);
      options.has_baseline = true;
    } else if (key == "excluded") {
      read_excluded(cursor, options);
    } else if (key == "subject") {
      read_subject(cursor, options);
    } else if (key == "exploration") {
      read_exploration(cursor, options);
    } else if (key == "slots") {
      read_slots(cursor, options);
    } else {
      throw InputError("unknown option " + quoted(key) +
                       " (known options: baseline, deferred, event_id, excluded, exploration, learn, slots, subject)");
    }
  }
  return options;
}

CandidateList::CandidateList(const RankOptions& options, size_t expected) : options_(options) {
  candidates_.reserve(expected);
  ids_.reserve(expected);
  id_bytes_.reserve(expected * 16);
  id_index_.presize(expected);
}

std::string_view CandidateList::id_at(size_t index) const {
  return std::string_view(id_bytes_.data() + ids_[index].first, ids_[index].second);
}

bool CandidateList::seen(std::string_view id) {
  const auto hash = [](std::string_view text) { return std::hash<std::string_view>{}(text); };
  id_index_.prepare_insert(ids_.size(), [&](size_t index) { return hash(id_at(index)); });
  const size_t slot = id_index_.probe(hash(id), [&](size_t index) { return id_at(index) == id; });
  if (id_index_.at(slot) != IndexTable::kNone) return true;
  id_index_.place(slot, ids_.size());
  ids_.emplace_back(static_cast<uint32_t>(id_bytes_.size()), static_cast<uint32_t>(id.size()));
  id_bytes_.append(id);
  return false;
}

void CandidateList::throw_duplicate(size_t element, std::string_view id) {
  throw InputError(action_position(element) + ": duplicate action id " + quoted(id));
}

void CandidateList::add(Candidate candidate) {
  if (candidate.id.empty()) throw InputError(action_position(candidate.element) + " has an empty id");
  if (seen(candidate.id)) throw_duplicate(candidate.element, candidate.id);
  add_checked(std::move(candidate));
}

void CandidateList::add_checked(Candidate candidate) {
  ++added_;
  if (options_.excluded.empty() || options_.excluded.count(candidate.id) == 0)
    candidates_.push_back(std::move(candidate));
}

std::vector<Candidate> CandidateList::finish() {
  if (candidates_.empty())
    throw InputError(added_ == 0 ? "actions must not be an empty array"
                                   : "every action is excluded: nothing is left to rank");
  if (options_.has_baseline) {
    bool found = false;
    for (const Candidate& candidate : candidates_) found = found || candidate.id == options_.baseline;
    if (!found) throw InputError("baseline \"" + options_.baseline + "\" is not one of the actions to rank");
  }
  return std::move(candidates_);
}

Candidate parse_candidate(TokenCursor& cursor, size_t element) {
  Candidate candidate{{}, element, 0, false};
  const JsonToken& start = cursor.peek();
  // Named only in errors: not built for every action.
  auto position = [element] { return action_position(element); };
  if (start.kind == TokenKind::kBeginObject) {
    cursor.next();
    bool has_id = false;
    while (cursor.peek().kind != TokenKind::kEndObject) {
      std::string_view key = cursor.next().string();
      if (key == "id") {
        if (!token_as_id(cursor.peek(), candidate.id))
          throw InputError(position() + ": \"id\" must be a string, not " + json_type_name(cursor.peek()));
        has_id = true;
        cursor.skip_value();
      } else if (key == "features") {
        const JsonToken& features = cursor.peek();
        if (features.kind == TokenKind::kBeginObject) {
          candidate.features_token = cursor.position();
          candidate.has_features = true;
        } else if (features.kind != TokenKind::kNull) {
          throw InputError(position() + ": \"features\" must be an object, not " + json_type_name(features));
        }
        cursor.skip_value();
      } else {
        throw InputError(position() + " has an unknown key " + quoted(key) +
                         " (an action is {\"id\": ..., \"features\": {...}})");
      }
    }
    cursor.next();
    if (!has_id) throw InputError(position() + " has no \"id\"");
  } else if (!token_as_id(start, candidate.id)) {
    throw InputError(position() + " must be an object {\"id\": ..., \"features\": {...}} or an id string, not " +
                     json_type_name(start));
  } else {
    cursor.next();
  }
  return candidate;
}

std::vector<Candidate> parse_candidates(JsonTokens tokens, const RankOptions& options, size_t expected) {
  TokenCursor cursor(tokens);
  if (cursor.peek().kind != TokenKind::kBeginArray)
    throw InputError(std::string("actions must be a JSON array, not ") + json_type_name(cursor.peek()));
  cursor.next();
  CandidateList candidates(options, expected);
  for (size_t element = 0; cursor.peek().kind != TokenKind::kEndArray; ++element)
    candidates.add(parse_candidate(cursor, element));
  return candidates.finish();
}

}  // namespace pz::pg
