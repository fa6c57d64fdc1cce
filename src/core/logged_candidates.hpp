// The candidates of a logged decision as one compact byte string (the column
// pz.decisions.candidates): the actions in the order given, as the loop's
// action numbers (pz.actions.action_number); the ranking as positions into
// them; the probability and score of each rank. A row of 50 candidates takes
// about 350 bytes instead of 1,400 as arrays of hashes and float8.
//
// Layout (all integers unsigned LEB128 varints unless said otherwise):
//   byte    format (1)
//   byte    flags: 1 ranking positions present, 2 scores present,
//           4 probabilities as a table of distinct values
//   varint  number of candidates, then each number as the zigzag varint of
//           its difference from the previous one (the first from 0)
//   varint  number of ranks
//   [ranked] each rank's 0-based position into the candidates
//   probabilities, exact: either each rank's float8 (little-endian), or
//           [table] varint count of distinct values, the values as float8,
//           then runs (varint index into the table, varint length >= 1)
//           covering the ranks in order
//   [scored] each rank's score as float4 (little-endian)
// Nothing may follow. Epsilon-greedy gives two or three distinct
// probabilities, so its probabilities take a few bytes whatever the count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pz {

struct LoggedCandidates {
  std::vector<int64_t> numbers;        // action numbers, in the order given
  bool ranked = true;                  // false: the ranking is kept elsewhere (by ids)
  std::vector<uint32_t> ranking;       // per rank: 0-based position into numbers
  std::vector<double> probabilities;   // per rank, exact
  bool scored = true;                  // false: no scores (an imported event)
  std::vector<double> scores;          // per rank, kept at float4 precision
};

// Most ranks an encoded value may announce (bounds what a corrupt value can
// make a reader allocate).
constexpr size_t kMaxLoggedRanks = size_t{1} << 24;

// Throws InputError when the parts disagree: a position outside the
// candidates, or probabilities or scores not one per rank.
std::string encode_logged_candidates(const LoggedCandidates& candidates);

// Throws InputError for bytes that are not an encoded value (truncated,
// trailing bytes, an unknown format or flag, a position or index out of range).
LoggedCandidates decode_logged_candidates(const unsigned char* bytes, size_t size);

}  // namespace pz
