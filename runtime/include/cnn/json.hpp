// A small JSON reader and string quoting, enough for safetensors headers.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cnn::json {

struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Value {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  std::string text;                                  // String; the literal of a Number
  std::vector<Value> items;                          // Array
  std::vector<std::pair<std::string, Value>> fields; // Object, in file order

  const Value* find(std::string_view key) const;
};

// Parses one JSON value filling all of `text` (surrounding whitespace allowed). Throws
// ParseError with the byte offset and the cause.
Value parse(std::string_view text);

// `text` as a JSON string literal, quotes included.
std::string quote(std::string_view text);

const char* kind_name(Value::Kind kind);

} // namespace cnn::json
