#include "hashing.hpp"

namespace pz {

uint32_t namespace_hash(std::string_view name) {
  uint32_t hash = NameHash().add(name).finish();
  // 0 stands for the "*" wildcard in interaction rules.
  return hash == 0 ? 1u : hash;
}

uint64_t seed_from_bytes(const unsigned char* bytes, int length) {
  NameHash hash;
  for (int i = 0; i < length; ++i) hash.add(static_cast<char>(bytes[i]));
  return hashing_detail::mix64(hash.state());
}

}  // namespace pz
