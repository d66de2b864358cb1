// Source text and locations: a loaded .cnn file and spans into it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cnnc {

// A range of one line of source: 1-based line and column, length in bytes (at least 1 when
// printed as a caret).
struct Span {
  int line = 0;
  int column = 0;
  int length = 0;
  bool operator==(const Span&) const = default;
};

struct SourceFile {
  std::string path; // as the user named it
  std::string text;

  std::string_view line_text(int line) const; // without its newline; empty past the end
};

} // namespace cnnc
