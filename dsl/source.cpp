// Source text lookup: one line of a loaded file, for printing diagnostics.
#include "dsl/source.hpp"

namespace cnnc {

std::string_view SourceFile::line_text(int line) const {
  if (line < 1) return {};
  std::string_view rest = text;
  for (int current = 1; current < line; ++current) {
    const auto newline = rest.find('\n');
    if (newline == std::string_view::npos) return {};
    rest.remove_prefix(newline + 1);
  }
  const auto newline = rest.find('\n');
  std::string_view result = rest.substr(0, newline);
  if (!result.empty() && result.back() == '\r') result.remove_suffix(1);
  return result;
}

} // namespace cnnc
