#include "core/logged_candidates.hpp"

#include <cstring>
#include <limits>
#include <unordered_map>

#include "core/errors.hpp"
#include "core/little_endian.hpp"

namespace pz {
namespace {

constexpr unsigned char kFormat = 1;
constexpr unsigned char kRanked = 1;
constexpr unsigned char kScored = 2;
constexpr unsigned char kTable = 4;

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

size_t varint_bytes(uint64_t value) {
  size_t bytes = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++bytes;
  }
  return bytes;
}

uint64_t zigzag(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}

int64_t unzigzag(uint64_t value) {
  return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1);
}

uint64_t bits_of(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

double double_of(uint64_t bits) {
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// The probabilities as distinct values (by bit pattern, so that each is kept
// exactly) and runs of equal values.
struct ProbabilityTable {
  std::vector<uint64_t> values;
  std::vector<std::pair<uint64_t, uint64_t>> runs;  // (index, length)
  size_t bytes = 0;
};

// Past this many distinct values a hash map finds each one; below it, a
// scan of the few an exploring policy gives is cheaper than the map's allocations.
constexpr size_t kScannedValues = 16;

ProbabilityTable tabulate(const std::vector<double>& probabilities) {
  ProbabilityTable table;
  std::unordered_map<uint64_t, uint64_t> index_of;
  for (double probability : probabilities) {
    const uint64_t bits = bits_of(probability);
    uint64_t index = table.values.size();
    if (index <= kScannedValues) {
      for (uint64_t k = 0; k < table.values.size(); ++k) {
        if (table.values[k] == bits) {
          index = k;
          break;
        }
      }
      if (index == table.values.size()) {
        table.values.push_back(bits);
        if (table.values.size() > kScannedValues)
          for (uint64_t k = 0; k < table.values.size(); ++k) index_of.emplace(table.values[k], k);
      }
    } else {
      auto [entry, added] = index_of.try_emplace(bits, table.values.size());
      if (added) table.values.push_back(bits);
      index = entry->second;
    }
    if (!table.runs.empty() && table.runs.back().first == index)
      ++table.runs.back().second;
    else
      table.runs.emplace_back(index, 1);
  }
  table.bytes = varint_bytes(table.values.size()) + 8 * table.values.size();
  for (const auto& [index, length] : table.runs) table.bytes += varint_bytes(index) + varint_bytes(length);
  return table;
}

// IEEE rounding to float4, with the values beyond its range made infinite
// explicitly (a plain cast of those is undefined in C++).
float to_float4(double value) {
  constexpr double kLargest = std::numeric_limits<float>::max();
  if (value > kLargest) return std::numeric_limits<float>::infinity();
  if (value < -kLargest) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(value);
}

class Reader {
 public:
  Reader(const unsigned char* bytes, size_t size) : cursor_(bytes), end_(bytes + size) {}

  unsigned char byte() {
    need(1);
    return *cursor_++;
  }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      unsigned char next = byte();
      if (shift == 63 && next > 1) break;
      value |= static_cast<uint64_t>(next & 0x7f) << shift;
      if ((next & 0x80) == 0) return value;
    }
    throw InputError("logged candidates: a number is too long");
  }

  // A count of items that each take at least `item_bytes` of what is left.
  size_t count(size_t item_bytes) {
    uint64_t value = varint();
    if (value > kMaxLoggedRanks || (item_bytes > 0 && value > remaining() / item_bytes))
      throw InputError("logged candidates: a count exceeds the value's size");
    return static_cast<size_t>(value);
  }

  uint64_t u64() {
    need(8);
    uint64_t value = load_u64(cursor_);
    cursor_ += 8;
    return value;
  }

  uint32_t u32() {
    need(4);
    uint32_t value = load_u32(cursor_);
    cursor_ += 4;
    return value;
  }

  size_t remaining() const { return static_cast<size_t>(end_ - cursor_); }

 private:
  void need(size_t bytes) const {
    if (remaining() < bytes) throw InputError("logged candidates: the value is cut short");
  }

  const unsigned char* cursor_;
  const unsigned char* end_;
};

}  // namespace

std::string encode_logged_candidates(const LoggedCandidates& candidates) {
  const size_t ranks = candidates.probabilities.size();
  if (candidates.ranked && candidates.ranking.size() != ranks)
    throw InputError("logged candidates: the ranking and the probabilities differ in length");
  if (candidates.scored && candidates.scores.size() != ranks)
    throw InputError("logged candidates: the scores and the probabilities differ in length");
  if (ranks > kMaxLoggedRanks || candidates.numbers.size() > kMaxLoggedRanks)
    throw InputError("logged candidates: too many ranks");
  ProbabilityTable table = tabulate(candidates.probabilities);
  const bool tabulated = table.bytes < 8 * ranks;
  std::string out;
  out.reserve(16 + 2 * candidates.numbers.size() + 3 * ranks + (tabulated ? table.bytes : 8 * ranks) +
              (candidates.scored ? 4 * ranks : 0));
  out.push_back(static_cast<char>(kFormat));
  out.push_back(static_cast<char>((candidates.ranked ? kRanked : 0) | (candidates.scored ? kScored : 0) |
                                  (tabulated ? kTable : 0)));
  append_varint(out, candidates.numbers.size());
  int64_t previous = 0;
  for (int64_t number : candidates.numbers) {
    // Wrapping difference: any two int64 values round-trip.
    append_varint(out, zigzag(static_cast<int64_t>(static_cast<uint64_t>(number) - static_cast<uint64_t>(previous))));
    previous = number;
  }
  append_varint(out, ranks);
  if (candidates.ranked) {
    for (uint32_t position : candidates.ranking) {
      if (position >= candidates.numbers.size())
        throw InputError("logged candidates: a ranking position is outside the candidates");
      append_varint(out, position);
    }
  }
  if (tabulated) {
    append_varint(out, table.values.size());
    for (uint64_t bits : table.values) append_u64(out, bits);
    for (const auto& [index, length] : table.runs) {
      append_varint(out, index);
      append_varint(out, length);
    }
  } else {
    for (double probability : candidates.probabilities) append_f64(out, probability);
  }
  if (candidates.scored)
    for (double score : candidates.scores) append_f32(out, to_float4(score));
  return out;
}

LoggedCandidates decode_logged_candidates(const unsigned char* bytes, size_t size) {
  Reader in(bytes, size);
  if (in.byte() != kFormat) throw InputError("logged candidates: unknown format");
  unsigned char flags = in.byte();
  if ((flags & ~(kRanked | kScored | kTable)) != 0) throw InputError("logged candidates: unknown flags");
  LoggedCandidates out;
  out.ranked = (flags & kRanked) != 0;
  out.scored = (flags & kScored) != 0;
  out.numbers.resize(in.count(1));
  uint64_t previous = 0;
  for (int64_t& number : out.numbers) {
    previous += static_cast<uint64_t>(unzigzag(in.varint()));
    number = static_cast<int64_t>(previous);
  }
  // Each rank takes at least a byte when ranked, 4 when scored, 8 when
  // its probability is not tabulated.
  size_t per_rank = (out.ranked ? 1 : 0) + (out.scored ? 4 : 0) + ((flags & kTable) ? 0 : 8);
  const size_t ranks = in.count(per_rank);
  if (out.ranked) {
    out.ranking.resize(ranks);
    for (uint32_t& position : out.ranking) {
      uint64_t value = in.varint();
      if (value >= out.numbers.size())
        throw InputError("logged candidates: a ranking position is outside the candidates");
      position = static_cast<uint32_t>(value);
    }
  }
  out.probabilities.reserve(ranks);
  if (flags & kTable) {
    std::vector<double> values(in.count(8));
    for (double& value : values) value = double_of(in.u64());
    while (out.probabilities.size() < ranks) {
      uint64_t index = in.varint();
      uint64_t length = in.varint();
      if (index >= values.size()) throw InputError("logged candidates: a probability index is outside the table");
      if (length == 0 || length > ranks - out.probabilities.size())
        throw InputError("logged candidates: a run of probabilities does not fit the ranks");
      out.probabilities.insert(out.probabilities.end(), static_cast<size_t>(length), values[index]);
    }
  } else {
    for (size_t i = 0; i < ranks; ++i) out.probabilities.push_back(double_of(in.u64()));
  }
  if (out.scored) {
    out.scores.reserve(ranks);
    for (size_t i = 0; i < ranks; ++i) {
      uint32_t bits = in.u32();
      float score;
      std::memcpy(&score, &bits, sizeof score);
      out.scores.push_back(score);
    }
  }
  if (in.remaining() != 0) throw InputError("logged candidates: bytes follow the value");
  return out;
}

}  // namespace pz
