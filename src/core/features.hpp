// Hashed, namespaced features of one document (a context or one action), and
// the rules that say which context x action namespace pairs interact.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "document.hpp"
#include "hashing.hpp"

namespace pz {

struct Feature {
  uint32_t hash;  // unmasked; the model masks it to its `bits`
  float value;
};

// Features of one namespace are contiguous: [begin, end) in FeatureSet::features().
struct NamespaceSpan {
  uint32_t namespace_hash;
  uint32_t begin;
  uint32_t end;
};

class FeatureSet {
 public:
  void clear();
  void begin_namespace(std::string_view name);
  void begin_namespace_hashed(uint32_t namespace_hash);
  // Adds to the namespace begun last.
  void add(uint32_t hash, float value);
  const std::vector<Feature>& features() const { return features_; }
  const std::vector<NamespaceSpan>& namespaces() const { return namespaces_; }
  size_t size() const { return features_.size(); }

 private:
  std::vector<Feature> features_;
  std::vector<NamespaceSpan> namespaces_;
};

// The namespace that carries an action's id as a categorical feature, so that
// actions without features (or with identical ones) can still be told apart.
inline constexpr std::string_view kActionIdNamespace = "_id";
void add_action_id(FeatureSet& set, std::string_view action_id);

// The namespace that carries a slot's position in the examples of slots 2 and
// beyond (feature "slot=<n>", as the document {"slot": "<n>"} gives): the
// model learns what a lower position costs apart from the action shown there.
inline constexpr std::string_view kSlotNamespace = "slot";
void add_slot(FeatureSet& set, size_t slot);

// The hashes FeatureBuilder gives a top-level key `name` (which must outlive the result).
HashedKey hash_key(std::string_view name);

// Builds a FeatureSet from one document, which must be an object:
// - each top-level key is a namespace;
// - a string is categorical: feature "path=value" with value 1;
// - a number is numeric: feature "path" with that value (must be finite);
// - a boolean is feature "path" with value 0 or 1; null is ignored;
// - an array of strings gives one categorical feature per element; elements of
//   other arrays are named "path[i]";
// - nested objects flatten with dotted paths ("geo.city=Lyon").
// A top-level scalar is named after its namespace key ("device=mobile").
// Throws InputError for a non-object document or a non-finite number.
class FeatureBuilder : public DocumentHandler {
 public:
  explicit FeatureBuilder(FeatureSet& out);
  void begin_object() override;
  void end_object() override;
  void begin_array() override;
  void end_array() override;
  void key(std::string_view name) override;
  void hashed_key(const HashedKey& key) override;
  void string_value(std::string_view value) override;
  void number_value(double value) override;
  void bool_value(bool value) override;
  void null_value() override;

 private:
  struct Frame {
    NameHash path;  // hash of the path so far, seeded with the namespace
    bool is_array;
    bool path_is_empty;  // the namespace's own object: its keys take no "." prefix
    uint32_t next_index;
  };
  Frame& container();
  NameHash value_path();
  void emit(NameHash name, float value);
  FeatureSet& out_;
  std::vector<Frame> stack_;
  // Hashed as soon as the key arrives: the key's bytes need not outlive key().
  NameHash pending_path_;
  NameHash namespace_seed_;
  uint32_t namespace_hash_ = 0;
  bool namespace_open_ = false;
};

// Which context x action namespace pairs get quadratic features. "*" matches any
// namespace. The default (all()) pairs every context namespace with every action
// namespace; none() gives a purely linear model.
class Interactions {
 public:
  static Interactions all();
  static Interactions none();
  void add(std::string_view context_namespace, std::string_view action_namespace);
  bool applies(uint32_t context_namespace_hash, uint32_t action_namespace_hash) const;
  // Identifies the rule set; part of the feature-space fingerprint.
  uint64_t fingerprint() const;

 private:
  struct Pair {
    uint32_t context;  // 0 means "*"
    uint32_t action;
  };
  std::vector<Pair> pairs_;
};

struct FeatureSpace {
  int bits = 18;  // 10..28
  Interactions interactions = Interactions::all();
  uint32_t mask() const { return (1u << bits) - 1u; }
  // Hash of everything that changes which weight a feature lands on.
  uint64_t fingerprint() const;
};

}  // namespace pz
