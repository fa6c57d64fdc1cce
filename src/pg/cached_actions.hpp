// pz_rank's actions read through the backend's cache of featurized actions
// (core/action_cache.hpp), keyed by each element's jsonb bytes: an action
// seen before is neither tokenized, checked nor featurized again. The
// candidates, errors and features are those parse_candidates and
// featurize_candidates give. Also what pz_rank_rows shares with it: the
// candidates of actions all cached, and featurizing what the cache lacks.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/action_cache.hpp"
#include "core/features.hpp"
#include "pg/jsonb_tokens.hpp"
#include "pg/postgres.hpp"
#include "pg/rank_request.hpp"

namespace pz::pg {

// The backend's cache of jsonb actions (one for every loop: an action's
// features depend on its document alone).
ActionCache& jsonb_action_cache();
// The backend's cache of rows (read_row_actions looks rows up in it).
ActionCache& row_action_cache();

// The candidates of `count` actions all found in `cache` (their entries by
// element), with the checks and errors of CandidateList, without reading
// or hashing their ids.
std::vector<Candidate> cached_candidates(ActionCache& cache, const size_t* entries, size_t count,
                                         const RankOptions& options);

// How an action not cached is to be kept: its key, and the document logged
// for it (may be empty: none kept) with that document's hash.
struct NewEntry {
  std::string head;  // a few bytes: kept in place (no allocation)
  std::string_view body;
  uint64 key_hash;
  std::string_view document;
  int64 document_hash;
};

// Each candidate's features into `views`: a cached one's (its entry in
// `entries`, by element) from `cache`; the others featurized from `tokens`
// first (the InputError featurize_action throws), then added to the cache
// as `describe(element)` says, their entries set and noted at their positions.
void featurize_through_cache(ActionCache& cache, JsonTokens tokens, const std::vector<Candidate>& candidates,
                             size_t* entries, const std::function<NewEntry(size_t element)>& describe,
                             std::vector<FeatureView>& views);

class CachedActions {
 public:
  explicit CachedActions(ActionCache& cache) : cache_(cache) {}

  // Reads and checks the candidates of `actions` into `*candidates`
  // (InputError as parse_candidates throws it) and returns true; or returns
  // false, having read none, when `actions` is not an array of objects or
  // arrays (the caller then reads it as before). `tokens` holds the tokens
  // of the actions not cached until featurize().
  bool read(Jsonb* actions, const RankOptions& options, TokenBuffer* tokens, std::vector<Candidate>* candidates);

  // Each of those candidates' features (featurizing and caching the new
  // ones: the InputError featurize_action throws), and, when no action is
  // excluded, each element's content hash (else nullptr).
  const std::vector<FeatureView>& featurize(const std::vector<Candidate>& candidates, const TokenBuffer* tokens);
  const int64* hashes() const { return hashes_.empty() ? nullptr : hashes_.data(); }

 private:
  ActionCache& cache_;
  // By element: where its bytes are and, if not cached, where its tokens begin.
  struct Element {
    const char* data;
    uint32 length;
    size_t first_token;
  };
  std::vector<Element> elements_;
  std::vector<size_t> entries_;  // by element: its cache entry, kNone until cached
  std::vector<uint64_t> key_hashes_;  // by element not found by position: its key's hash
  std::vector<FeatureView> features_;
  std::vector<int64> hashes_;
};

}  // namespace pz::pg
