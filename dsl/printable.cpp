// Escaping and shortening of text from a user's file before it is printed.
#include "dsl/printable.hpp"

#include <algorithm>
#include <vector>

#include <fmt/core.h>

namespace cnnc {
namespace {

// The number of bytes at `i` that print as an escape (0 when the byte prints as itself): a C0
// control or DEL is one byte, a C1 control (U+0080 to U+009F) the two of its UTF-8 form.
std::size_t control_length(std::string_view text, std::size_t i, bool keep_tabs) {
  const auto byte = static_cast<unsigned char>(text[i]);
  if (byte == '\t') return keep_tabs ? 0 : 1;
  if (byte < 0x20 || byte == 0x7F) return 1;
  if (byte == 0xC2 && i + 1 < text.size()) {
    const auto next = static_cast<unsigned char>(text[i + 1]);
    if (next >= 0x80 && next <= 0x9F) return 2;
  }
  return 0;
}

void append_escapes(std::string& out, std::string_view bytes) {
  for (const char c : bytes) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
}

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

} // namespace

std::string escaped(std::string_view text, bool keep_tabs) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (const std::size_t length = control_length(text, i, keep_tabs)) {
      append_escapes(out, text.substr(i, length));
      i += length;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::pair<std::string, Span> escaped_line(std::string_view line, Span span) {
  // Where each byte of `line` starts in the result (the second byte of a C1 control: where
  // its escape ends), and the result's size for the end of the line.
  std::vector<std::size_t> offset(line.size() + 1);
  std::string out;
  for (std::size_t i = 0; i < line.size();) {
    offset[i] = out.size();
    const std::size_t length = control_length(line, i, true);
    if (length == 0) {
      out += line[i++];
      continue;
    }
    append_escapes(out, line.substr(i, length));
    if (length == 2) offset[i + 1] = out.size();
    i += length;
  }
  offset[line.size()] = out.size();
  const auto moved_to = [&](std::size_t byte) {
    return byte <= line.size() ? offset[byte] : out.size() + (byte - line.size());
  };
  const std::size_t start = std::size_t(std::max(span.column, 1) - 1);
  const std::size_t end = start + std::size_t(std::max(span.length, 1));
  Span moved = span;
  moved.column = int(moved_to(start)) + 1;
  moved.length = std::max(1, int(moved_to(end)) - int(moved_to(start)));
  return {out, moved};
}

std::string printable(std::string_view text) {
  std::string shortened;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t word_end = std::min(text.find(' ', i), text.size());
    if (word_end - i <= kLongestShownWord) {
      shortened.append(text.substr(i, word_end - i));
    } else {
      std::size_t cut = i + kLongestShownWord - 3;
      while (cut > i && is_continuation(text[cut])) --cut;
      shortened.append(text.substr(i, cut - i));
      shortened.append("...");
      // Keep a closing quote, so that 'aaaa...' still reads as a quoted word.
      if (text[word_end - 1] == '\'' || text[word_end - 1] == '"') shortened += text[word_end - 1];
    }
    if (word_end < text.size()) shortened += ' ';
    i = word_end + 1;
  }
  return escaped(shortened);
}

} // namespace cnnc
