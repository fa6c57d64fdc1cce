// A JSON value kept as a flat list of tokens, so that one parse of a text can
// be filtered, reshaped and handed on (to the database as jsonb, to the
// featurizer) without printing text in between. Texts that appear as such in
// the parsed source are not copied: tokens point into it, so the source must
// outlive the list (and every list its tokens are appended to); the others
// (unescaped strings, texts given to the handler methods) are kept by the list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "document.hpp"

namespace pz {

enum class TokenType : uint8_t {
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

struct ValueToken {
  TokenType type;
  bool boolean;
  bool owned;  // text is in the list's own storage (at `offset`), else at `pointer`
  // Key, string or number: the text's length. Begin of a container in a list
  // made by parse_json_tokens: tokens up to its end token (0: not known).
  uint32_t length;
  double number;
  // Key or string text, or a number's text as written (exact for jsonb's numeric).
  const char* pointer;
  size_t offset;
};

class TokenList : public DocumentHandler {
 public:
  void clear();
  const std::vector<ValueToken>& tokens() const { return tokens_; }
  size_t size() const { return tokens_.size(); }
  const ValueToken& operator[](size_t i) const { return tokens_[i]; }
  std::string_view text(const ValueToken& token) const {
    return {token.owned ? strings_.data() + token.offset : token.pointer, token.length};
  }
  // Index just past the value that starts at `begin` (immediate for the
  // containers of a parsed text, whose begin tokens know where they end).
  size_t value_end(size_t begin) const;
  // Records that the container starting at `begin` ends at the last token.
  void close_container(size_t begin) {
    tokens_[begin].length = static_cast<uint32_t>(tokens_.size() - 1 - begin);
  }
  // Appends tokens [begin, end) of another list.
  void append(const TokenList& from, size_t begin, size_t end);
  // Makes this list a copy of `from` that keeps every text itself, so that it
  // outlives the source `from` points into.
  void assign_owned(const TokenList& from);
  // Feeds tokens [begin, end) to a handler (numbers as doubles).
  void replay(size_t begin, size_t end, DocumentHandler& handler) const;

  // DocumentHandler: appends; a number gets its shortest text.
  void begin_object() override { push(TokenType::kBeginObject); }
  void end_object() override { push(TokenType::kEndObject); }
  void begin_array() override { push(TokenType::kBeginArray); }
  void end_array() override { push(TokenType::kEndArray); }
  void key(std::string_view name) override { push_text(TokenType::kKey, name); }
  void string_value(std::string_view value) override { push_text(TokenType::kString, value); }
  void number_value(double value) override;
  void bool_value(bool value) override;
  void null_value() override { push(TokenType::kNull); }
  // A number with the text it was written with (copied).
  void number_with_text(double value, std::string_view text);
  // Texts that outlive the list: kept as pointers, not copied.
  void key_in_source(std::string_view name) { push_pointer(TokenType::kKey, name); }
  void string_in_source(std::string_view value) { push_pointer(TokenType::kString, value); }
  void number_in_source(double value, std::string_view text);

 private:
  // Inline: the scanner pushes every token of every line through these.
  void push(TokenType type) { tokens_.push_back({type, false, false, 0, 0.0, nullptr, 0}); }
  void push_text(TokenType type, std::string_view text);
  void push_pointer(TokenType type, std::string_view text) {
    tokens_.push_back(
        {type, false, false, static_cast<uint32_t>(text.size()), 0.0, text.data(), 0});
  }
  std::vector<ValueToken> tokens_;
  std::string strings_;
};

// Parses JSON text into `out` (cleared first); throws InputError on malformed JSON.
void parse_json_tokens(std::string_view text, TokenList& out);

// A value of the text that parse_json_tokens is to find (or not read again):
// the one that starts at byte `at`, if a value starts there.
struct MarkedValue {
  size_t at = 0;
  // 0: parsed as usual. Otherwise the value there is not scanned but taken to
  // be that many bytes, and is a null token: for a caller that has checked
  // those bytes to be a valid JSON value it parsed before.
  size_t skip_length = 0;
  // Found by the parse: the value's token (npos: no value starts at `at`) and
  // its length in bytes.
  size_t index = std::string_view::npos;
  size_t length = 0;
};
void parse_json_tokens(std::string_view text, TokenList& out, MarkedValue& marked);

// Copies `in` to `out` (cleared first) with the members of every object in
// jsonb's order (shorter keys first, then bytewise; of repeated keys the last
// one), so that walking the list meets features in the order that walking the
// jsonb stored from it does.
void order_like_jsonb(const TokenList& in, TokenList& out);

}  // namespace pz
