// The generator on every model the checker accepts: emission must not throw. The one failure it
// may report is a header beyond the size limit (kept small here so that each input stays fast);
// `cnnc generate` reports that one as an error in the file.
#include "codegen/emit.hpp"
#include "dsl/driver.hpp"
#include "fuzz_input.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  const cnnc::CheckResult result = cnnc::check_text("fuzz.cnn", std::move(text));
  if (!result.model) return -1; // not worth keeping in the corpus
  cnnc::EmitOptions options;
  options.max_header_bytes = std::int64_t(4) << 20;
  try {
    const auto files = cnnc::emit_model(*result.model, options);
    if (files.empty() || files.front().text.empty()) cnnc::fuzz::fail("no header emitted");
  } catch (const cnnc::HeaderTooLarge&) {
  }
  return 0;
}
