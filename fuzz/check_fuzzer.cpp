// The .cnn front end on any text: lexing, parsing, checking, the diagnostic printer and the
// summary must neither crash nor throw; errors in the text are diagnostics.
#include "dsl/driver.hpp"
#include "fuzz_input.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  const cnnc::CheckResult result = cnnc::check_text("fuzz.cnn", std::move(text));
  // A model exactly when no diagnostic is an error (warnings may come with one).
  const bool errors =
      std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                  [](const cnnc::Diagnostic& d) { return d.severity == cnnc::Severity::Error; });
  if (result.model.has_value() == errors) cnnc::fuzz::fail("a model with errors, or none without");
  std::ostringstream out;
  cnnc::print_diagnostics(out, result, false);
  if (!result.diagnostics.empty() && out.str().empty())
    cnnc::fuzz::fail("diagnostics that print nothing");
  if (result.model) out << cnnc::format_summary(*result.model);
  return 0;
}
