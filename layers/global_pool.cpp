// global_avgpool: Keras' GlobalAveragePooling2D, an HxWxC image to the C means of its channels.
// Forward sums a block of channels over the positions in accumulators; backward spreads each
// channel's gradient evenly over the positions.
#include <fmt/core.h>

#include "layers/rules.hpp"

namespace cnnc {
namespace {

int positions(const Layer& layer) {
  return layer.input.height * layer.input.width;
}

std::string mean_scale(const Layer& layer) {
  return fmt::format("(T(1) / T({}))", positions(layer));
}

void global_avg_forward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const int channels = layer.input.channels;
  const Blocks blocks = split_blocks(channels, kMaxAccumulators);
  const auto nest = plan_loops({{"cb", blocks.count}, {"p", positions(layer)}}, blocks.size,
                               context.unroll_budget);
  const Affine p = Affine::var("p");
  Bindings b;
  emit_blocks(out, blocks, nest[0], b, [&](const Affine& start, int size) {
    out.open_scope("");
    out.linef("T acc[{}][L] = {{}};", size);
    emit_loop(out, nest[1], b, [&] {
      for (int c = 0; c < size; ++c)
        out.lane(
            fmt::format("acc[{}][l] += {};", c, at(context.input, p * channels + start + c, b)));
    });
    out.lane_break();
    for (int c = 0; c < size; ++c)
      out.lane(fmt::format("{} = acc[{}][l] * {};", at(context.output, start + c, b), c,
                           mean_scale(layer)));
    out.close_scope("block of channels");
  });
}

void global_avg_backward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  if (context.first()) return;
  const int channels = layer.input.channels;
  const auto nest =
      plan_loops({{"p", positions(layer)}, {"c", channels}}, 1, context.unroll_budget);
  const Affine p = Affine::var("p"), c = Affine::var("c");
  Bindings b;
  emit_loop(out, nest[0], b, [&] {
    emit_loop(out, nest[1], b, [&] {
      out.lane(fmt::format("{} = {} * {};", at(context.input_grad, p * channels + c, b),
                           at(context.output_grad, c, b), mean_scale(layer)));
    });
  });
}

LayerCost global_avg_cost(const Layer& layer, bool first) {
  const std::uint64_t values = std::uint64_t(layer.input.size());
  return {values, first ? 0 : values};
}

std::optional<Shape> global_avg_shape(const ast::Layer& statement, const LayerInput& input, Layer&,
                                      CheckContext& context) {
  if (!input.shape || !needs_image(statement, input, context)) return std::nullopt;
  return Shape::vector(input.shape->channels);
}

std::string global_avg_description(const Layer& layer) {
  return fmt::format("the mean of {} positions per channel", positions(layer));
}

} // namespace

extern const LayerType kGlobalAvgPool{
    .keyword = "global_avgpool",
    .keras_name = "GlobalAveragePooling2D",
    .default_name = "global_average_pooling2d",
    .slots = {},
    .activation_positional = false,
    .options = {option::kName},
    .usage = "no values, only [name=ID]",
    .example = "global_avgpool",
    .aliases = {"global_average_pooling2d", "globalaveragepooling2d", "GlobalAveragePooling2D",
                "global_avg_pool", "global_avgpool2d"},
    .shape = global_avg_shape,
    .tensors = no_tensors,
    .owns_output = true,
    .extra_buffers = no_buffers,
    .forward = global_avg_forward,
    .backward = global_avg_backward,
    .cost = global_avg_cost,
    .describe = global_avg_description,
};

} // namespace cnnc
