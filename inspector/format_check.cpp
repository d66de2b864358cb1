// The formatting check of --verify, with Clang's libFormat in process.
#include "inspector/format_check.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <clang/Format/Format.h>
#include <clang/Tooling/Core/Replacement.h>
#include <fmt/core.h>

namespace cnnc::inspect {

namespace {

std::string nearest_style_file(const std::string& path, const std::string& fallback) {
  for (auto folder = std::filesystem::absolute(path).parent_path();;
       folder = folder.parent_path()) {
    if (std::filesystem::exists(folder / ".clang-format"))
      return (folder / ".clang-format").string();
    if (folder == folder.parent_path()) break;
  }
  return fallback;
}

// A snippet of code with its line breaks and spaces visible.
std::string shown(const std::string& text) {
  std::string out;
  for (const char c : text.substr(0, 40)) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return "'" + out + (text.size() > 40 ? "...'" : "'");
}

} // namespace

FormatFinding check_format(const std::string& text, const std::string& path,
                           const std::string& fallback_style, std::size_t shown_count) {
  FormatFinding finding;
  finding.style_file = nearest_style_file(path, fallback_style);
  std::ifstream in(finding.style_file);
  std::ostringstream config;
  config << in.rdbuf();
  if (!in) {
    finding.error = fmt::format("cannot read '{}'", finding.style_file);
    return finding;
  }
  clang::format::FormatStyle style =
      clang::format::getLLVMStyle(clang::format::FormatStyle::LK_Cpp);
  if (const std::error_code code = clang::format::parseConfiguration(config.str(), &style)) {
    finding.error = fmt::format("'{}': {}", finding.style_file, code.message());
    return finding;
  }
  const clang::tooling::Replacements changes =
      clang::format::reformat(style, text, {clang::tooling::Range(0, unsigned(text.size()))}, path);
  finding.changes = changes.size();
  std::set<std::size_t> lines;
  for (const clang::tooling::Replacement& change : changes) {
    const std::size_t offset = change.getOffset();
    const std::size_t line = 1 + std::count(text.begin(), text.begin() + offset, '\n');
    const std::size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    const std::size_t column = offset - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
    lines.insert(line);
    if (finding.first_changes.size() < shown_count)
      finding.first_changes.push_back(fmt::format("{}:{}: {} -> {}", line, column,
                                                  shown(text.substr(offset, change.getLength())),
                                                  shown(change.getReplacementText().str())));
  }
  finding.lines = lines.size();
  return finding;
}

} // namespace cnnc::inspect
