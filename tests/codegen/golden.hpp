// Text comparison for golden files and regenerated headers: the first differing line, shown
// with its neighbours, instead of two walls of text.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace cnnc::test {

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Empty when equal; otherwise where the first difference is and the lines around it.
inline std::string first_difference(const std::string& expected, const std::string& actual) {
  if (expected == actual) return {};
  const auto want = split_lines(expected), got = split_lines(actual);
  std::size_t line = 0;
  while (line < want.size() && line < got.size() && want[line] == got[line]) ++line;
  std::ostringstream out;
  out << "first difference at line " << line + 1 << " (expected " << want.size() << " lines, got "
      << got.size() << ")\n";
  const std::size_t from = line >= 2 ? line - 2 : 0;
  for (std::size_t i = from; i < line; ++i) out << "    " << want[i] << "\n";
  out << "  expected: " << (line < want.size() ? want[line] : "<end of text>") << "\n";
  out << "  actual:   " << (line < got.size() ? got[line] : "<end of text>") << "\n";
  if (line == want.size() && line == got.size()) out << "  (the texts differ in line endings)\n";
  return out.str();
}

inline bool read_file(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return true;
}

} // namespace cnnc::test
