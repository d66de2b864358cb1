// The DSL's front door: file -> text -> tokens -> syntax tree -> Model, errors sorted by place.
#include "dsl/driver.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/core.h>

#include "dsl/checker.hpp"
#include "dsl/lexer.hpp"
#include "dsl/parser.hpp"
#include "dsl/text_check.hpp"

namespace cnnc {
namespace {

CheckResult file_error(const std::string& path, std::string message) {
  CheckResult result;
  result.source.path = path;
  result.diagnostics.push_back({Severity::Error, Span{}, std::move(message), {}});
  return result;
}

} // namespace

CheckResult check_text(const std::string& path, std::string text) {
  CheckResult result;
  result.source.path = path;
  if (auto reason = not_text_reason(text)) {
    result.diagnostics.push_back({Severity::Error, Span{}, *reason, {}});
    return result;
  }
  result.source.text = std::move(text);
  const std::vector<Token> tokens = lex(result.source.text);
  const ast::Program program = parse(tokens, result.diagnostics);
  Model model = check(program, path, result.diagnostics);
  // Each stage reports in its own order; the user reads them top to bottom.
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::pair(a.span.line, a.span.column) <
                            std::pair(b.span.line, b.span.column);
                   });
  const bool clean =
      std::none_of(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const Diagnostic& d) { return d.severity == Severity::Error; });
  if (clean) result.model = std::move(model);
  return result;
}

CheckResult check_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code code;
  const fs::file_status status = fs::status(path, code);
  if (status.type() == fs::file_type::not_found) return file_error(path, "no such file");
  if (code) return file_error(path, fmt::format("cannot read the file: {}", code.message()));
  if (status.type() == fs::file_type::directory)
    return file_error(path, "is a directory, not a model file");

  std::ifstream in(path, std::ios::binary);
  if (!in) return file_error(path, fmt::format("cannot open the file: {}", std::strerror(errno)));
  // Read at most one byte past the limit, so that /dev/zero or a huge file ends quickly.
  std::string text;
  char buffer[65536];
  while (text.size() <= kMaxSourceBytes && in.read(buffer, sizeof buffer).gcount() > 0) {
    text.append(buffer, std::size_t(in.gcount()));
  }
  if (in.bad()) return file_error(path, "cannot read the file");
  return check_text(path, std::move(text));
}

} // namespace cnnc
