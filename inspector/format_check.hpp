// Whether the emitted header is what clang-format (libFormat, with the project's .clang-format)
// would make of it.
#pragma once

#include <string>
#include <vector>

namespace cnnc::inspect {

struct FormatFinding {
  std::string style_file;                 // the .clang-format used
  std::size_t changes = 0;                // replacements clang-format would make
  std::size_t lines = 0;                  // lines they touch
  std::vector<std::string> first_changes; // "line:col: 'this' -> 'that'"
  std::string error;                      // the style could not be read
};

// Formats `text` (named `path`, whose folders are searched for .clang-format; `fallback_style`
// when none is found) in memory and describes the differences.
FormatFinding check_format(const std::string& text, const std::string& path,
                           const std::string& fallback_style, std::size_t shown = 5);

} // namespace cnnc::inspect
