// Diagnostics: the errors a user's file causes, as values with a source span, printed in one
// place in compiler form (`file:line:col: error: message`, the source line, a caret).
#pragma once

#include <string>
#include <vector>

#include "dsl/source.hpp"

namespace cnnc {

enum class Severity { Error, Warning, Note };

struct Note {
  Span span; // line 0: a note with no location
  std::string message;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  Span span; // line 0: about the whole file (it does not exist, is not text, ...)
  std::string message;
  std::vector<Note> notes;
};

} // namespace cnnc
