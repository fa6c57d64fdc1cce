// Errors raised by the pure C++ core. src/pg maps each kind to a SQLSTATE.
#pragma once

#include <stdexcept>
#include <string>

namespace pz {

// The caller's data is not acceptable (a malformed document, a non-finite number,
// an out-of-range setting). Maps to SQLSTATE 22023 (invalid_parameter_value).
class InputError : public std::invalid_argument {
 public:
  explicit InputError(const std::string& message) : std::invalid_argument(message) {}
};

// A stored model blob cannot be used: truncated, corrupt, or made for another
// feature space. Maps to SQLSTATE XX001 (data_corrupted).
class ModelFormatError : public std::runtime_error {
 public:
  explicit ModelFormatError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace pz
