// The parsed arguments of one pz_rank call: options and candidate actions,
// checked before anything is scored or written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/index_table.hpp"
#include "pg/jsonb_tokens.hpp"

namespace pz::pg {

struct RankOptions {
  std::string event_id;  // empty: generate one
  bool deferred = false;
  bool learn = true;
  bool has_baseline = false;
  std::string baseline;
  std::unordered_set<std::string> excluded;
  std::string subject;  // empty: none (its keyed hash is logged, for pz_forget)
  bool has_exploration = false;  // this decision is epsilon-greedy with this epsilon
  double exploration = 0.0;
  int slots = 0;  // 0: not given; else the first `slots` ranks are drawn one by one and logged
};

struct Candidate {
  std::string id;
  size_t element;          // index in the actions array as given
  size_t features_token;   // token index of the features object
  bool has_features;
};

// Throws InputError naming the offending option.
RankOptions parse_rank_options(JsonTokens options);

// Collects the candidates of one call in the order given, without the
// excluded ones, with the checks every form of actions shares.
class CandidateList {
 public:
  CandidateList(const RankOptions& options, size_t expected);
  // Throws InputError, naming the candidate's position, for an empty or duplicate id.
  void add(Candidate candidate);
  // Adds a candidate whose id the caller has checked (not empty, no other's).
  void add_checked(Candidate candidate);
  // The InputError add() throws for a duplicate id at `element`.
  [[noreturn]] static void throw_duplicate(size_t element, std::string_view id);
  // Throws InputError when nothing is left to rank or the baseline is not a candidate.
  std::vector<Candidate> finish();

 private:
  // Whether `id` was added before; remembers it if not.
  bool seen(std::string_view id);

  const RankOptions& options_;
  std::vector<Candidate> candidates_;
  size_t added_ = 0;  // excluded ones included
  std::string_view id_at(size_t index) const;

  // The ids added so far, back to back, and a hash index of their (offset,
  // length): one allocation each per call, where a set of strings allocated
  // a node per candidate.
  std::string id_bytes_;
  std::vector<std::pair<uint32_t, uint32_t>> ids_;
  IndexTable id_index_;
};

// The action at the cursor (element `element` of the actions given), the
// cursor moved past it. Throws InputError for a malformed action.
Candidate parse_candidate(TokenCursor& cursor, size_t element);

// Candidates in the order given, without the excluded ones. Throws InputError
// for a malformed action, a duplicate id, nothing left to rank, or a baseline
// that is not a candidate.
// expected: how many actions there are likely to be (reserves room; 0 if unknown).
std::vector<Candidate> parse_candidates(JsonTokens actions, const RankOptions& options, size_t expected = 0);

}  // namespace pz::pg
