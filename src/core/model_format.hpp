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

// Decodes only the weights of a blob into `weights` (2^expected.bits floats,
// all written: zero where the blob has no entry), with the same checks as
// deserialize_model: how a read-only copy outside any Model is filled (see
// Model::over_weights). Returns the number of examples the model has seen.
uint64_t decode_weights(std::string_view blob, const FeatureSpace& expected, float* weights);

}  // namespace pz
