#include "pg/array_text.hpp"

extern "C" {
#include "lib/stringinfo.h"
}

namespace pz::pg {

Datum float8_array_literal(const std::vector<double>& values) {
  StringInfoData literal;
  initStringInfo(&literal);
  appendStringInfoChar(&literal, '{');
  for (size_t j = 0; j < values.size(); ++j) appendStringInfo(&literal, "%s%.17g", j == 0 ? "" : ",", values[j]);
  appendStringInfoChar(&literal, '}');
  return CStringGetTextDatum(literal.data);
}

char** text_array_strings(Datum array, int size) {
  Datum* values;
  bool* nulls;
  int count;
  deconstruct_array(DatumGetArrayTypePCopy(array), TEXTOID, -1, false, TYPALIGN_INT, &values, &nulls, &count);
  char** strings = static_cast<char**>(palloc0(sizeof(char*) * (size > 0 ? size : 1)));
  for (int i = 0; i < count && i < size; ++i) strings[i] = nulls[i] ? nullptr : TextDatumGetCString(values[i]);
  return strings;
}

}  // namespace pz::pg
