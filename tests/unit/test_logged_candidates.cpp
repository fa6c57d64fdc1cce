#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/logged_candidates.hpp"

namespace pz {
namespace {

LoggedCandidates round_trip(const LoggedCandidates& given) {
  std::string bytes = encode_logged_candidates(given);
  return decode_logged_candidates(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

LoggedCandidates epsilon_greedy(size_t n) {
  LoggedCandidates c;
  for (size_t i = 0; i < n; ++i) {
    c.numbers.push_back(static_cast<int64_t>(1000 + i));
    c.ranking.push_back(static_cast<uint32_t>((i * 7) % n));
    c.probabilities.push_back(i == 0 ? 1 - 0.2 + 0.2 / static_cast<double>(n) : 0.2 / static_cast<double>(n));
    c.scores.push_back(0.5 - 0.001 * static_cast<double>(i));
  }
  return c;
}

TEST(LoggedCandidates, RoundTripsExactProbabilitiesAndFloat4Scores) {
  LoggedCandidates given = epsilon_greedy(50);
  LoggedCandidates back = round_trip(given);
  EXPECT_EQ(back.numbers, given.numbers);
  EXPECT_TRUE(back.ranked);
  EXPECT_EQ(back.ranking, given.ranking);
  EXPECT_EQ(back.probabilities, given.probabilities);  // bit for bit
  ASSERT_EQ(back.scores.size(), given.scores.size());
  for (size_t i = 0; i < given.scores.size(); ++i)
    EXPECT_EQ(back.scores[i], static_cast<double>(static_cast<float>(given.scores[i])));
}

TEST(LoggedCandidates, EpsilonGreedyIsSmall) {
  // Numbers (1 byte each), positions (1 byte), a two-value table, float4 scores.
  EXPECT_LT(encode_logged_candidates(epsilon_greedy(50)).size(), 50u * 6 + 40);
  // Positions past 127 take 2 bytes.
  EXPECT_LT(encode_logged_candidates(epsilon_greedy(5000)).size(), 5000u * 7 + 40);
}

TEST(LoggedCandidates, DistinctProbabilitiesAreStoredRaw) {
  LoggedCandidates given;
  given.numbers = {5, 3, 9};
  given.ranking = {2, 0, 1};
  given.probabilities = {0.5, 0.3, 0.2};
  given.scores = {1, 2, 3};
  LoggedCandidates back = round_trip(given);
  EXPECT_EQ(back.probabilities, given.probabilities);
  EXPECT_EQ(back.numbers, given.numbers);
}

TEST(LoggedCandidates, ManyRepeatedProbabilitiesRoundTripThroughTheTable) {
  // 40 distinct values, each met again and again: more than the encoder
  // finds by scanning, so later ones are found through its map.
  LoggedCandidates given;
  for (uint32_t i = 0; i < 800; ++i) {
    given.numbers.push_back(i + 1);
    given.ranking.push_back(i);
    given.probabilities.push_back(1.0 / (1 + (i * 7) % 40));
    given.scores.push_back(0);
  }
  const std::string bytes = encode_logged_candidates(given);
  EXPECT_LT(bytes.size(), 800u * (2 + 2 + 8));  // the table, not 8 bytes a rank
  LoggedCandidates back = decode_logged_candidates(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  EXPECT_EQ(back.probabilities, given.probabilities);
}

TEST(LoggedCandidates, KeepsSpecialValuesAndExtremeNumbers) {
  LoggedCandidates given;
  given.numbers = {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), 0, -1};
  given.ranking = {3, 3};
  given.probabilities = {-0.0, 0.0};
  given.scores = {std::numeric_limits<double>::infinity(), -1e300};
  LoggedCandidates back = round_trip(given);
  EXPECT_EQ(back.numbers, given.numbers);
  EXPECT_TRUE(std::signbit(back.probabilities[0]));
  EXPECT_FALSE(std::signbit(back.probabilities[1]));
  EXPECT_TRUE(std::isinf(back.scores[0]));
  EXPECT_TRUE(std::isinf(back.scores[1]));  // beyond float4: infinite
}

TEST(LoggedCandidates, UnrankedAndUnscored) {
  LoggedCandidates given;
  given.numbers = {1, 2};
  given.ranked = false;
  given.scored = false;
  given.probabilities = {0.9, 0.05, 0.05};  // ranks by id, one not a candidate
  LoggedCandidates back = round_trip(given);
  EXPECT_FALSE(back.ranked);
  EXPECT_FALSE(back.scored);
  EXPECT_TRUE(back.ranking.empty());
  EXPECT_TRUE(back.scores.empty());
  EXPECT_EQ(back.probabilities, given.probabilities);
  LoggedCandidates empty;
  empty.ranked = false;
  EXPECT_TRUE(round_trip(empty).probabilities.empty());
}

TEST(LoggedCandidates, RefusesInconsistentParts) {
  LoggedCandidates c = epsilon_greedy(3);
  c.ranking[1] = 3;
  EXPECT_THROW(encode_logged_candidates(c), InputError);
  c = epsilon_greedy(3);
  c.scores.pop_back();
  EXPECT_THROW(encode_logged_candidates(c), InputError);
  c = epsilon_greedy(3);
  c.ranking.pop_back();
  EXPECT_THROW(encode_logged_candidates(c), InputError);
}

TEST(LoggedCandidates, RefusesMalformedBytes) {
  std::string good = encode_logged_candidates(epsilon_greedy(4));
  auto decode = [](const std::string& bytes) {
    return decode_logged_candidates(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  };
  EXPECT_NO_THROW(decode(good));
  EXPECT_THROW(decode(""), InputError);
  EXPECT_THROW(decode(good + "x"), InputError);
  for (size_t cut = 0; cut < good.size(); ++cut) EXPECT_THROW(decode(good.substr(0, cut)), InputError);
  std::string format = good;
  format[0] = 2;
  EXPECT_THROW(decode(format), InputError);
  std::string flags = good;
  flags[1] = static_cast<char>(flags[1] | 8);
  EXPECT_THROW(decode(flags), InputError);
  // 11 continuation bytes: a number longer than 64 bits.
  EXPECT_THROW(decode(std::string("\x01\x00", 2) + std::string(11, '\xff')), InputError);
  // A huge announced count with nothing behind it.
  EXPECT_THROW(decode(std::string("\x01\x00\xff\xff\xff\xff\x0f", 7)), InputError);
}

}  // namespace
}  // namespace pz
