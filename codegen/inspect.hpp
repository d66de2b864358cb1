// `cnnc inspect`: one layer's kernels as the generator emits them, with their shapes and cost.
#pragma once

#include <optional>
#include <string>

#include "codegen/emit.hpp"
#include "dsl/model.hpp"

namespace cnnc {

// The comment, forward and backward kernels of `layer` from the model's header; nullopt when
// the model has no layer of that name. A flatten layer's text says it has no code.
std::optional<std::string> inspect_layer(const Model& model, const EmitOptions& options,
                                         const std::string& layer);

} // namespace cnnc
