#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"
#include "core/json_text.hpp"

namespace pz {
namespace {

// Writes the tokens it receives as a compact trace.
class TraceHandler : public DocumentHandler {
 public:
  std::string trace;
  void begin_object() override { trace += "{"; }
  void end_object() override { trace += "}"; }
  void begin_array() override { trace += "["; }
  void end_array() override { trace += "]"; }
  void key(std::string_view name) override { trace += "k:" + std::string(name) + " "; }
  void string_value(std::string_view value) override { trace += "s:" + std::string(value) + " "; }
  void number_value(double value) override { trace += "n:" + std::to_string(value) + " "; }
  void bool_value(bool value) override { trace += value ? "true " : "false "; }
  void null_value() override { trace += "null "; }
};

TEST(JsonText, FeedsTokensInOrder) {
  TraceHandler handler;
  parse_json(
      R"({"a": {"b": [1, -2, 2.5, "x", true, false, null]}, "c": "d", "e": 18446744073709551615})",
      handler);
  EXPECT_EQ(handler.trace,
            "{k:a {k:b [n:1.000000 n:-2.000000 n:2.500000 s:x true false null ]}k:c s:d "
            "k:e n:18446744073709551616.000000 }");
}

TEST(JsonText, MalformedJsonIsAnInputError) {
  for (const char* text : {"", "{", R"({"a": })", R"({"a": 1} extra)", "{'a': 1}", "[1,]", "NaN"}) {
    TraceHandler handler;
    EXPECT_THROW(parse_json(text, handler), InputError) << text;
  }
}

TEST(JsonText, ErrorsFromTheHandlerPassThrough) {
  class Refusing : public TraceHandler {
    void bool_value(bool) override { throw InputError("no booleans"); }
  } handler;
  EXPECT_THROW(parse_json("[true]", handler), InputError);
}

}  // namespace
}  // namespace pz
