// Helpers shared by the dsl tests.
#include "support.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

namespace cnnc::test {

CheckResult check(const std::string& text) {
  return check_text("test.cnn", text);
}

std::vector<std::string> errors(const std::string& text) {
  std::vector<std::string> lines;
  for (const auto& diagnostic : check(text).diagnostics) {
    lines.push_back(
        fmt::format("{}:{}: {}", diagnostic.span.line, diagnostic.span.column, diagnostic.message));
    for (const auto& note : diagnostic.notes) {
      lines.push_back(
          fmt::format("  note {}:{}: {}", note.span.line, note.span.column, note.message));
    }
  }
  return lines;
}

std::string printed(const CheckResult& result) {
  std::ostringstream out;
  print_diagnostics(out, result, false);
  return out.str();
}

std::string source_path(const std::string& relative) {
  return std::string(CNNC_SOURCE_DIR) + "/" + relative;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> model_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(source_path("models"))) {
    if (entry.path().extension() == ".cnn")
      files.push_back("models/" + entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string golden_mismatch(const std::string& relative, const std::string& actual) {
  const std::string path = source_path("tests/golden/" + relative);
  const char* update = std::getenv("CNNC_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    const std::string temporary = path + ".tmp";
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      out << actual;
    }
    std::filesystem::rename(temporary, path);
    return "";
  }
  if (!std::filesystem::exists(path)) {
    return fmt::format("no golden file {} (run the tests with CNNC_UPDATE_GOLDEN=1 to write it)",
                       path);
  }
  const std::string expected = read_file(path);
  if (expected == actual) return "";
  std::size_t line = 1, at = 0;
  while (at < expected.size() && at < actual.size() && expected[at] == actual[at]) {
    if (expected[at] == '\n') ++line;
    ++at;
  }
  const auto line_of = [](const std::string& text, std::size_t at) {
    const auto begin = text.rfind('\n', at == 0 ? 0 : at - 1);
    const auto start = begin == std::string::npos || at == 0 ? 0 : begin + 1;
    return text.substr(start, text.find('\n', start) - start);
  };
  return fmt::format("{} differs at line {}:\n  golden: {}\n  actual: {}\n(CNNC_UPDATE_GOLDEN=1 "
                     "rewrites golden files)",
                     path, line, line_of(expected, at), line_of(actual, at));
}

} // namespace cnnc::test
