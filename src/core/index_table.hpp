// A hash index over entries the caller keeps in its own array: open
// addressing with linear probing, each slot holding an entry's index + 1
// (0: empty), at most half full. For look-ups on a hot path, where a
// node-based set would allocate once an entry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pz {

class IndexTable {
 public:
  static constexpr size_t kNone = static_cast<size_t>(-1);

  // Empty, with room for `entries` entries.
  void presize(size_t entries) { slots_.assign(slots_for(entries), 0); }

  // Before an entry is added to the `count` already in: grows the table if
  // it would be more than half full, placing those again by
  // `hash_of(index)`. Growing moves the slots, so probe() after this.
  template <class HashOf>
  void prepare_insert(size_t count, HashOf&& hash_of) {
    if (2 * (count + 1) <= slots_.size()) return;
    slots_.assign(slots_for(count + 1), 0);
    for (size_t index = 0; index < count; ++index)
      slots_[probe(hash_of(index), [](size_t) { return false; })] = static_cast<uint32_t>(index + 1);
  }

  // The slot of the entry with `hash` that `matches(index)` accepts, else the
  // empty slot where such an entry would go. Not on an empty table.
  template <class Matches>
  size_t probe(uint64_t hash, Matches&& matches) const {
    const size_t mask = slots_.size() - 1;
    size_t slot = hash & mask;
    while (slots_[slot] != 0 && !matches(static_cast<size_t>(slots_[slot] - 1))) slot = (slot + 1) & mask;
    return slot;
  }

  // The index of the entry in `slot`, or kNone.
  size_t at(size_t slot) const { return slots_[slot] == 0 ? kNone : slots_[slot] - 1; }

  // Puts entry `index` in `slot`, an empty one that probe() gave.
  void place(size_t slot, size_t index) { slots_[slot] = static_cast<uint32_t>(index + 1); }

  bool empty() const { return slots_.empty(); }
  void clear() { slots_.clear(); }
  // clear(), and the memory given back.
  void release() { std::vector<uint32_t>().swap(slots_); }
  size_t allocated_bytes() const { return slots_.capacity() * sizeof(uint32_t); }

 private:
  static size_t slots_for(size_t entries) {
    size_t slots = 16;
    while (slots < 2 * entries) slots *= 2;
    return slots;
  }

  std::vector<uint32_t> slots_;
};

}  // namespace pz
