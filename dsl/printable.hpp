// Text from a user's file made safe to print: control bytes escaped so that no terminal escape
// sequence reaches the terminal, and very long words cut so that one word cannot flood it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "dsl/source.hpp"

namespace cnnc {

// Words (runs without a space) longer than this are cut in messages.
constexpr std::size_t kLongestShownWord = 64;

// `text` with every control byte (C0, DEL, and the UTF-8 form of the C1 controls) written as
// \xNN; a tab too, unless `keep_tabs`.
std::string escaped(std::string_view text, bool keep_tabs = false);

// `line` escaped as escaped(line, true) does, and `span` (byte columns of `line`) moved and
// widened to cover the same characters in the result.
std::pair<std::string, Span> escaped_line(std::string_view line, Span span);

// `text` with each word longer than kLongestShownWord bytes cut to its start and "...", then
// escaped: a message or a name from the file, ready for the terminal.
std::string printable(std::string_view text);

} // namespace cnnc
