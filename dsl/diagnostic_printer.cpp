// Prints diagnostics like clang: location, message, the source line, a caret with tildes under
// the span, the notes the same way, then the count of errors.
#include <algorithm>
#include <ostream>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "dsl/driver.hpp"
#include "dsl/printable.hpp"

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
    std::size_t end =
        std::size_t(number) < starts_.size() ? starts_[std::size_t(number)] - 1 : text_.size();
    if (end > start && text_[end - 1] == '\r') --end;
    return text_.substr(start, end - start);
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

// Long lines are shown as a window around the span, like clang does, so that many errors on one
// huge line print in linear time. Returns the text to show and the span moved into it.
std::pair<std::string, Span> window(std::string_view line, Span span) {
  constexpr std::size_t kWidest = 160, kBefore = 60;
  if (line.size() <= kWidest) return {std::string(line), span};
  const std::size_t start = std::min(line.size(), std::size_t(std::max(span.column, 1) - 1));
  std::size_t begin = start > kBefore ? start - kBefore : 0;
  while (begin > 0 && is_continuation(line[begin])) --begin;
  std::size_t end = std::min(line.size(), begin + kWidest);
  while (end < line.size() && is_continuation(line[end])) ++end;
  std::string shown = begin > 0 ? "..." : "";
  const int shift = int(shown.size()) - int(begin);
  shown += line.substr(begin, end - begin);
  if (end < line.size()) shown += "...";
  const int last = std::min(span.column + std::max(span.length, 1), int(end) + 1);
  Span moved{span.line, span.column + shift, std::max(1, last - span.column)};
  return {shown, moved};
}

void print_one(std::ostream& out, const SourceFile& source, const LineIndex& lines, Span span,
               const char* kind, const char* kind_color, const std::string& message,
               const Palette& palette) {
  // What comes from the file or the command line is escaped: a file must not be able to send
  // escape sequences to the terminal.
  const std::string path = escaped(source.path);
  if (span.line <= 0) {
    out << fmt::format("{}{}: {}{}:{} {}{}{}\n", palette.bold, path, kind_color, kind,
                       palette.reset, palette.bold, printable(message), palette.reset);
    return;
  }
  out << fmt::format("{}{}:{}:{}: {}{}:{} {}{}{}\n", palette.bold, path, span.line, span.column,
                     kind_color, kind, palette.reset, palette.bold, printable(message),
                     palette.reset);
  const auto [windowed, windowed_span] = window(lines.line(span.line), span);
  const auto [shown, shown_span] = escaped_line(windowed, windowed_span);
  out << shown << '\n';
  out << palette.caret << marker(shown, shown_span) << palette.reset << '\n';
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
