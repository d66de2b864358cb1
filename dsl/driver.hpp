// The DSL's front door: a path in, a checked model or diagnostics out.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "dsl/diagnostic.hpp"
#include "dsl/model.hpp"
#include "dsl/source.hpp"

namespace cnnc {

struct CheckResult {
  SourceFile source;
  std::vector<Diagnostic> diagnostics; // every error found, in source order
  std::optional<Model> model;          // set when there is no error
};

// Reads, lexes, parses and checks a .cnn file. Never throws for anything the file contains.
CheckResult check_file(const std::string& path);
// The same for text already in memory (tests, fuzzing); `path` is only used in messages.
CheckResult check_text(const std::string& path, std::string text);

// Prints every diagnostic: `file:line:col: error: message`, the source line, a caret (and
// tildes) under the span, then its notes. `color` adds ANSI colors.
void print_diagnostics(std::ostream& out, const CheckResult& result, bool color);

// The Keras-like summary: one row per layer (name, kind, output shape, parameters), the totals,
// then the training setup.
std::string format_summary(const Model& model);

} // namespace cnnc
