// dropout: Keras' inverted dropout. In training (a Workspace whose `training` is true) each
// value is kept with probability 1 - rate and scaled by 1 / (1 - rate), else zeroed; the keep
// decision of a lane comes from its seed and the (layer, unit) counter (cnn::counter_uniform),
// so a mask needs no state, and backward reads it back from the kept scales. In evaluation
// and inference it is the identity.
#include <cmath>

#include <fmt/core.h>

#include "layers/rules.hpp"

namespace cnnc {
namespace {

std::vector<Buffer> dropout_buffers(const LayerContext& context) {
  const Layer& layer = context.l();
  return {{layer.name + "_mask", layer.output.size(),
           "the scale each value was kept with in training (1 / (1 - rate), or 0), for backward",
           false}};
}

// for (int i = 0; i < size; ++i) CNNC_LANES for (l) <statements of i and l>
void each_value(CodeWriter& out, std::int64_t size, const std::vector<std::string>& statements) {
  out.open_scope(fmt::format("for (int i = 0; i < {}; ++i)", size));
  for (const std::string& statement : statements) out.lane(statement);
  out.close_scope();
}

std::string value(const std::string& buffer) {
  return fmt::format("ws.{}[i * L + l]", buffer);
}

void dropout_forward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const double rate = layer.value("rate");
  const std::int64_t size = layer.output.size();
  const std::string mask = value(layer.name + "_mask");
  out.open_scope("if constexpr (Ws<T, L>::kForBackward)");
  out.open_scope("if (ws.training)");
  out.linef("// Kept when counter_uniform(seed, dropout_counter({}, i)) >= {}.", context.index,
            rate);
  each_value(out, size,
             {fmt::format("{} = cnn::counter_uniform(ws.seeds[l], cnn::dropout_counter({}, i)) "
                          ">= {} ? T({}) : T(0);",
                          mask, context.index, rate, 1.0 / (1.0 - rate)),
              fmt::format("{} = {} * {};", value(context.output), value(context.input), mask)});
  out.line("return;");
  out.close_scope();
  out.close_scope();
  out.line("// Evaluation and inference: the identity.");
  each_value(out, size, {fmt::format("{} = {};", value(context.output), value(context.input))});
}

void dropout_backward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const std::int64_t size = layer.output.size();
  out.open_scope("if (ws.training)");
  each_value(out, size,
             {fmt::format("{} = {} * {};", value(context.input_grad), value(context.output_grad),
                          value(layer.name + "_mask"))});
  out.close_scope();
  out.open_scope("else");
  each_value(out, size,
             {fmt::format("{} = {};", value(context.input_grad), value(context.output_grad))});
  out.close_scope();
}

LayerCost dropout_cost(const Layer& layer, bool first) {
  const std::uint64_t n = std::uint64_t(layer.output.size());
  return {n, first ? 0 : n};
}

std::optional<Shape> dropout_shape(const ast::Layer& statement, const LayerInput& input,
                                   Layer& layer, CheckContext& context) {
  const ast::Number& rate = *statement.number;
  if (!std::isfinite(rate.value) || rate.value < 0 || rate.value >= 1) {
    context.error(rate.span,
                  prefixed(statement.label,
                           fmt::format("the rate is the fraction of values dropped, at least 0 "
                                       "and less than 1, not {}",
                                       rate.text)));
    return std::nullopt;
  }
  layer.values.emplace_back("rate", rate.value);
  return input.shape;
}

std::string dropout_description(const Layer& layer) {
  return fmt::format("rate {}", layer.value("rate"));
}

} // namespace

extern const LayerType kDropout{
    .keyword = "dropout",
    .keras_name = "Dropout",
    .default_name = "dropout",
    .slots = {{SlotType::Number, "the rate"}},
    .activation_positional = false,
    .options = {option::kName},
    .usage = "RATE [name=ID]",
    .example = "dropout 0.5",
    .aliases = {"drop"},
    .shape = dropout_shape,
    .tensors = no_tensors,
    .owns_output = true,
    .extra_buffers = dropout_buffers,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .cost = dropout_cost,
    .describe = dropout_description,
    .not_last = "it would drop outputs of the model; put it before a layer with weights",
};

} // namespace cnnc
