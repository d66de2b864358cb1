// activation: a standalone element-wise activation (or softmax over channels). When it is the
// output fused with the loss, its backward passes the loss's gradient through unchanged.
#include <fmt/core.h>

#include "layers/rules.hpp"

namespace cnnc {
namespace {

void copy(CodeWriter& out, const std::string& from, const std::string& to, const Shape& shape,
          Activation activation, std::int64_t budget) {
  const auto nest = plan_loops({{"i", int(shape.size())}}, 1, budget);
  Bindings b;
  emit_loop(out, nest[0], b, [&] {
    const Affine i = Affine::var("i");
    out.lane(fmt::format("{} = {};", at(to, i, b), apply_activation(activation, at(from, i, b))));
  });
}

void activation_forward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  copy(out, context.input, context.output, layer.output, layer.activation, context.unroll_budget);
  if (layer.activation == Activation::Softmax)
    emit_activation_forward(out, layer.activation, context.output, layer.output,
                            context.unroll_budget);
}

void activation_backward(CodeWriter& out, const LayerContext& context) {
  if (context.first()) return;
  const Layer& layer = context.l();
  if (!context.loss_fused)
    emit_activation_backward(out, layer.activation, context.output_grad, context.output,
                             layer.output, context.unroll_budget);
  copy(out, context.output_grad, context.input_grad, layer.output, Activation::Linear,
       context.unroll_budget);
}

LayerCost activation_cost(const Layer& layer, bool first) {
  const std::uint64_t n = std::uint64_t(layer.output.size());
  return {n, first ? 0 : n};
}

std::optional<Shape> activation_shape(const ast::Layer&, const LayerInput& input, Layer&,
                                      CheckContext&) {
  return input.shape;
}

std::string activation_description(const Layer& layer) {
  return keyword(layer.activation);
}

} // namespace

extern const LayerType kActivation{
    .keyword = "activation",
    .keras_name = "Activation",
    .default_name = "activation",
    .slots = {{SlotType::Activation, "the activation"}},
    .activation_positional = false,
    .options = {option::kName},
    .usage = "ACTIVATION [name=ID]",
    .example = "activation relu",
    .aliases = {},
    .shape = activation_shape,
    .tensors = no_tensors,
    .owns_output = true,
    .extra_buffers = no_buffers,
    .forward = activation_forward,
    .backward = activation_backward,
    .cost = activation_cost,
    .describe = activation_description,
};

} // namespace cnnc
