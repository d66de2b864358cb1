// The code generator's front door: one header per model.
#include "codegen/emit.hpp"

#include "codegen/model.hpp"

namespace cnnc {

std::vector<EmittedFile> emit_model(const Model& model, const EmitOptions& options) {
  const std::string name = options.name.empty() ? model.name : options.name;
  return {EmittedFile{name + ".hpp", emit_model_header(model, options)}};
}

} // namespace cnnc
