// Helpers shared by the dsl tests: checking text, listing its errors, reading files and golden
// files (CNNC_UPDATE_GOLDEN=1 rewrites them).
#pragma once

#include <string>
#include <vector>

#include "dsl/driver.hpp"

namespace cnnc::test {

CheckResult check(const std::string& text);
// Every error as "line:column: message" (notes as "  note line:column: message").
std::vector<std::string> errors(const std::string& text);
std::string printed(const CheckResult& result);

std::string source_path(const std::string& relative); // under the repository
std::string read_file(const std::string& path);
std::vector<std::string> model_files(); // models/*.cnn, sorted, relative to the repository

// Compares `actual` with the golden file tests/golden/<relative>; with CNNC_UPDATE_GOLDEN=1
// writes it instead. Returns an explanation of the first difference, or "" when equal.
std::string golden_mismatch(const std::string& relative, const std::string& actual);

} // namespace cnnc::test
