// Prints diagnostics like clang: location, message, the source line, a caret with tildes under
// the span, the notes the same way, then the count of errors.
#include <ostream>
#include <vector>

#include <fmt/core.h>

#include "dsl/driver.hpp"

namespace cnnc {
namespace {

struct Palette {
  const char* bold = "";
  const char* error = "";
  const char* note = "";
  const char* caret = "";
  const char* reset = "";
};

// Where each line starts, so that printing many diagnostics costs no more than one pass over
// the text (SourceFile::line_text scans from the start every time).
class LineIndex {
public:
  explicit LineIndex(std::string_view text) : text_(text) {
    starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') starts_.push_back(i + 1);
    }
  }
  std::string_view line(int number) const {
    if (number < 1 || std::size_t(number) > starts_.size()) return {};
    const std::size_t start = starts_[std::size_t(number) - 1];
    std::string_view line = text_.substr(start);
    line = line.substr(0, line.find('\n'));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }

private:
  std::string_view text_;
  std::vector<std::size_t> starts_;
};

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The marker line under `span`: the same whitespace as the source before it (tabs stay tabs,
// one space per UTF-8 character) so the caret lines up, then ^~~~.
std::string marker(std::string_view line, Span span) {
  std::string result;
  const std::size_t start = std::size_t(std::max(span.column, 1) - 1);
  for (std::size_t i = 0; i < start && i < line.size(); ++i) {
    if (line[i] == '\t')
      result += '\t';
    else if (!is_continuation(line[i]))
      result += ' ';
  }
  if (start > line.size()) result.append(start - line.size(), ' ');
  result += '^';
  const std::size_t end = std::min(line.size(), start + std::size_t(std::max(span.length, 1)));
  for (std::size_t i = start + 1; i < end; ++i) {
    if (!is_continuation(line[i])) result += '~';
  }
  return result;
}

void print_one(std::ostream& out, const SourceFile& source, const LineIndex& lines, Span span,
               const char* kind, const char* kind_color, const std::string& message,
               const Palette& palette) {
  if (span.line <= 0) {
    out << fmt::format("{}{}: {}{}:{} {}{}{}\n", palette.bold, source.path, kind_color, kind,
                       palette.reset, palette.bold, message, palette.reset);
    return;
  }
  out << fmt::format("{}{}:{}:{}: {}{}:{} {}{}{}\n", palette.bold, source.path, span.line,
                     span.column, kind_color, kind, palette.reset, palette.bold, message,
                     palette.reset);
  const std::string_view line = lines.line(span.line);
  out << line << '\n';
  out << palette.caret << marker(line, span) << palette.reset << '\n';
}

} // namespace

void print_diagnostics(std::ostream& out, const CheckResult& result, bool color) {
  Palette palette;
  if (color) {
    palette = {"\033[1m", "\033[1;31m", "\033[1;36m", "\033[1;32m", "\033[0m"};
  }
  const LineIndex lines(result.source.text);
  int errors = 0;
  int warnings = 0;
  for (const auto& diagnostic : result.diagnostics) {
    const bool is_error = diagnostic.severity == Severity::Error;
    errors += is_error;
    warnings += diagnostic.severity == Severity::Warning;
    const char* kind = is_error                                   ? "error"
                       : diagnostic.severity == Severity::Warning ? "warning"
                                                                  : "note";
    print_one(out, result.source, lines, diagnostic.span, kind,
              is_error ? palette.error : palette.note, diagnostic.message, palette);
    for (const auto& note : diagnostic.notes)
      print_one(out, result.source, lines, note.span, "note", palette.note, note.message, palette);
  }
  std::string counts;
  if (warnings > 0) counts = fmt::format("{} warning{}", warnings, warnings == 1 ? "" : "s");
  if (errors > 0) {
    counts +=
        fmt::format("{}{} error{}", counts.empty() ? "" : " and ", errors, errors == 1 ? "" : "s");
  }
  if (!counts.empty()) out << counts << " generated.\n";
}

} // namespace cnnc
