// One shape rule per layer kind: from the layer's statement and its input shape to its resolved
// Layer (kernel, stride, padding, parameter count) and output shape.
#pragma once

#include <optional>
#include <string>

#include "dsl/ast.hpp"
#include "dsl/check_context.hpp"
#include "dsl/model.hpp"

namespace cnnc {

struct LayerInput {
  std::optional<Shape> shape; // unknown after an earlier error
  Span origin;                // the statement that produced it: a layer, or the input line
  std::string origin_name;    // that layer's name; empty for the model's input
};

struct RuleResult {
  std::optional<Shape> output; // nullopt: unknown (later layers are not checked against it)
  bool params_known = false;   // dense knows its output but not its weights on unknown input
};

// Reports what is wrong with the layer's values and its fit to the input; returns the output
// shape when it can be known.
RuleResult apply_shape_rule(const ast::Layer& statement, const LayerInput& input, Layer& layer,
                            CheckContext& context);

} // namespace cnnc
