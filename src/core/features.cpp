#include "features.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "errors.hpp"

namespace pz {
namespace {

// Feature names of a namespace are hashed in a stream that starts from the
// namespace's hash, so equal paths in different namespaces land apart.
NameHash namespace_seed(uint32_t namespace_hash) {
  NameHash seed;
  for (int shift = 0; shift < 32; shift += 8) seed.add(static_cast<char>(namespace_hash >> shift));
  return seed;
}

void add_index(NameHash& path, uint32_t index) {
  char digits[10];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + index % 10);
    index /= 10;
  } while (index != 0);
  path.add('[');
  while (count > 0) path.add(digits[--count]);
  path.add(']');
}

[[noreturn]] void reject_non_object() {
  throw InputError("a feature document must be a JSON object");
}

}  // namespace

void FeatureSet::clear() {
  features_.clear();
  namespaces_.clear();
}

void FeatureSet::begin_namespace(std::string_view name) {
  begin_namespace_hashed(namespace_hash(name));
}

void FeatureSet::throw_add_before_namespace() {
  throw std::logic_error("FeatureSet::add before begin_namespace");
}

HashedKey hash_key(std::string_view name) {
  HashedKey key{name, namespace_hash(name), NameHash(), NameHash()};
  key.seed = namespace_seed(key.namespace_hash);
  key.path = key.seed;
  key.path.add(name);
  return key;
}

void add_action_id(FeatureSet& set, std::string_view action_id) {
  // Same name as FeatureBuilder gives the document {"_id": "<action_id>"}; the
  // name's hashes are the same for every action.
  static const HashedKey id_key = hash_key(kActionIdNamespace);
  set.begin_namespace_hashed(id_key.namespace_hash);
  NameHash name = id_key.path;
  set.add(name.add('=').add(action_id).finish(), 1.0f);
}

void add_slot(FeatureSet& set, size_t slot) {
  static const HashedKey slot_key = hash_key(kSlotNamespace);
  set.begin_namespace_hashed(slot_key.namespace_hash);
  NameHash name = slot_key.path;
  set.add(name.add('=').add(std::to_string(slot)).finish(), 1.0f);
}

HashedKey KeyCache::get(std::string_view name) {
  for (size_t i = 0; i < used_; ++i)
    if (entries_[i].name == name) return entries_[i].key;
  HashedKey key = hash_key(name);
  if (used_ == kCapacity) return key;
  Entry& entry = entries_[used_++];
  entry.name.assign(name);
  entry.key = key;
  entry.key.name = entry.name;
  return entry.key;
}

FeatureBuilder::FeatureBuilder(FeatureSet& out, KeyCache* keys) : out_(&out), keys_(keys) {
  stack_.reserve(8);
}

void FeatureBuilder::restart(FeatureSet& out) {
  out_ = &out;
  stack_.clear();
  pending_path_ = NameHash();
  namespace_seed_ = NameHash();
  namespace_hash_ = 0;
  namespace_open_ = false;
}

FeatureBuilder::Frame& FeatureBuilder::container() {
  if (stack_.empty()) reject_non_object();
  return stack_.back();
}

// Path of the next value of the current container: the pending key's path in
// an object, "path[i]" in an array.
NameHash FeatureBuilder::value_path() {
  Frame& frame = container();
  if (!frame.is_array) return pending_path_;
  NameHash path = frame.path;
  add_index(path, frame.next_index++);
  return path;
}

void FeatureBuilder::emit(NameHash name, float value) {
  // A zero-valued feature changes no score; like VW, leave it out.
  if (value == 0.0f) return;
  if (!namespace_open_) {
    out_->begin_namespace_hashed(namespace_hash_);
    namespace_open_ = true;
  }
  out_->add(name.finish(), value);
}

void FeatureBuilder::begin_object() {
  if (stack_.empty()) {
    stack_.push_back({NameHash(), false, true, 0});
  } else if (stack_.size() == 1) {
    stack_.push_back({namespace_seed_, false, true, 0});
  } else {
    stack_.push_back({value_path(), false, false, 0});
  }
}

void FeatureBuilder::end_object() {
  if (!stack_.empty()) stack_.pop_back();
}

void FeatureBuilder::begin_array() {
  if (stack_.empty()) reject_non_object();
  stack_.push_back({value_path(), true, false, 0});
}

void FeatureBuilder::end_array() {
  if (!stack_.empty()) stack_.pop_back();
}

void FeatureBuilder::hashed_key(const HashedKey& key) {
  if (stack_.size() != 1) return this->key(key.name);  // nested (or no document): by name
  namespace_hash_ = key.namespace_hash;
  namespace_seed_ = key.seed;
  namespace_open_ = false;
  pending_path_ = key.path;
}

void FeatureBuilder::key(std::string_view name) {
  const Frame& frame = container();
  if (stack_.size() == 1) return hashed_key(keys_ != nullptr ? keys_->get(name) : hash_key(name));
  pending_path_ = frame.path;
  if (!frame.path_is_empty) pending_path_.add('.');
  pending_path_.add(name);
}

void FeatureBuilder::string_value(std::string_view value) {
  Frame& frame = container();
  NameHash name = pending_path_;
  if (frame.is_array) {
    // Strings of an array are categories of the array's own path, not "path[i]".
    name = frame.path;
    ++frame.next_index;
  }
  emit(name.add('=').add(value), 1.0f);
}

void FeatureBuilder::number_value(double value) {
  const auto narrowed = static_cast<float>(value);
  if (!std::isfinite(narrowed)) {
    throw InputError("feature values must be finite numbers within single precision range");
  }
  emit(value_path(), narrowed);
}

void FeatureBuilder::bool_value(bool value) { emit(value_path(), value ? 1.0f : 0.0f); }

void FeatureBuilder::null_value() {
  // Ignored, but it still takes its place in an array.
  Frame& frame = container();
  if (frame.is_array) ++frame.next_index;
}

}  // namespace pz
