#include "pg/rank_row_documents.hpp"

#include <cstring>
#include <string_view>

#include "pg/action_store.hpp"
#include "pg/cached_actions.hpp"
#include "pg/featurize.hpp"
#include "pg/guard.hpp"
#include "pg/rank_decision.hpp"

extern "C" {
#include "access/htup_details.h"
}

namespace pz::pg {

namespace {

// A jsonb array of the containers, laid out as JsonbValueToJsonb lays out
// an array of documents: each element padded to 4 bytes, its length (with
// the padding) in its entry, every JB_OFFSET_STRIDE-th entry its end offset.
// PostgreSQL side (may ereport).
Jsonb* array_of(const std::string_view* documents, size_t count) {
  size_t size = VARHDRSZ + sizeof(uint32) + count * sizeof(JEntry);
  for (size_t i = 0; i < count; ++i) size = INTALIGN(size) + documents[i].size();
  if (size > JENTRY_OFFLENMASK) ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("logged actions exceed the maximum jsonb size")));
  char* buffer = static_cast<char*>(palloc0(size));
  SET_VARSIZE(buffer, size);
  const uint32 header = static_cast<uint32>(count) | JB_FARRAY;
  memcpy(buffer + VARHDRSZ, &header, sizeof header);
  JEntry* entries = reinterpret_cast<JEntry*>(buffer + VARHDRSZ + sizeof(uint32));
  const size_t data_start = VARHDRSZ + sizeof(uint32) + count * sizeof(JEntry);
  size_t position = data_start;
  for (size_t i = 0; i < count; ++i) {
    const size_t start = position;
    position = INTALIGN(position);
    memcpy(buffer + position, documents[i].data(), documents[i].size());
    position += documents[i].size();
    const uint32 length = static_cast<uint32>(position - start);
    entries[i] = i % JB_OFFSET_STRIDE == 0 ? JENTRY_ISCONTAINER | JENTRY_HAS_OFF | static_cast<uint32>(position - data_start)
                                           : JENTRY_ISCONTAINER | length;
  }
  return reinterpret_cast<Jsonb*>(buffer);
}

}  // namespace

const std::vector<FeatureView>& featurize_rows(RowActions& rows, const std::vector<Candidate>& candidates) {
  if (rows.entries == nullptr) return featurize_candidates(rows.tokens, candidates);
  static std::vector<FeatureView> views;
  featurize_through_cache(
      row_action_cache(), rows.tokens, candidates, rows.entries,
      [&](size_t element) {
        // The document logged for the row, as a one-element array of its own.
        NewEntry entry{};
        pg_call([&] {
          Jsonb* alone = row_actions_jsonb(&rows, &element, 1);
          JsonbValue* value = getIthJsonbValueFromContainer(&alone->root, 0);
          entry.document = std::string_view(reinterpret_cast<const char*>(value->val.binary.data),
                                            static_cast<size_t>(value->val.binary.len));
          entry.document_hash = element_action_hash(alone, 0);
        });
        const RowKey key = row_key(rows.plan, reinterpret_cast<HeapTupleHeader>(DatumGetPointer(rows.items[element])));
        entry.head.assign(key.head());  // a copy: `key` ends here
        entry.body = key.body;
        entry.key_hash = rows.key_hashes[element];
        return entry;
      },
      views);
  return views;
}

Jsonb* logged_row_documents(const RowActions& rows, const std::vector<Candidate>& candidates, int64** hashes) {
  Jsonb* logged = nullptr;
  *hashes = nullptr;
  if (rows.entries == nullptr) {
    std::vector<size_t> elements;
    elements.reserve(candidates.size());
    for (const Candidate& candidate : candidates) elements.push_back(candidate.element);
    pg_call([&] { logged = row_actions_jsonb(&rows, elements.data(), elements.size()); });
    return logged;
  }
  const ActionCache& cache = row_action_cache();
  std::vector<std::string_view> documents(candidates.size());
  int64* row_hashes = nullptr;
  pg_call([&] { row_hashes = static_cast<int64*>(palloc(sizeof(int64) * candidates.size())); });
  for (size_t i = 0; i < candidates.size(); ++i) {
    const size_t entry = rows.entries[candidates[i].element];
    documents[i] = cache.document(entry);
    row_hashes[i] = cache.document_hash(entry);
  }
  pg_call([&] { logged = array_of(documents.data(), documents.size()); });
  *hashes = row_hashes;
  return logged;
}

}  // namespace pz::pg
