// Arrays that travel as text: a float8[] as the text of its literal ("{0.5,1}")
// for statements that take arrays of such arrays of differing lengths as
// text[] (one slot per element), and a text[] read back as C strings.
#pragma once

#include <vector>

#include "pg/postgres.hpp"

namespace pz::pg {

// A text Datum in the current memory context; every digit kept (%.17g).
Datum float8_array_literal(const std::vector<double>& values);

// The first `size` elements of a text[] as C strings (NULL for a NULL or
// missing element), palloc'd in the current memory context.
char** text_array_strings(Datum array, int size);

}  // namespace pz::pg
