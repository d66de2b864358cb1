// The checker's pass over what the generator will emit for each layer: the identifiers made from
// layer names (against C++'s, the runtime's and each other) and the sizes of the workspace arrays
// (against the int indexes of the generated code).
#pragma once

#include <vector>

#include "dsl/ast.hpp"
#include "dsl/check_context.hpp"
#include "dsl/model.hpp"

namespace cnnc {

// `checked[i]`: layer i's input and output are known (its names and arrays can be listed).
// Reports at the layer's name (or keyword) the first of its emitted names that cannot be used
// or that an earlier layer also makes (with a note there), and every array over the limit.
void check_emitted_names(const Model& model, const ast::Program& program,
                         const std::vector<bool>& checked, CheckContext& context);

} // namespace cnnc
