// The generated header of one model: banner, constants, description tables, workspace, kernels
// and the forward / loss / backward drivers.
#pragma once

#include <string>

#include "codegen/emit.hpp"
#include "dsl/model.hpp"

namespace cnnc {

std::string emit_model_header(const Model& model, const EmitOptions& options);

} // namespace cnnc
