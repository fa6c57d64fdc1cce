#include "json_text.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "errors.hpp"

namespace pz {
namespace {

// Forwards nlohmann's SAX events to a DocumentHandler.
class SaxAdapter {
 public:
  explicit SaxAdapter(DocumentHandler& handler) : handler_(handler) {}

  bool null() { return handler_.null_value(), true; }
  bool boolean(bool value) { return handler_.bool_value(value), true; }
  bool number_integer(nlohmann::json::number_integer_t value) {
    return handler_.number_value(static_cast<double>(value)), true;
  }
  bool number_unsigned(nlohmann::json::number_unsigned_t value) {
    return handler_.number_value(static_cast<double>(value)), true;
  }
  bool number_float(nlohmann::json::number_float_t value, const std::string&) {
    return handler_.number_value(value), true;
  }
  bool string(std::string& value) { return handler_.string_value(value), true; }
  bool binary(nlohmann::json::binary_t&) { throw InputError("binary values are not JSON"); }
  bool start_object(std::size_t) { return handler_.begin_object(), true; }
  bool key(std::string& name) { return handler_.key(name), true; }
  bool end_object() { return handler_.end_object(), true; }
  bool start_array(std::size_t) { return handler_.begin_array(), true; }
  bool end_array() { return handler_.end_array(), true; }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::json::exception&) {
    throw InputError("malformed JSON at byte " + std::to_string(position));
  }

 private:
  DocumentHandler& handler_;
};

}  // namespace

void parse_json(std::string_view text, DocumentHandler& handler) {
  SaxAdapter adapter(handler);
  nlohmann::json::sax_parse(text.begin(), text.end(), &adapter);
}

}  // namespace pz
