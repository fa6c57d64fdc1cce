// libFuzzer target: arbitrary bytes as pz.decisions.candidates (what the
// decoding functions behind pz.events read). Decoding must refuse malformed
// bytes with InputError and never read outside them; whatever it accepts
// encodes back to a value that decodes to the same candidates.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/logged_candidates.hpp"

namespace {
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy of exactly `size` bytes, so that AddressSanitizer sees any read past it.
  std::vector<unsigned char> bytes(data, data + size);
  pz::LoggedCandidates decoded;
  try {
    decoded = pz::decode_logged_candidates(bytes.data(), bytes.size());
  } catch (const pz::InputError&) {
    return 0;
  }
  std::string again = pz::encode_logged_candidates(decoded);
  pz::LoggedCandidates back =
      pz::decode_logged_candidates(reinterpret_cast<const unsigned char*>(again.data()), again.size());
  if (back.numbers != decoded.numbers || back.ranking != decoded.ranking || back.ranked != decoded.ranked ||
      back.scored != decoded.scored || !same_bits(back.probabilities, decoded.probabilities) ||
      !same_bits(back.scores, decoded.scores))
    std::abort();
  return 0;
}
