// Rejects binary and oversized input before the lexer sees it, with the place of the first bad
// byte so the user can find it.
#include "dsl/text_check.hpp"

#include <fmt/core.h>

namespace cnnc {
namespace {

// The length of the valid UTF-8 sequence at `i`, or 0 (overlong forms, surrogates and code
// points past U+10FFFF are invalid).
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF)
    length = 2;
  else if (lead == 0xE0)
    length = 3, low = 0xA0;
  else if (lead == 0xED)
    length = 3, high = 0x9F;
  else if (lead >= 0xE1 && lead <= 0xEF)
    length = 3;
  else if (lead == 0xF0)
    length = 4, low = 0x90;
  else if (lead == 0xF4)
    length = 4, high = 0x8F;
  else if (lead >= 0xF1 && lead <= 0xF3)
    length = 4;
  else
    return 0;
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

} // namespace

std::optional<std::string> not_text_reason(std::string_view text) {
  if (text.size() > kMaxSourceBytes) {
    // Files are read only up to just past the limit, so the true size may be unknown.
    return fmt::format("is too large to be a model file (over {} MiB)", kMaxSourceBytes >> 20);
  }
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '\0') {
      return fmt::format("is not a text file (a NUL byte at line {}, column {})", line,
                         i - line_start + 1);
    }
    const std::size_t length = utf8_sequence(text, i);
    if (length == 0) {
      return fmt::format("is not a text file (invalid UTF-8 at line {}, column {})", line,
                         i - line_start + 1);
    }
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
    i += length;
  }
  return std::nullopt;
}

} // namespace cnnc
