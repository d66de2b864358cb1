// The .cnn front end on any text: lexing, parsing, checking, the diagnostic printer and the
// summary must neither crash nor throw; errors in the text are diagnostics.
#include "dsl/driver.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  const cnnc::CheckResult result = cnnc::check_text("fuzz.cnn", std::move(text));
  // A model exactly when there is no error.
  if (result.model.has_value() == !result.diagnostics.empty()) std::abort();
  std::ostringstream out;
  cnnc::print_diagnostics(out, result, false);
  if (!result.diagnostics.empty() && out.str().empty()) std::abort();
  if (result.model) out << cnnc::format_summary(*result.model);
  return 0;
}
