#include "pg/jsonb_tokens.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/errors.hpp"
#include "pg/guard.hpp"

namespace pz::pg {

namespace {

// numeric -> float8 without printing it: PostgreSQL's own conversion goes
// through the decimal text and strtod, the largest cost of reading a numeric
// feature. The on-disk numeric format (base-10000 digits after a short or long
// header) has been stable since PostgreSQL 9.1. Only values whose mantissa and
// power of ten are exact doubles are taken here: one IEEE division of exact
// operands is correctly rounded, as strtod is, so the result is identical.
// Returns false for the rest (and NaN, infinities), left to PostgreSQL.
bool exact_numeric_to_double(Numeric number, double* out) {
  const auto* data = reinterpret_cast<const unsigned char*>(VARDATA_ANY(number));
  const size_t size = VARSIZE_ANY_EXHDR(number);
  if (size < sizeof(uint16)) return false;
  uint16 header;
  memcpy(&header, data, sizeof header);
  bool negative;
  int weight;
  size_t digits_offset;
  if ((header & 0xC000) == 0x8000) {  // short format
    negative = (header & 0x2000) != 0;
    weight = (header & 0x0040) ? static_cast<int>(header | ~0x003F) : (header & 0x003F);
    digits_offset = sizeof(uint16);
  } else if ((header & 0xC000) == 0x0000 || (header & 0xC000) == 0x4000) {  // long format
    if (size < 2 * sizeof(uint16)) return false;
    negative = (header & 0xC000) == 0x4000;
    int16 long_weight;
    memcpy(&long_weight, data + sizeof(uint16), sizeof long_weight);
    weight = long_weight;
    digits_offset = 2 * sizeof(uint16);
  } else {
    return false;  // NaN or an infinity
  }
  const size_t ndigits = (size - digits_offset) / sizeof(int16);
  if (ndigits == 0) {
    *out = 0.0;
    return true;
  }
  if (ndigits > 4) return false;
  uint64 mantissa = 0;
  for (size_t i = 0; i < ndigits; ++i) {
    int16 digit;
    memcpy(&digit, data + digits_offset + i * sizeof(int16), sizeof digit);
    mantissa = mantissa * 10000 + static_cast<uint64>(digit);
  }
  if (mantissa > (uint64{1} << 53)) return false;
  // value = mantissa * 10000^exponent
  const int exponent = weight - static_cast<int>(ndigits - 1);
  static const double kPowersOf10000[] = {1.0, 1e4, 1e8, 1e12, 1e16, 1e20};
  double value;
  if (exponent >= 0) {
    if (exponent > 1) return false;  // keep the product exact
    value = static_cast<double>(mantissa) * kPowersOf10000[exponent];
    if (value > 9007199254740992.0) return false;
  } else {
    if (-exponent > 5) return false;  // 10^20: the largest power of 10000 a double holds exactly
    value = static_cast<double>(mantissa) / kPowersOf10000[-exponent];
  }
  *out = negative ? -value : value;
  return true;
}

}  // namespace

// PostgreSQL side: plain C, no C++ objects, so an ereport may leave at any point.
double numeric_to_double(Numeric number) {
  double value;
  if (!exact_numeric_to_double(number, &value))
    value = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(number)));
#ifdef PZ_CHECK_NUMERIC_FAST_PATH
  if (value != DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(number))))
    elog(WARNING, "pz: fast numeric conversion differs");
#endif
  return value;
}

void reserve_tokens(TokenBuffer* buffer, size_t capacity) {
  if (buffer->capacity >= capacity) return;
  size_t bytes = capacity * sizeof(JsonToken);
  MemoryContext context = buffer->context != nullptr ? buffer->context : CurrentMemoryContext;
  buffer->tokens = static_cast<JsonToken*>(buffer->tokens == nullptr ? MemoryContextAllocHuge(context, bytes)
                                                                     : repalloc_huge(buffer->tokens, bytes));
  buffer->capacity = capacity;
}

JsonToken* push_token(TokenBuffer* buffer, TokenKind kind) {
  if (buffer->size == buffer->capacity) reserve_tokens(buffer, buffer->capacity == 0 ? 64 : buffer->capacity * 2);
  JsonToken* token = &buffer->tokens[buffer->size++];
  memset(token, 0, sizeof *token);
  token->kind = kind;
  return token;
}

void append_jsonb_tokens(Jsonb* document, TokenBuffer* buffer) { append_container_tokens(&document->root, buffer); }

void append_container_tokens(JsonbContainer* container, TokenBuffer* buffer) {
  JsonbIterator* iterator = JsonbIteratorInit(container);
  JsonbValue value;
  JsonbIteratorToken type;
  bool raw_scalar_array = JsonContainerIsScalar(container);
  while ((type = JsonbIteratorNext(&iterator, &value, false)) != WJB_DONE) {
    // A scalar document is stored as a one-element "raw scalar" array: show the scalar only.
    if (raw_scalar_array && (type == WJB_BEGIN_ARRAY || type == WJB_END_ARRAY)) continue;
    JsonToken* token;
    switch (type) {
      case WJB_BEGIN_OBJECT: push_token(buffer, TokenKind::kBeginObject); break;
      case WJB_END_OBJECT: push_token(buffer, TokenKind::kEndObject); break;
      case WJB_BEGIN_ARRAY: push_token(buffer, TokenKind::kBeginArray); break;
      case WJB_END_ARRAY: push_token(buffer, TokenKind::kEndArray); break;
      case WJB_KEY:
        token = push_token(buffer, TokenKind::kKey);
        token->text = value.val.string.val;
        token->length = value.val.string.len;
        break;
      default:  // WJB_VALUE, WJB_ELEM: a scalar
        switch (value.type) {
          case jbvString:
            token = push_token(buffer, TokenKind::kString);
            token->text = value.val.string.val;
            token->length = value.val.string.len;
            break;
          case jbvNumeric:
            token = push_token(buffer, TokenKind::kNumber);
            token->number = numeric_to_double(value.val.numeric);
            token->source = NumberSource::kNumeric;
            token->datum = NumericGetDatum(value.val.numeric);
            break;
          case jbvBool:
            token = push_token(buffer, TokenKind::kBool);
            token->boolean = value.val.boolean;
            break;
          default:
            push_token(buffer, TokenKind::kNull);
            break;
        }
    }
  }
}

void read_jsonb_tokens(Jsonb* document, JsonTokens* out) {
  TokenBuffer buffer;
  append_jsonb_tokens(document, &buffer);
  out->tokens = buffer.tokens;
  out->size = buffer.size;
}

namespace {
TokenBuffer kept_buffer{nullptr, 0, 0, nullptr};
bool kept_buffer_held = false;
}  // namespace

KeptTokens::KeptTokens() : buffer_(&own_) {
  if (kept_buffer_held) return;
  kept_buffer_held = true;
  kept_buffer.context = TopMemoryContext;
  kept_buffer.size = 0;
  buffer_ = &kept_buffer;
}

KeptTokens::~KeptTokens() {
  if (buffer_ == &kept_buffer) kept_buffer_held = false;
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
      case TokenKind::kKey:
        if (token.hashed != nullptr)
          handler.hashed_key(*token.hashed);
        else
          handler.key(token.string());
        break;
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
