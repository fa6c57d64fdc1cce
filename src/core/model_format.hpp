// The versioned binary format of a model, as stored in pz.models.weights:
// header (magic, format version, bits, feature-space fingerprint, examples seen,
// normalizer state), the non-zero weights with their adaptive state, checksum.
#pragma once

#include <string>
#include <string_view>

#include "model.hpp"

namespace pz {

std::string serialize_model(const Model& model);

// Throws ModelFormatError for a truncated, corrupt or unknown-version blob, or
// one made for another feature space than `expected`. Never reads out of bounds.
Model deserialize_model(std::string_view blob, const FeatureSpace& expected,
                        const LearnerSettings& settings, ModelUse use = ModelUse::kLearning);

}  // namespace pz
