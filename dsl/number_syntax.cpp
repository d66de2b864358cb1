// Reading the text of Number tokens: plain numbers (10, -3, 0.0001, 1e-4) and sizes (28x28x1).
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/core.h>

#include "dsl/parser.hpp"

namespace cnnc {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Whole numbers saturate at the int64 limit: "99999999999999999999" is too large, not wrapped.
std::int64_t saturating_parse(std::string_view digits) {
  constexpr auto limit = std::numeric_limits<std::int64_t>::max();
  std::int64_t value = 0;
  for (const char c : digits) {
    const int digit = c - '0';
    if (value > (limit - digit) / 10) return limit;
    value = value * 10 + digit;
  }
  return value;
}

// sign? digits ('.' digits?)? ([eE] sign? digits)?, or sign? '.' digits (exponent)?
bool is_number_text(std::string_view text, bool& whole) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  std::size_t mantissa_digits = 0;
  while (i < text.size() && is_digit(text[i])) ++i, ++mantissa_digits;
  whole = true;
  if (i < text.size() && text[i] == '.') {
    whole = false;
    ++i;
    while (i < text.size() && is_digit(text[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    whole = false;
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    std::size_t exponent_digits = 0;
    while (i < text.size() && is_digit(text[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  return i == text.size();
}

} // namespace

bool read_number(const Token& token, ast::Number& number, std::string& error) {
  const std::string_view text = token.text;
  number.text = std::string(text);
  number.span = token.span;
  bool whole = false;
  if (token.kind != TokenKind::Number || !is_number_text(text, whole)) {
    if (text.find_first_of("xX") != std::string_view::npos) {
      error = fmt::format("expected a number, not the size '{}'", text);
    } else {
      error = fmt::format("malformed number '{}'", text);
    }
    return false;
  }
  const bool negative = text[0] == '-';
  const std::string_view unsigned_text = text.substr(text[0] == '-' || text[0] == '+' ? 1 : 0);
  double magnitude = 0;
  const auto [end, code] =
      std::from_chars(unsigned_text.data(), unsigned_text.data() + unsigned_text.size(), magnitude);
  (void)end;
  if (code == std::errc::result_out_of_range) {
    // Too small rounds to zero, too large to infinity; the checker rejects what does not fit.
    const bool tiny = unsigned_text.find("e-") != std::string_view::npos ||
                      unsigned_text.find("E-") != std::string_view::npos;
    magnitude = tiny ? 0.0 : std::numeric_limits<double>::infinity();
  }
  number.value = negative ? -magnitude : magnitude;
  if (whole) {
    const std::int64_t value = saturating_parse(unsigned_text);
    number.integer = negative ? -value : value;
  } else {
    number.integer.reset();
  }
  return true;
}

bool read_dims(const Token& token, ast::Dims& dims, std::string& error) {
  const std::string_view text = token.text;
  dims.text = std::string(text);
  dims.span = token.span;
  dims.sizes.clear();
  if (token.kind != TokenKind::Number) {
    error = fmt::format("expected a size such as 5x5, not {}",
                        token.kind == TokenKind::Word ? fmt::format("'{}'", text)
                                                      : std::string(describe(token.kind)));
    return false;
  }
  if (!text.empty() && text[0] == '-') {
    error = fmt::format("size '{}' cannot be negative", text);
    return false;
  }
  std::size_t begin = 0;
  while (true) {
    std::size_t end = begin;
    while (end < text.size() && text[end] != 'x' && text[end] != 'X') ++end;
    const std::string_view part = text.substr(begin, end - begin);
    bool digits = !part.empty();
    for (const char c : part) digits = digits && is_digit(c);
    if (!digits) {
      error = fmt::format("malformed size '{}': expected whole numbers separated by 'x', such as "
                          "5x5 or 28x28x1",
                          text);
      return false;
    }
    dims.sizes.push_back(saturating_parse(part));
    if (end == text.size()) break;
    begin = end + 1;
  }
  return true;
}

} // namespace cnnc
