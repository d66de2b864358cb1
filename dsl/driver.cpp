// The DSL's front door: file -> text -> tokens -> syntax tree -> Model, errors sorted by place.
#include "dsl/driver.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

const char* file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a named pipe";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "a special file";
}

} // namespace

CheckResult check_text(const std::string& path, std::string text) {
  CheckResult result;
  result.source.path = path;
  if (auto reason = not_text_reason(text)) {
    result.diagnostics.push_back({Severity::Error, Span{}, *reason, {}});
    return result;
  }
  // Editors on Windows start a UTF-8 file with a byte-order mark; it is not part of the text
  // (and columns are counted without it, as editors count them).
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
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

  // Opened without blocking and checked on the open file itself: a named pipe, a socket or a
  // terminal (even one put in the file's place after the check above) could keep the reader
  // waiting forever, and a device could feed it without end.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return file_error(path, fmt::format("cannot open the file: {}", std::strerror(errno)));
  struct FileCloser {
    int fd;
    ~FileCloser() { ::close(fd); }
  } closer{fd};
  struct stat opened {};
  if (::fstat(fd, &opened) != 0)
    return file_error(path, fmt::format("cannot read the file: {}", std::strerror(errno)));
  if (!S_ISREG(opened.st_mode))
    return file_error(path, fmt::format("is {}, not a regular file; a model is read from a file",
                                        file_kind(opened.st_mode)));
  // Read at most one byte past the limit, so that a huge file ends quickly.
  std::string text;
  char buffer[65536];
  while (text.size() <= kMaxSourceBytes) {
    const ssize_t count = ::read(fd, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0)
      return file_error(path, fmt::format("cannot read the file: {}", std::strerror(errno)));
    if (count == 0) break;
    text.append(buffer, std::size_t(count));
  }
  return check_text(path, std::move(text));
}

} // namespace cnnc
