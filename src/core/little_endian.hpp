// Explicit little-endian encoding of fixed-width numbers, so that stored bytes
// (model blobs, fingerprints) do not depend on the host.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace pz {

inline void append_u32(std::string& out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(value >> shift));
}

inline void append_u64(std::string& out, uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) out.push_back(static_cast<char>(value >> shift));
}

inline void append_f32(std::string& out, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  append_u32(out, bits);
}

inline void append_f64(std::string& out, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  append_u64(out, bits);
}

inline uint32_t load_u32(const unsigned char* bytes) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

inline uint64_t load_u64(const unsigned char* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

inline float load_f32(const unsigned char* bytes) {
  uint32_t bits = load_u32(bytes);
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

inline double load_f64(const unsigned char* bytes) {
  uint64_t bits = load_u64(bytes);
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace pz
