// `cnnc inspect`: cuts one layer's kernels out of the emitted header, so what is shown is
// exactly what `generate` writes.
#include "codegen/inspect.hpp"

#include <fmt/core.h>

#include "codegen/model.hpp"
#include "layers/layer_type.hpp"

namespace cnnc {

namespace {

// The lines from the comment above `NAME_forward` to the line closing `NAME_backward` (or the
// forward kernel when there is no backward), dedented by the struct's indentation.
std::string kernel_text(const std::string& header, const std::string& name) {
  const std::string start_mark = "  // " + name + " forward:";
  std::size_t start = header.find("\n" + start_mark);
  if (start == std::string::npos) return {};
  ++start;
  std::size_t end = header.find("} // " + name + "_backward\n", start);
  if (end == std::string::npos) end = header.find("} // " + name + "_forward\n", start);
  if (end == std::string::npos) return {};
  end = header.find('\n', end) + 1;
  std::string text;
  for (std::size_t at = start; at < end;) {
    const std::size_t next = header.find('\n', at) + 1;
    std::string line = header.substr(at, next - at);
    text += line.rfind("  ", 0) == 0 ? line.substr(2) : line;
    at = next;
  }
  return text;
}

} // namespace

std::optional<std::string> inspect_layer(const Model& model, const EmitOptions& options,
                                         const std::string& layer) {
  for (const Layer& candidate : model.layers) {
    if (candidate.name != layer) continue;
    const std::string text = kernel_text(emit_model_header(model, options), layer);
    if (text.empty())
      return fmt::format("// {}: {} {} -> {}; no code (its output is its input's memory)\n", layer,
                         candidate.type->keras_name, to_string(candidate.input),
                         to_string(candidate.output));
    return text;
  }
  return std::nullopt;
}

} // namespace cnnc
