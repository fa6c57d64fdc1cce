// A streaming view of a JSON-like document, so that callers (jsonb in src/pg,
// JSON text in tools and tests) can feed the featurizer without building a tree
// or printing text.
#pragma once

#include <string_view>

namespace pz {

// Receives the tokens of one document in order, like a SAX parser. Keys are
// reported with key() right before the value they name.
class DocumentHandler {
 public:
  virtual ~DocumentHandler() = default;
  virtual void begin_object() = 0;
  virtual void end_object() = 0;
  virtual void begin_array() = 0;
  virtual void end_array() = 0;
  virtual void key(std::string_view name) = 0;
  virtual void string_value(std::string_view value) = 0;
  virtual void number_value(double value) = 0;
  virtual void bool_value(bool value) = 0;
  virtual void null_value() = 0;
};

}  // namespace pz
