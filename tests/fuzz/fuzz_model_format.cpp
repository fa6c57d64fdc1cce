// libFuzzer target: arbitrary bytes as a stored model blob. A truncated,
// corrupt or foreign blob must be refused with pz::ModelFormatError; one that
// is accepted must score and serialize again without crashing.
// The first byte picks how the rest is used: raw, or as a body with a valid
// checksum appended (so the parser past the checksum is reached), or as edits
// of a real model's blob, resealed. Both readers get it: deserialize_model and
// decode_weights.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/hashing.hpp"
#include "core/model.hpp"
#include "core/model_format.hpp"

namespace {

const pz::FeatureSpace kSpace{10, pz::Interactions::all()};

pz::FeatureSet one_feature_set(const char* name_space, uint32_t hash) {
  pz::FeatureSet set;
  set.begin_namespace(name_space);
  set.add(hash, 1.0f);
  return set;
}

// The checksum the format appends: 64-bit FNV-1a of the body, little-endian.
std::string sealed(std::string body) {
  uint64_t sum = pz::NameHash().add(body).state();
  for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>((sum >> (8 * i)) & 0xff));
  return body;
}

const std::string& real_body() {
  static const std::string body = [] {
    pz::Model model(kSpace, pz::LearnerSettings{});
    for (uint32_t i = 0; i < 20; ++i)
      model.learn(one_feature_set("user", i), one_feature_set("item", i * 7), (i % 3) / 2.0, 0.5, 2);
    std::string blob = pz::serialize_model(model);
    return blob.substr(0, blob.size() - 8);
  }();
  return body;
}

std::string blob_from(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0:
      return std::string(rest);
    case 1:
      return sealed(std::string(rest));
    default: {
      std::string body = real_body();
      for (size_t i = 0; i + 1 < rest.size(); i += 2)
        body[static_cast<uint8_t>(rest[i]) * 7 % body.size()] = rest[i + 1];
      if (rest.size() % 5 == 0) body.resize(body.size() - rest.size() % body.size());
      return sealed(body);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string blob = blob_from(data, size);
  try {
    pz::Model model = pz::deserialize_model(blob, kSpace, pz::LearnerSettings{});
    model.score(one_feature_set("user", 3), one_feature_set("item", 21));
    pz::deserialize_model(pz::serialize_model(model), kSpace, pz::LearnerSettings{});
  } catch (const pz::ModelFormatError&) {
  }
  // The same blob decoded into a read-only copy (as a shared one is filled):
  // refused alike, and never written past the 2^bits weights.
  static std::vector<float> weights((size_t{1} << kSpace.bits) + 1);
  weights.back() = 42.0f;
  try {
    const uint64_t examples = pz::decode_weights(blob, kSpace, weights.data());
    pz::Model::over_weights(kSpace, weights.data(), examples)
        .score(one_feature_set("user", 3), one_feature_set("item", 21));
  } catch (const pz::ModelFormatError&) {
  }
  if (weights.back() != 42.0f) __builtin_trap();
  return 0;
}
