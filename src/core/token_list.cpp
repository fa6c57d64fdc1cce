#include "token_list.hpp"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "errors.hpp"

namespace pz {

void TokenList::clear() {
  tokens_.clear();
  strings_.clear();
}

void TokenList::push(TokenType type) { tokens_.push_back({type, false, 0.0, 0, 0}); }

void TokenList::push_text(TokenType type, std::string_view text) {
  tokens_.push_back({type, false, 0.0, static_cast<uint32_t>(strings_.size()), static_cast<uint32_t>(text.size())});
  strings_.append(text);
}

void TokenList::number_with_text(double value, std::string_view text) {
  push_text(TokenType::kNumber, text);
  tokens_.back().number = value;
}

void TokenList::number_value(double value) {
  char text[32];
  int length = std::snprintf(text, sizeof text, "%.17g", value);
  // The shortest text that reads back as the same double.
  for (int precision = 1; precision < 17; ++precision) {
    char shorter[32];
    int n = std::snprintf(shorter, sizeof shorter, "%.*g", precision, value);
    if (std::strtod(shorter, nullptr) == value) {
      number_with_text(value, std::string_view(shorter, static_cast<size_t>(n)));
      return;
    }
  }
  number_with_text(value, std::string_view(text, static_cast<size_t>(length)));
}

void TokenList::bool_value(bool value) {
  push(TokenType::kBool);
  tokens_.back().boolean = value;
}

size_t TokenList::value_end(size_t begin) const {
  int depth = 0;
  size_t i = begin;
  do {
    TokenType type = tokens_[i].type;
    if (type == TokenType::kBeginObject || type == TokenType::kBeginArray) ++depth;
    else if (type == TokenType::kEndObject || type == TokenType::kEndArray) --depth;
    ++i;
  } while (depth > 0);
  return i;
}

void TokenList::append(const TokenList& from, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    const ValueToken& token = from.tokens_[i];
    tokens_.push_back(token);
    tokens_.back().offset = static_cast<uint32_t>(strings_.size());
    strings_.append(from.text(token));
  }
}

void TokenList::replay(size_t begin, size_t end, DocumentHandler& handler) const {
  for (size_t i = begin; i < end; ++i) {
    const ValueToken& token = tokens_[i];
    switch (token.type) {
      case TokenType::kBeginObject: handler.begin_object(); break;
      case TokenType::kEndObject: handler.end_object(); break;
      case TokenType::kBeginArray: handler.begin_array(); break;
      case TokenType::kEndArray: handler.end_array(); break;
      case TokenType::kKey: handler.key(text(token)); break;
      case TokenType::kString: handler.string_value(text(token)); break;
      case TokenType::kNumber: handler.number_value(token.number); break;
      case TokenType::kBool: handler.bool_value(token.boolean); break;
      case TokenType::kNull: handler.null_value(); break;
    }
  }
}

namespace {

// nlohmann's SAX events into a TokenList, keeping the text of floating numbers.
class TokenSax {
 public:
  explicit TokenSax(TokenList& out) : out_(out) {}
  bool null() { return out_.null_value(), true; }
  bool boolean(bool value) { return out_.bool_value(value), true; }
  bool number_integer(nlohmann::json::number_integer_t value) {
    return out_.number_with_text(static_cast<double>(value), std::to_string(value)), true;
  }
  bool number_unsigned(nlohmann::json::number_unsigned_t value) {
    return out_.number_with_text(static_cast<double>(value), std::to_string(value)), true;
  }
  bool number_float(nlohmann::json::number_float_t value, const std::string& text) {
    return out_.number_with_text(value, text), true;
  }
  bool string(std::string& value) { return out_.string_value(value), true; }
  bool binary(nlohmann::json::binary_t&) { throw InputError("binary values are not JSON"); }
  bool start_object(std::size_t) { return out_.begin_object(), true; }
  bool key(std::string& name) { return out_.key(name), true; }
  bool end_object() { return out_.end_object(), true; }
  bool start_array(std::size_t) { return out_.begin_array(), true; }
  bool end_array() { return out_.end_array(), true; }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::json::exception&) {
    throw InputError("malformed JSON at byte " + std::to_string(position));
  }

 private:
  TokenList& out_;
};

}  // namespace

void parse_json_tokens(std::string_view text, TokenList& out) {
  out.clear();
  TokenSax sax(out);
  nlohmann::json::sax_parse(text.begin(), text.end(), &sax);
}

}  // namespace pz
