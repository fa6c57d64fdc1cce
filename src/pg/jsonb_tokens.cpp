#include "pg/jsonb_tokens.hpp"

#include <cmath>
#include <cstdio>

#include "core/errors.hpp"
#include "pg/guard.hpp"

namespace pz::pg {

// PostgreSQL side: plain C, no C++ objects, so an ereport may leave at any point.
void read_jsonb_tokens(Jsonb* document, JsonTokens* out) {
  JsonbIterator* iterator = JsonbIteratorInit(&document->root);
  JsonbValue value;
  JsonbIteratorToken type;
  size_t capacity = 64;
  size_t size = 0;
  JsonToken* tokens = static_cast<JsonToken*>(palloc(capacity * sizeof(JsonToken)));
  bool raw_scalar_array = JB_ROOT_IS_SCALAR(document);
  while ((type = JsonbIteratorNext(&iterator, &value, false)) != WJB_DONE) {
    // A scalar document is stored as a one-element "raw scalar" array: show the scalar only.
    if (raw_scalar_array && (type == WJB_BEGIN_ARRAY || type == WJB_END_ARRAY)) continue;
    if (size == capacity) {
      capacity *= 2;
      tokens = static_cast<JsonToken*>(repalloc_huge(tokens, capacity * sizeof(JsonToken)));
    }
    JsonToken* token = &tokens[size++];
    token->boolean = false;
    token->length = 0;
    token->text = nullptr;
    token->number = 0;
    switch (type) {
      case WJB_BEGIN_OBJECT: token->kind = TokenKind::kBeginObject; break;
      case WJB_END_OBJECT: token->kind = TokenKind::kEndObject; break;
      case WJB_BEGIN_ARRAY: token->kind = TokenKind::kBeginArray; break;
      case WJB_END_ARRAY: token->kind = TokenKind::kEndArray; break;
      case WJB_KEY:
        token->kind = TokenKind::kKey;
        token->text = value.val.string.val;
        token->length = value.val.string.len;
        break;
      default:  // WJB_VALUE, WJB_ELEM: a scalar
        switch (value.type) {
          case jbvString:
            token->kind = TokenKind::kString;
            token->text = value.val.string.val;
            token->length = value.val.string.len;
            break;
          case jbvNumeric:
            token->kind = TokenKind::kNumber;
            token->number = DatumGetFloat8(DirectFunctionCall1(
                numeric_float8_no_overflow, NumericGetDatum(value.val.numeric)));
            break;
          case jbvBool:
            token->kind = TokenKind::kBool;
            token->boolean = value.val.boolean;
            break;
          default:
            token->kind = TokenKind::kNull;
            break;
        }
    }
  }
  out->tokens = tokens;
  out->size = size;
}

JsonTokens tokenize_jsonb(Jsonb* document) {
  JsonTokens tokens;
  pg_call([&] { read_jsonb_tokens(document, &tokens); });
  return tokens;
}

const JsonToken& TokenCursor::peek() const {
  if (done()) throw InputError("unexpected end of JSON document");
  return tokens_.tokens[position_];
}

const JsonToken& TokenCursor::next() {
  const JsonToken& token = peek();
  ++position_;
  return token;
}

size_t TokenCursor::value_end() const {
  size_t position = position_;
  int depth = 0;
  do {
    if (position >= tokens_.size) throw InputError("unexpected end of JSON document");
    TokenKind kind = tokens_.tokens[position++].kind;
    if (kind == TokenKind::kBeginObject || kind == TokenKind::kBeginArray) ++depth;
    if (kind == TokenKind::kEndObject || kind == TokenKind::kEndArray) --depth;
  } while (depth > 0);
  return position;
}

void TokenCursor::replay_value(DocumentHandler& handler) {
  size_t end = value_end();
  while (position_ < end) {
    const JsonToken& token = tokens_.tokens[position_++];
    switch (token.kind) {
      case TokenKind::kBeginObject: handler.begin_object(); break;
      case TokenKind::kEndObject: handler.end_object(); break;
      case TokenKind::kBeginArray: handler.begin_array(); break;
      case TokenKind::kEndArray: handler.end_array(); break;
      case TokenKind::kKey: handler.key(token.string()); break;
      case TokenKind::kString: handler.string_value(token.string()); break;
      case TokenKind::kNumber: handler.number_value(token.number); break;
      case TokenKind::kBool: handler.bool_value(token.boolean); break;
      case TokenKind::kNull: handler.null_value(); break;
    }
  }
}

const char* json_type_name(const JsonToken& token) {
  switch (token.kind) {
    case TokenKind::kBeginObject: return "an object";
    case TokenKind::kBeginArray: return "an array";
    case TokenKind::kString: return "a string";
    case TokenKind::kNumber: return "a number";
    case TokenKind::kBool: return "a boolean";
    case TokenKind::kNull: return "null";
    default: return "a malformed value";
  }
}

bool token_as_id(const JsonToken& token, std::string& out) {
  if (token.kind == TokenKind::kString) {
    out.assign(token.text, token.length);
    return true;
  }
  // Integral ids (jsonb_build_object('id', sku) with an integer sku) read as their digits.
  if (token.kind == TokenKind::kNumber && std::isfinite(token.number) &&
      std::fabs(token.number) <= 9007199254740992.0 && token.number == std::trunc(token.number)) {
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", token.number);  // PostgreSQL's port snprintf
    out = digits;
    return true;
  }
  return false;
}

}  // namespace pz::pg
