#include "pg/cached_actions.hpp"

#include <string>
#include <string_view>

#include "pg/action_store.hpp"
#include "pg/featurize.hpp"
#include "pg/guard.hpp"

namespace pz::pg {

namespace {

// Past this the cache starts over (at 5,000 catalog actions it holds about 1 MB).
constexpr size_t kMaxCachedBytes = 16 * 1024 * 1024;

}  // namespace

ActionCache& jsonb_action_cache() {
  static ActionCache cache(kMaxCachedBytes);
  return cache;
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
    element.key_hash = ActionCache::hash({}, std::string_view(element.data, element.length));
    element.first_token = 0;
    offset = end;
  }

  cache_.start_call();
  bool all_cached = true;
  for (Element& element : elements_) {
    element.entry = cache_.find({}, std::string_view(element.data, element.length), element.key_hash);
    all_cached = all_cached && element.entry != ActionCache::kNone;
  }
  if (!all_cached) {
    pg_call([&] {
      for (Element& element : elements_) {
        if (element.entry != ActionCache::kNone) continue;
        element.first_token = tokens->size;
        append_container_tokens(reinterpret_cast<JsonbContainer*>(const_cast<char*>(element.data)), tokens);
      }
    });
  }

  CandidateList list(options, count);
  JsonTokens read_tokens{tokens->tokens, tokens->size};
  TokenCursor cursor(read_tokens);
  for (size_t i = 0; i < count; ++i) {
    const Element& element = elements_[i];
    if (element.entry != ActionCache::kNone) {
      list.add(Candidate{std::string(cache_.id(element.entry)), i, 0, false});
    } else {
      cursor.seek(element.first_token);
      list.add(parse_candidate(cursor, i));
    }
  }
  *candidates = list.finish();
  return true;
}

const std::vector<FeatureView>& CachedActions::featurize(const std::vector<Candidate>& candidates,
                                                        const TokenBuffer* tokens) {
  // One set for each action featurized here, copied into the cache.
  static FeatureSet fresh;
  const JsonTokens read_tokens{tokens->tokens, tokens->size};
  for (const Candidate& candidate : candidates) {
    Element& element = elements_[candidate.element];
    if (element.entry != ActionCache::kNone) continue;
    featurize_action(read_tokens, candidate, fresh);
    element.entry = cache_.add({}, std::string_view(element.data, element.length), element.key_hash, candidate.id,
                               fresh, {}, container_action_hash(element.data, element.length));
  }
  // Views only now: adding to the cache may move what earlier views showed.
  features_.resize(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) features_[i] = cache_.features(elements_[candidates[i].element].entry);
  hashes_.clear();
  if (candidates.size() == elements_.size())
    for (const Element& element : elements_) hashes_.push_back(cache_.document_hash(element.entry));
  return features_;
}

}  // namespace pz::pg
