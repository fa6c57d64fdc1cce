#include "model_format.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "errors.hpp"
#include "little_endian.hpp"

// Layout (all little-endian):
//   magic "PZMODEL\0" | u32 format version | u32 bits | u32 flags
//   | u64 feature-space fingerprint | u64 examples
//   | f64 total weight | f64 normalized sum of norms | f64 normalizer sum
//   | u64 entry count
//   | entries: u32 index, f32 weight[, f32 squared gradients, f32 scale]
//   | u64 checksum of every byte before it
// The normalizer sum is, from version 2, the number of actions summed over the
// events learned. Version 1 stored the sum of 1/probability of the logged
// actions instead; it is read as the sum of actions (its expected value, as
// E[1/p] over a policy's draws is the number of actions), so a version-1 model
// keeps learning at the scale it had and is written back as version 2.
namespace pz {
namespace {

constexpr std::string_view kMagic{"PZMODEL\0", 8};
constexpr uint32_t kFormatVersion = 2;
constexpr uint32_t kOldestReadableVersion = 1;
constexpr uint32_t kHasAdaptiveState = 1;
constexpr size_t kHeaderSize = 8 + 4 + 4 + 4 + 8 + 8 + 8 + 8 + 8 + 8;
constexpr size_t kChecksumSize = 8;

uint64_t checksum(std::string_view bytes) { return NameHash().add(bytes).state(); }

[[noreturn]] void refuse(const std::string& why) {
  throw ModelFormatError("invalid model: " + why);
}

}  // namespace

std::string serialize_model(const Model& model) {
  const bool with_state = !model.adaptive_state_.empty();
  const auto size = static_cast<Eigen::Index>(1) << model.space_.bits;
  const float* weights = model.weight_data();
  // An entry is stored when its weight or any of its state is non-zero.
  Eigen::Array<bool, Eigen::Dynamic, 1> stored =
      Eigen::Map<const Eigen::ArrayXf>(weights, size) != 0.0f;
  if (with_state) {
    Eigen::Map<const Eigen::Array2Xf> state(model.adaptive_state_.data(), 2, size);
    stored = stored || (state != 0.0f).colwise().any().transpose();
  }
  const auto entry_count = static_cast<uint64_t>(stored.count());
  const size_t entry_size = with_state ? 16 : 8;

  std::string out;
  out.reserve(kHeaderSize + entry_count * entry_size + kChecksumSize);
  out.append(kMagic);
  append_u32(out, kFormatVersion);
  append_u32(out, static_cast<uint32_t>(model.space_.bits));
  append_u32(out, with_state ? kHasAdaptiveState : 0u);
  append_u64(out, model.space_.fingerprint());
  append_u64(out, model.examples_);
  append_f64(out, model.total_weight_);
  append_f64(out, model.normalized_sum_norm_x_);
  append_f64(out, model.action_count_sum_);
  append_u64(out, entry_count);
  for (Eigen::Index i = 0; i < size; ++i) {
    if (!stored[i]) continue;
    append_u32(out, static_cast<uint32_t>(i));
    append_f32(out, weights[i]);
    if (with_state) {
      append_f32(out, model.adaptive_state_[2 * i]);
      append_f32(out, model.adaptive_state_[2 * i + 1]);
    }
  }
  append_u64(out, checksum(out));
  return out;
}

namespace {

// A blob whose header, size and checksum have been checked.
struct CheckedBlob {
  const unsigned char* bytes;
  bool with_state;
  size_t entry_size;
  uint64_t entry_count;
};

CheckedBlob check_blob(std::string_view blob, const FeatureSpace& expected) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(blob.data());
  if (blob.size() < kMagic.size() || blob.substr(0, kMagic.size()) != kMagic) {
    refuse("not a pz model (bad magic bytes)");
  }
  if (blob.size() < kHeaderSize + kChecksumSize) {
    refuse("truncated (" + std::to_string(blob.size()) + " bytes)");
  }
  const uint32_t version = load_u32(bytes + 8);
  if (version < kOldestReadableVersion || version > kFormatVersion) {
    refuse("unknown format version " + std::to_string(version) + " (this build reads versions " +
           std::to_string(kOldestReadableVersion) + " to " + std::to_string(kFormatVersion) + ")");
  }
  const size_t body_size = blob.size() - kChecksumSize;
  if (checksum(blob.substr(0, body_size)) != load_u64(bytes + body_size)) {
    refuse("checksum mismatch (truncated or corrupt)");
  }

  const uint32_t bits = load_u32(bytes + 12);
  const uint32_t flags = load_u32(bytes + 16);
  const uint64_t fingerprint = load_u64(bytes + 20);
  if (bits != static_cast<uint32_t>(expected.bits)) {
    refuse("made for bits " + std::to_string(bits) + ", the loop uses bits " +
           std::to_string(expected.bits));
  }
  if (fingerprint != expected.fingerprint()) {
    refuse("made for another feature space (interactions changed since it was trained)");
  }
  if ((flags & ~kHasAdaptiveState) != 0) refuse("unknown flags " + std::to_string(flags));

  const bool with_state = (flags & kHasAdaptiveState) != 0;
  const size_t entry_size = with_state ? 16 : 8;
  const uint64_t entry_count = load_u64(bytes + 60);
  // Checked against the blob's size before anything is allocated or read.
  if (entry_count != (body_size - kHeaderSize) / entry_size ||
      (body_size - kHeaderSize) % entry_size != 0) {
    refuse("entry count does not match the blob size");
  }
  return {bytes, with_state, entry_size, entry_count};
}

// Calls store(index, weight, entry) for each entry, checking that indexes
// increase and stay below `size` and that weights are finite.
template <class Store>
void for_each_entry(const CheckedBlob& blob, uint64_t size, Store&& store) {
  uint64_t next_allowed = 0;
  const unsigned char* entry = blob.bytes + kHeaderSize;
  for (uint64_t i = 0; i < blob.entry_count; ++i, entry += blob.entry_size) {
    const uint32_t index = load_u32(entry);
    if (index >= size || index < next_allowed) refuse("entry index out of order or out of range");
    next_allowed = uint64_t{index} + 1;
    const float weight = load_f32(entry + 4);
    if (!std::isfinite(weight)) refuse("non-finite weight");
    store(index, weight, entry);
  }
}

}  // namespace

Model deserialize_model(std::string_view blob, const FeatureSpace& expected,
                        const LearnerSettings& settings, ModelUse use) {
  const CheckedBlob checked = check_blob(blob, expected);
  Model model(expected, settings, use);
  model.examples_ = load_u64(checked.bytes + 28);
  model.total_weight_ = load_f64(checked.bytes + 36);
  model.normalized_sum_norm_x_ = load_f64(checked.bytes + 44);
  // Version 1's sum of 1/probability stands for the sum of actions (see the top).
  const double normalizer_sum = load_f64(checked.bytes + 52);
  if (!std::isfinite(normalizer_sum) || normalizer_sum < 0.0) refuse("invalid normalizer state");
  model.action_count_sum_ = normalizer_sum;
  const bool keep_state = checked.with_state && use == ModelUse::kLearning;
  for_each_entry(checked, model.weights_.size(),
                 [&](uint32_t index, float weight, const unsigned char* entry) {
                   model.weights_[index] = weight;
                   if (keep_state) {
                     model.adaptive_state_[2 * index] = load_f32(entry + 8);
                     model.adaptive_state_[2 * index + 1] = load_f32(entry + 12);
                   }
                 });
  return model;
}

uint64_t decode_weights(std::string_view blob, const FeatureSpace& expected, float* weights) {
  const CheckedBlob checked = check_blob(blob, expected);
  const uint64_t size = uint64_t{1} << expected.bits;
  std::fill(weights, weights + size, 0.0f);
  for_each_entry(checked, size, [&](uint32_t index, float weight, const unsigned char*) {
    weights[index] = weight;
  });
  return load_u64(checked.bytes + 28);
}

}  // namespace pz
