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

// Where a number token came from, so that it can be written back exactly
// (tokens of a row are logged as jsonb).
enum class NumberSource : uint8_t { kNumeric, kInteger, kFloat4, kFloat8 };

struct JsonToken {
  TokenKind kind;
  bool boolean;
  NumberSource source;  // kNumber: what `datum` holds
  uint32_t length;      // of text
  const char* text;     // key or string, inside the datum (not terminated)
  double number;        // the number as float8 (+-Infinity when out of range)
  Datum datum;          // kNumber: the number as given (a Numeric, int64, float4 or float8)
  const HashedKey* hashed;  // kKey: the key's hashes when known beforehand (row columns), else null
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

// Tokens built up one by one (PostgreSQL side).
struct TokenBuffer {
  JsonToken* tokens = nullptr;
  size_t size = 0;
  size_t capacity = 0;
  MemoryContext context = nullptr;  // of `tokens`; nullptr: the current one
};
// A new token of `kind`, its other fields cleared. Unguarded (may ereport).
JsonToken* push_token(TokenBuffer* buffer, TokenKind kind);
// Makes room for `capacity` tokens in all. Unguarded (may ereport).
void reserve_tokens(TokenBuffer* buffer, size_t capacity);
// Appends the tokens of a jsonb document. Unguarded (may ereport).
void append_jsonb_tokens(Jsonb* document, TokenBuffer* buffer);
// The same for a container inside a document (an element of an array).
void append_container_tokens(JsonbContainer* container, TokenBuffer* buffer);
// A numeric as float8, exactly as PostgreSQL converts it. Unguarded (may ereport).
double numeric_to_double(Numeric number);

// The backend's token buffer for the actions of a rank call, kept in
// TopMemoryContext between calls: thousands of actions then cost no
// allocation and touch no fresh pages. One call at a time holds it (a nested
// call, from a trigger say, gets a buffer of its own); the tokens are valid
// until the holder is destroyed.
class KeptTokens {
 public:
  KeptTokens();
  ~KeptTokens();
  KeptTokens(const KeptTokens&) = delete;
  KeptTokens& operator=(const KeptTokens&) = delete;
  TokenBuffer* buffer() { return buffer_; }
  JsonTokens tokens() const { return {buffer_->tokens, buffer_->size}; }

 private:
  TokenBuffer own_;
  TokenBuffer* buffer_;
};

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
