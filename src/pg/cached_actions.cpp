#include "pg/cached_actions.hpp"

#include <string>
#include <string_view>

#include "pg/action_store.hpp"
#include "pg/featurize.hpp"
#include "pg/guard.hpp"
#include "pg/gucs.hpp"

namespace pz::pg {

namespace {

// Each cache of the backend, at the size pz.action_cache_size gives now.
ActionCache& sized(ActionCache& cache) {
  cache.set_max_bytes(pz_action_cache_bytes());
  return cache;
}

}  // namespace

// At 5,000 catalog actions each holds about 1 MB.
ActionCache& jsonb_action_cache() {
  static ActionCache cache(pz_action_cache_bytes());
  return sized(cache);
}

ActionCache& row_action_cache() {
  static ActionCache cache(pz_action_cache_bytes());
  return sized(cache);
}

std::vector<Candidate> cached_candidates(ActionCache& cache, const size_t* entries, size_t count,
                                         const RankOptions& options) {
  // A cached action's id passed CandidateList's checks when it was added:
  // only duplicates are left to find.
  const size_t duplicate = cache.first_duplicate_id(entries, count);
  if (duplicate < count) CandidateList::throw_duplicate(duplicate, cache.id(entries[duplicate]));
  CandidateList list(options, count);
  for (size_t i = 0; i < count; ++i) list.add_checked(Candidate{std::string(cache.id(entries[i])), i, 0, false});
  return list.finish();
}

void featurize_through_cache(ActionCache& cache, JsonTokens tokens, const std::vector<Candidate>& candidates,
                             size_t* entries, const std::function<NewEntry(size_t element)>& describe,
                             std::vector<FeatureView>& views) {
  // The candidates not cached, featurized first, as featurize_candidates does.
  static std::vector<FeatureSet> fresh;
  static std::vector<size_t> missing;
  missing.clear();
  for (size_t i = 0; i < candidates.size(); ++i)
    if (entries[candidates[i].element] == ActionCache::kNone) missing.push_back(i);
  if (fresh.size() < missing.size()) fresh.resize(missing.size());
  for (size_t k = 0; k < missing.size(); ++k) featurize_action(tokens, candidates[missing[k]], fresh[k]);
  for (size_t k = 0; k < missing.size(); ++k) {
    const Candidate& candidate = candidates[missing[k]];
    const NewEntry entry = describe(candidate.element);
    entries[candidate.element] = cache.add(entry.head, entry.body, entry.key_hash, candidate.id, fresh[k],
                                           entry.document, entry.document_hash);
    cache.note(candidate.element, entries[candidate.element]);
  }
  // Views only now: adding to the cache may move what earlier views showed.
  views.resize(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) views[i] = cache.features(entries[candidates[i].element]);
}

bool CachedActions::read(Jsonb* actions, const RankOptions& options, TokenBuffer* tokens,
                         std::vector<Candidate>* candidates) {
  JsonbContainer* root = &actions->root;
  if (!JsonContainerIsArray(root) || JsonContainerIsScalar(root)) return false;
  const size_t count = JsonContainerSize(root);
  if (count == 0) return false;
  // Each element's bytes, as getIthJsonbValueFromContainer finds them: an
  // object or array inside the list has the layout of a document of its own.
  // Each entry holds the element's length, or every JB_OFFSET_STRIDE-th its
  // end offset (getJsonbOffset and getJsonbLength, walked once).
  const char* base = reinterpret_cast<const char*>(&root->children[count]);
  elements_.resize(count);
  uint32 offset = 0;
  for (size_t i = 0; i < count; ++i) {
    const JEntry entry = root->children[i];
    if (!JBE_ISCONTAINER(entry)) return false;
    const uint32 end = JBE_HAS_OFF(entry) ? JBE_OFFLENFLD(entry) : offset + JBE_OFFLENFLD(entry);
    Element& element = elements_[i];
    element.data = base + INTALIGN(offset);
    element.length = end - INTALIGN(offset);
    element.first_token = 0;
    offset = end;
  }

  cache_.start_call();
  entries_.resize(count);
  key_hashes_.resize(count);
  bool all_cached = true;
  for (size_t i = 0; i < count; ++i) {
    const size_t entry =
        cache_.look_up(i, {}, std::string_view(elements_[i].data, elements_[i].length), &key_hashes_[i]);
    entries_[i] = entry;
    all_cached = all_cached && entry != ActionCache::kNone;
  }
  if (all_cached) {
    *candidates = cached_candidates(cache_, entries_.data(), count, options);
    return true;
  }
  pg_call([&] {
    for (size_t i = 0; i < count; ++i) {
      if (entries_[i] != ActionCache::kNone) continue;
      elements_[i].first_token = tokens->size;
      append_container_tokens(reinterpret_cast<JsonbContainer*>(const_cast<char*>(elements_[i].data)), tokens);
    }
  });

  CandidateList list(options, count);
  JsonTokens read_tokens{tokens->tokens, tokens->size};
  TokenCursor cursor(read_tokens);
  for (size_t i = 0; i < count; ++i) {
    if (entries_[i] != ActionCache::kNone) {
      list.add(Candidate{std::string(cache_.id(entries_[i])), i, 0, false});
    } else {
      cursor.seek(elements_[i].first_token);
      list.add(parse_candidate(cursor, i));
    }
  }
  *candidates = list.finish();
  return true;
}

const std::vector<FeatureView>& CachedActions::featurize(const std::vector<Candidate>& candidates,
                                                        const TokenBuffer* tokens) {
  featurize_through_cache(
      cache_, JsonTokens{tokens->tokens, tokens->size}, candidates, entries_.data(),
      [&](size_t element) {
        const std::string_view key(elements_[element].data, elements_[element].length);
        return NewEntry{{}, key, key_hashes_[element], {}, container_action_hash(key.data(), key.size())};
      },
      features_);
  hashes_.clear();
  if (candidates.size() == elements_.size())
    for (const size_t entry : entries_) hashes_.push_back(cache_.document_hash(entry));
  return features_;
}

}  // namespace pz::pg
