// Stable, platform-independent hashing for feature names. The values are part
// of the model format: changing them invalidates every stored model.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace pz {

// Streaming FNV-1a (64 bit): hashing "a" then "b" equals hashing "ab", so dotted
// feature paths and "key=value" names hash without building strings.
namespace hashing_detail {
inline constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

// murmur3's fmix64: FNV-1a alone mixes its last bytes poorly into the high
// bits, and the model masks feature hashes down to their low bits.
inline uint64_t mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}
}  // namespace hashing_detail

// An event id's 16 bytes for an in-memory hash table (never stored). Both
// halves are mixed: ids made of a prefix and a counter differ in one half only.
inline uint64_t event_id_hash(const unsigned char* id16) {
  uint64_t high;
  uint64_t low;
  std::memcpy(&high, id16, sizeof high);
  std::memcpy(&low, id16 + sizeof high, sizeof low);
  return (high * 0x9E3779B97F4A7C15ULL) ^ low;
}

// Inline: every feature of every action is hashed a few bytes at a time, and
// an out-of-line call per byte cost more than the hashing itself.
class NameHash {
 public:
  static constexpr uint64_t kOffset = 0xcbf29ce484222325ULL;
  constexpr NameHash() = default;
  constexpr explicit NameHash(uint64_t state) : state_(state) {}
  NameHash& add(std::string_view bytes) {
    uint64_t state = state_;
    for (char c : bytes) state = (state ^ static_cast<unsigned char>(c)) * hashing_detail::kFnvPrime;
    state_ = state;
    return *this;
  }
  NameHash& add(char c) {
    state_ = (state_ ^ static_cast<unsigned char>(c)) * hashing_detail::kFnvPrime;
    return *this;
  }
  uint64_t state() const { return state_; }
  // The final, well-mixed 32-bit feature hash (before masking to `bits`).
  uint32_t finish() const { return static_cast<uint32_t>(hashing_detail::mix64(state_)); }

 private:
  uint64_t state_ = kOffset;
};

// Hash of a namespace name; feature hashes of that namespace are seeded with it.
uint32_t namespace_hash(std::string_view name);

// Index of the quadratic feature made of two feature hashes (before masking),
// in two steps, so that scoring many actions computes a context feature's
// part once: interaction_hash(c, a) == crossed_hash(interaction_part(c), a).
inline uint32_t interaction_part(uint32_t context_hash) { return context_hash * 16777619u; }
inline uint32_t crossed_hash(uint32_t context_part, uint32_t action_hash) { return context_part ^ action_hash; }
inline uint32_t interaction_hash(uint32_t context_hash, uint32_t action_hash) {
  return crossed_hash(interaction_part(context_hash), action_hash);
}

// Seed for a reproducible decision, from the 16 bytes of an event uuid.
uint64_t seed_from_bytes(const unsigned char* bytes, int length);

}  // namespace pz
