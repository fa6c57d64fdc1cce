#include "pg/rank_row_documents.hpp"

#include <cstring>
#include <deque>
#include <string>

#include "core/index_table.hpp"
#include "pg/action_store.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/htup_details.h"
#include "common/hashfn.h"
}

namespace pz::pg {

namespace {

// Documents and keys kept per backend; past it the cache starts over.
constexpr size_t kMaxCachedBytes = 16 * 1024 * 1024;

// Whether a value's document is a function of its bytes alone. The others
// are written with output functions or settings of the session (enums'
// labels, floats' digits, nested rows' types), and are built every time.
bool stable_value(ValueKind kind) {
  switch (kind) {
    case ValueKind::kString:
    case ValueKind::kInt2:
    case ValueKind::kInt4:
    case ValueKind::kInt8:
    case ValueKind::kNumeric:
    case ValueKind::kBool:
    case ValueKind::kJsonb:
      return true;
    default:
      return false;
  }
}

bool cacheable(const RowPlan* plan) {
  if (plan == nullptr || plan->signature == nullptr || !stable_value(plan->key_value.kind)) return false;
  for (int i = 0; i < plan->feature_count; ++i)
    if (!stable_value(plan->features[i].value.kind)) return false;
  return true;
}

struct Document {
  std::string key;
  std::string container;  // the document's root container: a jsonb without its length word
  int64 hash;
  uint64 key_hash;
};

// Documents by key. A deque: what find and add return stays valid until
// start_call empties the cache.
class DocumentCache {
 public:
  // Called before a call's lookups: a cache past its size starts over.
  void start_call() {
    if (bytes_ <= kMaxCachedBytes) return;
    documents_.clear();
    index_.clear();
    bytes_ = 0;
  }

  // The document of `key`, or nullptr.
  const Document* find(const std::string& key, uint64 key_hash) const {
    if (index_.empty()) return nullptr;
    const size_t found = index_.at(index_.probe(key_hash, [&](size_t i) { return matches(i, key, key_hash); }));
    return found == IndexTable::kNone ? nullptr : &documents_[found];
  }

  const Document* add(const std::string& key, uint64 key_hash, const char* container, size_t length, int64 hash) {
    bytes_ += key.size() + length + sizeof(Document);
    index_.prepare_insert(documents_.size(), [&](size_t i) { return documents_[i].key_hash; });
    index_.place(index_.probe(key_hash, [](size_t) { return false; }), documents_.size());
    documents_.push_back(Document{key, std::string(container, length), hash, key_hash});
    return &documents_.back();
  }

 private:
  bool matches(size_t i, const std::string& key, uint64 key_hash) const {
    return documents_[i].key_hash == key_hash && documents_[i].key == key;
  }

  std::deque<Document> documents_;
  IndexTable index_;
  size_t bytes_ = 0;
};

// A row's key: the plan it was read with (its identity, the type's version and
// the columns chosen) and the tuple's attribute count, null bitmap and data,
// which with the plan's descriptor determine every value.
void row_key(const RowPlan* plan, HeapTupleHeader row, std::string* key) {
  key->clear();
  key->append(reinterpret_cast<const char*>(&plan), sizeof plan);
  key->append(reinterpret_cast<const char*>(&plan->identifier), sizeof plan->identifier);
  key->append(plan->signature, plan->signature_length);
  const uint16 attributes = HeapTupleHeaderGetNatts(row);
  key->append(reinterpret_cast<const char*>(&attributes), sizeof attributes);
  const char* bytes = reinterpret_cast<const char*>(row);
  if ((row->t_infomask & HEAP_HASNULL) != 0) {
    key->push_back('n');
    key->append(reinterpret_cast<const char*>(row->t_bits), BITMAPLEN(attributes));
  } else {
    key->push_back('-');
  }
  key->append(bytes + row->t_hoff, HeapTupleHeaderGetDatumLength(row) - row->t_hoff);
}

// A jsonb array of the containers, laid out as JsonbValueToJsonb lays out
// an array of documents: each element padded to 4 bytes, its length (with
// the padding) in its entry, every JB_OFFSET_STRIDE-th entry its end offset.
// PostgreSQL side (may ereport).
Jsonb* array_of(const Document* const* documents, size_t count) {
  size_t size = VARHDRSZ + sizeof(uint32) + count * sizeof(JEntry);
  for (size_t i = 0; i < count; ++i) size = INTALIGN(size) + documents[i]->container.size();
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
    memcpy(buffer + position, documents[i]->container.data(), documents[i]->container.size());
    position += documents[i]->container.size();
    const uint32 length = static_cast<uint32>(position - start);
    entries[i] = i % JB_OFFSET_STRIDE == 0 ? JENTRY_ISCONTAINER | JENTRY_HAS_OFF | static_cast<uint32>(position - data_start)
                                           : JENTRY_ISCONTAINER | length;
  }
  return reinterpret_cast<Jsonb*>(buffer);
}

}  // namespace

Jsonb* logged_row_documents(const RowActions& rows, const std::vector<Candidate>& candidates, int64** hashes) {
  std::vector<size_t> elements;
  elements.reserve(candidates.size());
  for (const Candidate& candidate : candidates) elements.push_back(candidate.element);
  Jsonb* logged = nullptr;
  *hashes = nullptr;
  bool plain_rows = cacheable(rows.plan);
  for (size_t element : elements) plain_rows = plain_rows && !VARATT_IS_EXTENDED(DatumGetPointer(rows.items[element]));
  if (!plain_rows) {
    pg_call([&] { logged = row_actions_jsonb(&rows, elements.data(), elements.size()); });
    return logged;
  }

  static DocumentCache cache;
  static std::string key;
  cache.start_call();
  std::vector<const Document*> documents(elements.size());
  int64* row_hashes = nullptr;
  pg_call([&] { row_hashes = static_cast<int64*>(palloc(sizeof(int64) * elements.size())); });
  for (size_t i = 0; i < elements.size(); ++i) {
    HeapTupleHeader row = reinterpret_cast<HeapTupleHeader>(DatumGetPointer(rows.items[elements[i]]));
    row_key(rows.plan, row, &key);
    const uint64 key_hash = hash_bytes_extended(reinterpret_cast<const unsigned char*>(key.data()),
                                                static_cast<int>(key.size()), 0);
    const Document* document = cache.find(key, key_hash);
    if (document == nullptr) {
      const char* container = nullptr;
      size_t length = 0;
      int64 hash = 0;
      pg_call([&] {
        Jsonb* alone = row_actions_jsonb(&rows, &elements[i], 1);
        JsonbValue* element = getIthJsonbValueFromContainer(&alone->root, 0);
        container = reinterpret_cast<const char*>(element->val.binary.data);
        length = static_cast<size_t>(element->val.binary.len);
        hash = element_action_hash(alone, 0);
      });
      document = cache.add(key, key_hash, container, length, hash);
    }
    documents[i] = document;
    row_hashes[i] = document->hash;
  }
  pg_call([&] {
    logged = array_of(documents.data(), documents.size());
#ifdef PZ_CHECK_ROW_DOCUMENTS
    Jsonb* built = row_actions_jsonb(&rows, elements.data(), elements.size());
    bool same = VARSIZE(built) == VARSIZE(logged) && memcmp(built, logged, VARSIZE(built)) == 0;
    for (size_t i = 0; same && i < elements.size(); ++i)
      same = row_hashes[i] == element_action_hash(built, static_cast<uint32>(i));
    if (!same) elog(WARNING, "pz: kept row documents differ from the documents built");
#endif
  });
  *hashes = row_hashes;
  return logged;
}

}  // namespace pz::pg
