#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/index_table.hpp"

namespace pz {
namespace {

// A set of strings over IndexTable, as its users keep theirs: the entries in
// their own array, the table holding their indexes.
class StringSet {
 public:
  // Whether `text` was in; adds it if not.
  bool seen(const std::string& text, uint64_t hash) {
    table_.prepare_insert(texts_.size(), [&](size_t i) { return hashes_[i]; });
    const size_t slot = table_.probe(hash, [&](size_t i) { return texts_[i] == text; });
    if (table_.at(slot) != IndexTable::kNone) return true;
    table_.place(slot, texts_.size());
    texts_.push_back(text);
    hashes_.push_back(hash);
    return false;
  }
  size_t find(const std::string& text, uint64_t hash) const {
    if (table_.empty()) return IndexTable::kNone;
    return table_.at(table_.probe(hash, [&](size_t i) { return texts_[i] == text; }));
  }

 private:
  IndexTable table_;
  std::vector<std::string> texts_;
  std::vector<uint64_t> hashes_;
};

TEST(IndexTable, FindsEveryEntryAcrossGrowthAndCollisions) {
  StringSet set;
  // Hashes with few distinct values: long probe runs, and growth with entries in.
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(set.seen("id-" + std::to_string(i), i % 7));
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(set.seen("id-" + std::to_string(i), i % 7));
    EXPECT_EQ(set.find("id-" + std::to_string(i), i % 7), static_cast<size_t>(i));
  }
  EXPECT_EQ(set.find("id-1000", 1000 % 7), IndexTable::kNone);
  EXPECT_EQ(set.find("id-3", 4), IndexTable::kNone);  // the right text under another hash
}

TEST(IndexTable, PresizedTableDoesNotGrowWithinItsSize) {
  IndexTable table;
  table.presize(50);
  size_t placed_again = 0;
  for (size_t i = 0; i < 50; ++i) {
    table.prepare_insert(i, [&](size_t) { return ++placed_again, uint64_t{0}; });
    table.place(table.probe(i, [](size_t) { return false; }), i);
  }
  EXPECT_EQ(placed_again, 0u);
  table.prepare_insert(50, [&](size_t index) { return ++placed_again, uint64_t{index}; });
  EXPECT_EQ(placed_again, 0u);  // 51 entries still fit at most half of 128 slots
}

TEST(IndexTable, EmptyUntilSizedAndAfterClear) {
  IndexTable table;
  EXPECT_TRUE(table.empty());
  table.prepare_insert(0, [](size_t) { return uint64_t{0}; });
  EXPECT_FALSE(table.empty());
  const size_t slot = table.probe(42, [](size_t) { return true; });
  EXPECT_EQ(table.at(slot), IndexTable::kNone);
  table.clear();
  EXPECT_TRUE(table.empty());
}

}  // namespace
}  // namespace pz
