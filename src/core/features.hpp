// Hashed, namespaced features of one document (a context or one action), and
// the rules that say which context x action namespace pairs interact.
#pragma once

#include <array>
#include <cstdint>
#include <string>
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

// The features and namespaces of one action, kept elsewhere (a FeatureSet,
// or a backend's cache of featurized actions): what scoring reads.
struct FeatureView {
  const Feature* features;
  uint32_t size;
  const NamespaceSpan* namespaces;  // begin and end index into `features`
  uint32_t namespace_count;
};

class FeatureSet {
 public:
  void clear();
  void begin_namespace(std::string_view name);
  // Inline, as add(): called for every feature of every action ranked.
  void begin_namespace_hashed(uint32_t namespace_hash) {
    const auto at = static_cast<uint32_t>(features_.size());
    namespaces_.push_back({namespace_hash, at, at});
  }
  // Adds to the namespace begun last.
  void add(uint32_t hash, float value) {
    if (namespaces_.empty()) throw_add_before_namespace();
    features_.push_back({hash, value});
    namespaces_.back().end = static_cast<uint32_t>(features_.size());
  }
  const std::vector<Feature>& features() const { return features_; }
  const std::vector<NamespaceSpan>& namespaces() const { return namespaces_; }
  size_t size() const { return features_.size(); }
  // Valid until the set changes.
  FeatureView view() const {
    return {features_.data(), static_cast<uint32_t>(features_.size()), namespaces_.data(),
            static_cast<uint32_t>(namespaces_.size())};
  }

 private:
  [[noreturn]] static void throw_add_before_namespace();
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

// The hashes of top-level keys already seen, kept by a backend that featurizes
// many documents with the same few keys (the actions of rank calls): a key is
// then hashed once, not once per document.
class KeyCache {
 public:
  HashedKey get(std::string_view name);

 private:
  // Enough for the keys of an action catalog; beyond, keys are hashed each time.
  static constexpr size_t kCapacity = 32;
  struct Entry {
    std::string name;  // owns the bytes key.name views (entries never move)
    HashedKey key;
  };
  std::array<Entry, kCapacity> entries_;
  size_t used_ = 0;
};

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
  explicit FeatureBuilder(FeatureSet& out, KeyCache* keys = nullptr);
  // Starts over on the next document, into `out`: one builder (and its
  // stack) serves thousands of actions without allocating.
  void restart(FeatureSet& out);
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
  FeatureSet* out_;
  KeyCache* keys_;  // may be null: top-level keys are then hashed each time
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
  // Inline: asked for every context x action namespace pair of every action scored.
  bool applies(uint32_t context_namespace_hash, uint32_t action_namespace_hash) const {
    for (const Pair& pair : pairs_) {
      if ((pair.context == 0 || pair.context == context_namespace_hash) &&
          (pair.action == 0 || pair.action == action_namespace_hash)) {
        return true;
      }
    }
    return false;
  }
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
