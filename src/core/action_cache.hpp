// Actions featurized once per backend, kept under the bytes of the document
// each came from (a jsonb action, or a catalog row with the columns chosen):
// a catalog's items recur from call to call, and reading, checking and
// featurizing every one at every call was most of a rank call over thousands.
// An entry is a function of its key alone, so it never goes stale; the cache
// is bounded by starting over between calls once past its size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "features.hpp"
#include "index_table.hpp"

namespace pz {

class ActionCache {
 public:
  static constexpr size_t kNone = IndexTable::kNone;

  explicit ActionCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // A key is given in two parts, `head` then `body`, so that a caller need
  // not copy a document (the body) to put its own prefix before it. Keys are
  // told apart by their parts' concatenation: the heads of one cache must
  // all have the same length.

  // The hash find() and add() take for a key: made for this table only
  // (never stored), and fast: a look-up hashes a whole document.
  static uint64_t hash(std::string_view head, std::string_view body);

  // The size past which the cache starts over (at the next start_call).
  void set_max_bytes(size_t max_bytes) { max_bytes_ = max_bytes; }

  // Called before a call's look-ups: a cache past its size starts over.
  // Entry numbers a caller holds are valid until then.
  void start_call();

  // The entry of the key, or kNone. `key_hash` is hash(head, body).
  size_t find(std::string_view head, std::string_view body, uint64_t key_hash) const;

  // The entry noted at `position` (of the caller's list of actions) in an
  // earlier call, if its key is (head, body), else kNone: compared byte for
  // byte, without hashing. A catalog's actions come in the same order call
  // after call, so most are found here and only the others are hashed.
  size_t recall(size_t position, std::string_view head, std::string_view body) const;
  // Notes that `entry` is at `position` in this call (for recall() in the next).
  void note(size_t position, size_t entry) {
    if (recent_.size() <= position) recent_.resize(position + 1, kNone);
    recent_[position] = entry;
  }

  // The entry of the key at `position` of this call, or kNone: recall()ed,
  // else found by its hash and noted for the next call. `key_hash` gets the
  // hash when one was made (what add() takes for a key not found).
  size_t look_up(size_t position, std::string_view head, std::string_view body, uint64_t* key_hash);

  // The position (in `entries`, each an entry number) of the first entry
  // whose id an earlier one of them has, or `count` if their ids all differ.
  // Without hashing or comparing ids: each entry knows its id's number.
  size_t first_duplicate_id(const size_t* entries, size_t count);

  // Adds the entry of the key (not already in): the action's id, its features,
  // the document the caller logs for it (may be empty: none kept) and that
  // document's hash. Returns its number.
  size_t add(std::string_view head, std::string_view body, uint64_t key_hash, std::string_view id,
             const FeatureSet& features, std::string_view document, int64_t document_hash);

  // Valid until the next add() or start_call().
  std::string_view id(size_t entry) const { return part(entries_[entry].id_offset, entries_[entry].id_length); }
  std::string_view document(size_t entry) const {
    return part(entries_[entry].document_offset, entries_[entry].document_length);
  }
  int64_t document_hash(size_t entry) const { return entries_[entry].document_hash; }
  // Valid until the next add() or start_call().
  FeatureView features(size_t entry) const;

  size_t size() const { return entries_.size(); }
  // What the entries take, as counted against the size given.
  size_t bytes() const { return counted_bytes_; }
  // The memory its buffers hold (their capacity), which can exceed bytes().
  size_t allocated_bytes() const;

 private:
  struct Entry {
    uint64_t key_hash;
    uint64_t id_hash;
    int64_t document_hash;
    size_t key_offset;  // key, id and document in bytes_
    size_t id_offset;
    size_t document_offset;
    uint32_t key_length;
    uint32_t id_length;
    uint32_t document_length;
    uint32_t feature_begin;  // in features_; the namespaces' spans count from here
    uint32_t feature_count;
    uint32_t namespace_begin;  // in namespaces_
    uint32_t namespace_count;
    uint32_t id_number;  // equal for the entries with equal ids
  };
  std::string_view part(size_t offset, uint32_t length) const { return std::string_view(bytes_.data() + offset, length); }
  bool matches(size_t entry, std::string_view head, std::string_view body, uint64_t key_hash) const;
  bool same_key(size_t entry, std::string_view head, std::string_view body) const;
  uint32_t number_id(std::string_view id, uint64_t id_hash);

  size_t max_bytes_;
  size_t counted_bytes_ = 0;
  // Every entry's parts back to back: a few allocations for thousands of
  // actions, and the features of consecutive actions side by side.
  std::string bytes_;
  std::vector<Feature> features_;
  std::vector<NamespaceSpan> namespaces_;
  std::vector<Entry> entries_;
  IndexTable index_;
  // Each distinct id once, by its first entry: gives an added entry its id number.
  IndexTable id_index_;
  std::vector<size_t> id_firsts_;
  // By id number: the stamp of the last first_duplicate_id() that met it.
  std::vector<uint32_t> id_stamps_;
  uint32_t stamp_ = 0;
  std::vector<size_t> recent_;  // by position: the entry noted there
};

}  // namespace pz
