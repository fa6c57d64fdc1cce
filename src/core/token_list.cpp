#include "token_list.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "errors.hpp"

namespace pz {

void TokenList::clear() {
  tokens_.clear();
  strings_.clear();
}

void TokenList::push_text(TokenType type, std::string_view text) {
  tokens_.push_back(
      {type, false, true, static_cast<uint32_t>(text.size()), 0.0, nullptr, strings_.size()});
  strings_.append(text);
}

void TokenList::number_in_source(double value, std::string_view text) {
  push_pointer(TokenType::kNumber, text);
  tokens_.back().number = value;
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
  if (tokens_[begin].length != 0 && (tokens_[begin].type == TokenType::kBeginObject ||
                                     tokens_[begin].type == TokenType::kBeginArray))
    return begin + tokens_[begin].length + 1;
  int depth = 0;
  size_t i = begin;
  do {
    TokenType type = tokens_[i].type;
    if (type == TokenType::kBeginObject || type == TokenType::kBeginArray)
      ++depth;
    else if (type == TokenType::kEndObject || type == TokenType::kEndArray)
      --depth;
    ++i;
  } while (depth > 0);
  return i;
}

void TokenList::append(const TokenList& from, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    const ValueToken& token = from.tokens_[i];
    tokens_.push_back(token);
    // A container's extent holds in the list it was parsed into only.
    if (token.type == TokenType::kBeginObject || token.type == TokenType::kBeginArray)
      tokens_.back().length = 0;
    if (!token.owned) continue;
    tokens_.back().offset = strings_.size();
    strings_.append(from.text(token));
  }
}

void TokenList::assign_owned(const TokenList& from) {
  clear();
  for (const ValueToken& token : from.tokens_) {
    tokens_.push_back(token);
    if (token.type != TokenType::kKey && token.type != TokenType::kString &&
        token.type != TokenType::kNumber)
      continue;
    ValueToken& copy = tokens_.back();
    copy.owned = true;
    copy.pointer = nullptr;
    copy.offset = strings_.size();
    strings_.append(from.text(token));
  }
}

void TokenList::replay(size_t begin, size_t end, DocumentHandler& handler) const {
  for (size_t i = begin; i < end; ++i) {
    const ValueToken& token = tokens_[i];
    switch (token.type) {
      case TokenType::kBeginObject:
        handler.begin_object();
        break;
      case TokenType::kEndObject:
        handler.end_object();
        break;
      case TokenType::kBeginArray:
        handler.begin_array();
        break;
      case TokenType::kEndArray:
        handler.end_array();
        break;
      case TokenType::kKey:
        handler.key(text(token));
        break;
      case TokenType::kString:
        handler.string_value(text(token));
        break;
      case TokenType::kNumber:
        handler.number_value(token.number);
        break;
      case TokenType::kBool:
        handler.bool_value(token.boolean);
        break;
      case TokenType::kNull:
        handler.null_value();
        break;
    }
  }
}

namespace {

// A strict JSON (RFC 8259) scanner that writes tokens straight into a
// TokenList: several times faster than a general-purpose parser's SAX
// interface, and it keeps each number's text.
class Scanner {
 public:
  Scanner(std::string_view text, TokenList& out, MarkedValue* marked = nullptr)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), out_(out),
        marked_(marked), mark_(marked != nullptr && marked->at < text.size() ? begin_ + marked->at : nullptr) {}

  void document() {
    value();
    whitespace();
    if (p_ != end_) fail("unexpected text after the value");
  }

 private:
  static constexpr int kMaxDepth = 256;

  [[noreturn]] void fail(const char* what) const {
    throw InputError("malformed JSON at byte " + std::to_string(p_ - begin_) + ": " + what);
  }
  void whitespace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  void expect(char c, const char* what) {
    whitespace();
    if (p_ == end_ || *p_ != c) fail(what);
    ++p_;
  }

  void value() {
    whitespace();
    if (p_ == end_) fail("a value is missing");
    if (p_ == mark_) {
      marked_value();
      return;
    }
    switch (*p_) {
      case '{':
        object();
        break;
      case '[':
        array();
        break;
      case '"':
        string(TokenType::kString);
        break;
      case 't':
        literal("true", TokenType::kBool, true);
        break;
      case 'f':
        literal("false", TokenType::kBool, false);
        break;
      case 'n':
        literal("null", TokenType::kNull, false);
        break;
      default:
        number();
        break;
    }
  }

  void marked_value() {
    mark_ = nullptr;
    marked_->index = out_.size();
    if (marked_->skip_length > 0) {
      if (static_cast<size_t>(end_ - p_) < marked_->skip_length) fail("a value is cut short");
      out_.null_value();
      p_ += marked_->skip_length;
    } else {
      const char* start = p_;
      value();
      marked_->length = static_cast<size_t>(p_ - start);
    }
  }

  void object() {
    ++p_;
    if (++depth_ > kMaxDepth) fail("nested too deep");
    const size_t begin = out_.size();
    out_.begin_object();
    whitespace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
    } else {
      for (;;) {
        whitespace();
        if (p_ == end_ || *p_ != '"') fail("a member name (a string) is expected");
        string(TokenType::kKey);
        expect(':', "':' is expected after a member name");
        value();
        whitespace();
        if (p_ != end_ && *p_ == ',') {
          ++p_;
          continue;
        }
        expect('}', "',' or '}' is expected");
        break;
      }
    }
    out_.end_object();
    out_.close_container(begin);
    --depth_;
  }

  void array() {
    ++p_;
    if (++depth_ > kMaxDepth) fail("nested too deep");
    const size_t begin = out_.size();
    out_.begin_array();
    whitespace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
    } else {
      for (;;) {
        value();
        whitespace();
        if (p_ != end_ && *p_ == ',') {
          ++p_;
          continue;
        }
        expect(']', "',' or ']' is expected");
        break;
      }
    }
    out_.end_array();
    out_.close_container(begin);
    --depth_;
  }

  void literal(std::string_view word, TokenType type, bool value) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word)
      fail("invalid literal");
    p_ += word.size();
    if (type == TokenType::kBool)
      out_.bool_value(value);
    else
      out_.null_value();
  }

  unsigned hex4() {
    if (end_ - p_ < 4) fail("a \\u escape needs 4 hex digits");
    unsigned code = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      char c = *p_;
      code <<= 4;
      if (c >= '0' && c <= '9')
        code |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        code |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        code |= static_cast<unsigned>(c - 'A' + 10);
      else
        fail("a \\u escape needs 4 hex digits");
    }
    return code;
  }

  void append_utf8(unsigned code) {
    if (code < 0x80) {
      scratch_ += static_cast<char>(code);
    } else if (code < 0x800) {
      scratch_ += static_cast<char>(0xC0 | (code >> 6));
      scratch_ += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      scratch_ += static_cast<char>(0xE0 | (code >> 12));
      scratch_ += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      scratch_ += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      scratch_ += static_cast<char>(0xF0 | (code >> 18));
      scratch_ += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      scratch_ += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      scratch_ += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  void string(TokenType type) {
    ++p_;
    const char* start = p_;
    // Fast path: no escapes.
    while (p_ != end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) ++p_;
    if (p_ == end_) fail("unterminated string");
    if (*p_ == '"') {
      std::string_view text(start, static_cast<size_t>(p_ - start));
      if (type == TokenType::kKey)
        out_.key_in_source(text);
      else
        out_.string_in_source(text);
      ++p_;
      return;
    }
    scratch_.assign(start, static_cast<size_t>(p_ - start));
    for (;;) {
      if (p_ == end_) fail("unterminated string");
      char c = *p_;
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        scratch_ += c;
        ++p_;
        continue;
      }
      if (++p_ == end_) fail("unterminated string");
      char escape = *p_++;
      switch (escape) {
        case '"':
          scratch_ += '"';
          break;
        case '\\':
          scratch_ += '\\';
          break;
        case '/':
          scratch_ += '/';
          break;
        case 'b':
          scratch_ += '\b';
          break;
        case 'f':
          scratch_ += '\f';
          break;
        case 'n':
          scratch_ += '\n';
          break;
        case 'r':
          scratch_ += '\r';
          break;
        case 't':
          scratch_ += '\t';
          break;
        case 'u': {
          unsigned code = hex4();
          if (code >= 0xD800 && code < 0xDC00) {
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u')
              fail("unpaired surrogate in a \\u escape");
            p_ += 2;
            unsigned low = hex4();
            if (low < 0xDC00 || low >= 0xE000) fail("unpaired surrogate in a \\u escape");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code < 0xE000) {
            fail("unpaired surrogate in a \\u escape");
          } else if (code == 0) {
            fail("\\u0000 cannot be stored in text");
          }
          append_utf8(code);
          break;
        }
        default:
          fail("invalid escape in a string");
      }
    }
    ++p_;
    emit(type, scratch_);
  }

  void emit(TokenType type, std::string_view text) {
    if (type == TokenType::kKey)
      out_.key(text);
    else
      out_.string_value(text);
  }

  void number() {
    const char* start = p_;
    bool integral = true;
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ == end_ || !std::isdigit(static_cast<unsigned char>(*p_))) fail("invalid value");
    if (*p_ == '0')
      ++p_;
    else
      while (p_ != end_ && std::isdigit(static_cast<unsigned char>(*p_))) ++p_;
    if (p_ != end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ == end_ || !std::isdigit(static_cast<unsigned char>(*p_)))
        fail("a digit is expected after '.'");
      while (p_ != end_ && std::isdigit(static_cast<unsigned char>(*p_))) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !std::isdigit(static_cast<unsigned char>(*p_)))
        fail("a digit is expected in the exponent");
      while (p_ != end_ && std::isdigit(static_cast<unsigned char>(*p_))) ++p_;
    }
    std::string_view text(start, static_cast<size_t>(p_ - start));
    double value = 0.0;
    if (integral && text.size() <= 16) {
      // Exact in a double: no need for strtod.
      bool negative = text[0] == '-';
      long long digits = 0;
      for (size_t i = negative ? 1 : 0; i < text.size(); ++i)
        digits = digits * 10 + (text[i] - '0');
      value = static_cast<double>(negative ? -digits : digits);
    } else {
      std::from_chars_result result =
          std::from_chars(text.data(), text.data() + text.size(), value);
      // Out of a double's range: the text is kept exact; the value saturates.
      if (result.ec == std::errc::result_out_of_range)
        value = text[0] == '-' ? -HUGE_VAL : HUGE_VAL;
    }
    out_.number_in_source(value, text);
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  TokenList& out_;
  MarkedValue* marked_;
  const char* mark_;  // where the marked value starts; null once met
  int depth_ = 0;
  std::string scratch_;
};

}  // namespace

void parse_json_tokens(std::string_view text, TokenList& out) {
  out.clear();
  Scanner(text, out).document();
}

void parse_json_tokens(std::string_view text, TokenList& out, MarkedValue& marked) {
  out.clear();
  marked.index = std::string_view::npos;
  marked.length = 0;
  Scanner(text, out, &marked).document();
}

namespace {

struct Member {
  size_t key;
  size_t end;  // just past the value
};

// Members of the objects being copied, innermost last (one vector for all
// levels, so that no object allocates its own).
void copy_ordered(const TokenList& in, size_t index, TokenList& out, std::vector<Member>& members) {
  TokenType type = in[index].type;
  if (type == TokenType::kBeginArray) {
    out.append(in, index, index + 1);
    size_t i = index + 1;
    while (in[i].type != TokenType::kEndArray) {
      copy_ordered(in, i, out, members);
      i = in.value_end(i);
    }
    out.append(in, i, i + 1);
    return;
  }
  if (type != TokenType::kBeginObject) {
    out.append(in, index, index + 1);
    return;
  }
  const size_t base = members.size();
  size_t i = index + 1;
  while (in[i].type != TokenType::kEndObject) {
    size_t end = in.value_end(i + 1);
    members.push_back({i, end});
    i = end;
  }
  auto key_less = [&](const Member& a, const Member& b) {
    std::string_view x = in.text(in[a.key]);
    std::string_view y = in.text(in[b.key]);
    if (x.size() != y.size()) return x.size() < y.size();
    return x < y;
  };
  // Objects of a few members (nearly all) are sorted by insertion, stable and
  // without the buffer that std::stable_sort allocates.
  constexpr size_t kInsertionSortMembers = 16;
  if (members.size() - base <= kInsertionSortMembers) {
    for (size_t m = base + 1; m < members.size(); ++m) {
      Member member = members[m];
      size_t k = m;
      for (; k > base && key_less(member, members[k - 1]); --k) members[k] = members[k - 1];
      members[k] = member;
    }
  } else {
    std::stable_sort(members.begin() + static_cast<std::ptrdiff_t>(base), members.end(), key_less);
  }
  const size_t count = members.size() - base;
  out.append(in, index, index + 1);
  for (size_t m = 0; m < count; ++m) {
    Member member = members[base + m];
    // Of equal keys (now adjacent, in document order) the last one stays.
    if (m + 1 < count && !key_less(member, members[base + m + 1]) &&
        !key_less(members[base + m + 1], member))
      continue;
    out.append(in, member.key, member.key + 1);
    copy_ordered(in, member.key + 1, out, members);
  }
  members.resize(base);
  out.append(in, i, i + 1);
}

}  // namespace

void order_like_jsonb(const TokenList& in, TokenList& out) {
  out.clear();
  thread_local std::vector<Member> members;
  members.clear();
  if (in.size() > 0) copy_ordered(in, 0, out, members);
}

}  // namespace pz
