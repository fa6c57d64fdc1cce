// A jsonb document as a flat array of tokens, read once under one pg_call()
// so that C++ can then walk it (and feed the featurizer) without PostgreSQL
// calls that might longjmp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/document.hpp"
#include "pg/postgres.hpp"

namespace pz::pg {

enum class TokenKind : uint8_t {
  kBeginObject,
  kEndObject,
  kBeginArray,
  kEndArray,
  kKey,
  kString,
  kNumber,
  kBool,
  kNull,
};

struct JsonToken {
  TokenKind kind;
  bool boolean;
  uint32_t length;   // of text
  const char* text;  // key or string, inside the jsonb datum (not terminated)
  double number;     // a jsonb numeric as float8 (+-Infinity when out of range)
  std::string_view string() const { return {text, length}; }
};

// Tokens of one jsonb value; they point into the datum, which must outlive them.
// Allocated in the current memory context.
struct JsonTokens {
  const JsonToken* tokens = nullptr;
  size_t size = 0;
};

JsonTokens tokenize_jsonb(Jsonb* document);
// The same, unguarded: only for use inside a pg_call() body.
void read_jsonb_tokens(Jsonb* document, JsonTokens* out);

// A cursor over tokens; the structural checks of callers throw InputError.
class TokenCursor {
 public:
  explicit TokenCursor(JsonTokens tokens) : tokens_(tokens) {}
  bool done() const { return position_ >= tokens_.size; }
  const JsonToken& peek() const;
  const JsonToken& next();
  size_t position() const { return position_; }
  // Index just past the value starting at the cursor.
  size_t value_end() const;
  // Feeds the value at the cursor to `handler` and moves past it.
  void replay_value(DocumentHandler& handler);
  // Moves past the value at the cursor.
  void skip_value() { position_ = value_end(); }
  void seek(size_t position) { position_ = position; }

 private:
  JsonTokens tokens_;
  size_t position_ = 0;
};

// JSON type name of the value a token starts, for error messages.
const char* json_type_name(const JsonToken& token);

// Text of a JSON string token; integral numbers are accepted too (ids).
// Returns false for other tokens.
bool token_as_id(const JsonToken& token, std::string& out);

}  // namespace pz::pg
