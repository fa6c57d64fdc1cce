#include "hashing.hpp"

namespace pz {
namespace {

constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

// murmur3's fmix64: FNV-1a alone mixes its last bytes poorly into the high
// bits, and the model masks feature hashes down to their low bits.
uint64_t mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

NameHash& NameHash::add(std::string_view bytes) {
  uint64_t state = state_;
  for (char c : bytes) {
    state = (state ^ static_cast<unsigned char>(c)) * kFnvPrime;
  }
  state_ = state;
  return *this;
}

NameHash& NameHash::add(char c) {
  state_ = (state_ ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return *this;
}

uint32_t NameHash::finish() const { return static_cast<uint32_t>(mix64(state_)); }

uint32_t namespace_hash(std::string_view name) {
  uint32_t hash = NameHash().add(name).finish();
  // 0 stands for the "*" wildcard in interaction rules.
  return hash == 0 ? 1u : hash;
}

uint64_t seed_from_bytes(const unsigned char* bytes, int length) {
  NameHash hash;
  for (int i = 0; i < length; ++i) hash.add(static_cast<char>(bytes[i]));
  return mix64(hash.state());
}

}  // namespace pz
