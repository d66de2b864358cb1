// flatten: no code. Activations are stored (y, x, c) with the lanes innermost, which is already
// Keras' flattening order, so the output is the input's memory read as a vector.
#include <fmt/core.h>

#include "layers/rules.hpp"

namespace cnnc {
namespace {

std::optional<Shape> flatten_shape(const ast::Layer& statement, const LayerInput& input, Layer&,
                                   CheckContext& context) {
  if (!input.shape) return std::nullopt;
  if (input.shape->rank == 1) {
    context.error(statement.keyword,
                  prefixed(statement.label,
                           fmt::format("its input is already the vector {}; flatten needs an "
                                       "image (HxWxC)",
                                       to_string(*input.shape))),
                  {origin_note(input)});
  }
  return Shape::vector(int(input.shape->size()));
}

LayerCost no_cost(const Layer&, bool) {
  return {};
}

} // namespace

extern const LayerType kFlatten{
    .keyword = "flatten",
    .keras_name = "Flatten",
    .default_name = "flatten",
    .slots = {},
    .activation_positional = false,
    .options = {option::kName},
    .usage = "no values, only [name=ID]",
    .example = "flatten",
    .aliases = {"reshape"},
    .shape = flatten_shape,
    .tensors = no_tensors,
    .owns_output = false,
    .extra_buffers = no_buffers,
    .forward = no_code,
    .backward = no_code,
    .cost = no_cost,
    .describe = no_description,
};

} // namespace cnnc
