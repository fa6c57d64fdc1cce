// A streaming view of a JSON-like document, so that callers (jsonb in src/pg,
// JSON text in tools and tests) can feed the featurizer without building a tree
// or printing text.
#pragma once

#include <cstdint>
#include <string_view>

#include "hashing.hpp"

namespace pz {

// A top-level key (a namespace) with the hashes the featurizer derives from
// its name, computed once for names every document repeats (the columns of a
// row type). Made by hash_key() in features.hpp.
struct HashedKey {
  std::string_view name;
  uint32_t namespace_hash;
  NameHash seed;  // feature names of the namespace hash from here
  NameHash path;  // seed + name: the namespace's own scalar value
};

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
  // A key hashed beforehand; handlers that hash names may skip the work.
  virtual void hashed_key(const HashedKey& key) { this->key(key.name); }
  virtual void string_value(std::string_view value) = 0;
  virtual void number_value(double value) = 0;
  virtual void bool_value(bool value) = 0;
  virtual void null_value() = 0;
};

}  // namespace pz
