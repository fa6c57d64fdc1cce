// Feeds JSON text to a DocumentHandler (for tools, tests and benchmarks; the
// extension walks jsonb directly).
#pragma once

#include <string_view>

#include "document.hpp"

namespace pz {

// Throws InputError on malformed JSON.
void parse_json(std::string_view text, DocumentHandler& handler);

}  // namespace pz
