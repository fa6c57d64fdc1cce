// A path into a context document, as pz_segments takes it: keys separated by
// dots, `user.segment` meaning context->'user'->'segment'. A key holding a
// dot or a double quote is written in double quotes, a quote in it doubled:
// `"a.b"."say ""hi"""` is the keys `a.b` and `say "hi"`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pz {

// Deepest path accepted; contexts nest far less.
constexpr size_t kMaxContextPathKeys = 32;

// The keys of `path`, outermost first. Throws InputError for an empty path, an
// empty key, an unclosed quote, a quote inside an unquoted key, or more than
// kMaxContextPathKeys keys.
std::vector<std::string> parse_context_path(std::string_view path);

}  // namespace pz
