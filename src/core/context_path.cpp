#include "core/context_path.hpp"

#include "core/errors.hpp"

namespace pz {
namespace {

[[noreturn]] void bad_path(std::string_view path, const std::string& why) {
  throw InputError("invalid context path \"" + std::string(path) + "\": " + why);
}

// Reads the quoted key starting at path[at] (the opening quote); returns the
// position after its closing quote.
size_t read_quoted(std::string_view path, size_t at, std::string& key) {
  for (size_t i = at + 1; i < path.size(); ++i) {
    if (path[i] != '"') {
      key += path[i];
    } else if (i + 1 < path.size() && path[i + 1] == '"') {
      key += '"';
      ++i;
    } else {
      return i + 1;
    }
  }
  bad_path(path, "a quoted key is not closed");
}

}  // namespace

std::vector<std::string> parse_context_path(std::string_view path) {
  if (path.empty()) bad_path(path, "it is empty");
  std::vector<std::string> keys;
  size_t at = 0;
  for (;;) {
    std::string key;
    if (at < path.size() && path[at] == '"') {
      at = read_quoted(path, at, key);
      if (at < path.size() && path[at] != '.')
        bad_path(path, "a quoted key must be followed by a dot or the end");
    } else {
      while (at < path.size() && path[at] != '.') {
        if (path[at] == '"') bad_path(path, "a key with a quote must be quoted whole");
        key += path[at++];
      }
      if (key.empty()) bad_path(path, "a key is empty");
    }
    keys.push_back(std::move(key));
    if (keys.size() > kMaxContextPathKeys)
      bad_path(path, "it has more than " + std::to_string(kMaxContextPathKeys) + " keys");
    if (at == path.size()) return keys;
    ++at;  // the dot
    if (at == path.size()) bad_path(path, "a key is empty");
  }
}

}  // namespace pz
