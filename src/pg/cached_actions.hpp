// pz_rank's actions read through the backend's cache of featurized actions
// (core/action_cache.hpp), keyed by each element's jsonb bytes: an action
// seen before is neither tokenized, checked nor featurized again. The
// candidates, errors and features are those parse_candidates and
// featurize_candidates give.
#pragma once

#include <cstddef>
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
  // By element: where its bytes are, their hash, its cache entry (kNone until
  // cached) and, if not cached, where its tokens begin.
  struct Element {
    const char* data;
    uint32 length;
    uint64 key_hash;
    size_t entry;
    size_t first_token;
  };
  std::vector<Element> elements_;
  std::vector<FeatureView> features_;
  std::vector<int64> hashes_;
};

}  // namespace pz::pg
