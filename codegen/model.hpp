// The generated header of one model: banner, constants, description tables, workspace, kernels
// and the forward / loss / backward drivers.
#pragma once

#include <string>

#include "codegen/emit.hpp"
#include "dsl/model.hpp"

namespace cnnc {

std::string emit_model_header(const Model& model, const EmitOptions& options);

// "conv2d_1" + "kernel" -> "kConv2d1Kernel": the named offset of a parameter tensor.
std::string offset_constant(const std::string& layer, const std::string& role);

} // namespace cnnc
