// conv2d: forward (accumulators for a block of output channels per output position, the filter
// window unrolled into constant offsets) and backward (bias, kernel and input gradients).
#include <fmt/core.h>

#include "layers/rules.hpp"

namespace cnnc {
namespace {

std::vector<Buffer> conv_buffers(const LayerContext& context) {
  const Layer& layer = context.l();
  if (!padded(layer)) return {};
  const Shape shape = padded_shape(layer);
  std::vector<Buffer> buffers{
      {layer.name + "_padded", shape.size(), to_string(shape) + ", the input zero-padded"}};
  if (!context.first())
    buffers.push_back({layer.name + "_padded_grad", shape.size(), "its gradient", false});
  return buffers;
}

// Index of input pixel (oy * stride + ky, ox * stride + kx), channel c, in the (padded) input.
Affine input_index(const Layer& layer, const Affine& ky, const Affine& kx, const Affine& c) {
  const Shape in = padded_shape(layer);
  const Affine oy = Affine::var("oy"), ox = Affine::var("ox");
  return ((oy * layer.stride_h + ky) * in.width + ox * layer.stride_w + kx) * in.channels + c;
}

Affine kernel_index(const Layer& layer, const Affine& ky, const Affine& kx, const Affine& c,
                    const Affine& o) {
  return ((ky * layer.kernel_w + kx) * layer.input.channels + c) * layer.units + o;
}

void conv_forward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const std::int64_t budget = context.unroll_budget;
  std::string source = context.input;
  if (padded(layer)) {
    source = layer.name + "_padded";
    emit_fill(out, source, padded_shape(layer).size(), "T(0)", budget);
    emit_padded_copy(out, layer, layer.input, context.input, source, true, budget);
  }
  const Blocks blocks = split_blocks(layer.units, kMaxAccumulators);
  const auto nest = plan_loops({{"oy", layer.output.height},
                                {"ox", layer.output.width},
                                {"ob", blocks.count},
                                {"c", layer.input.channels},
                                {"ky", layer.kernel_h, true},
                                {"kx", layer.kernel_w, true}},
                               blocks.size, budget);
  const Affine ky = Affine::var("ky"), kx = Affine::var("kx"), c = Affine::var("c");
  const Affine position = Affine::var("oy") * layer.output.width + Affine::var("ox");
  Bindings b;
  emit_loop(out, nest[0], b, [&] {
    emit_loop(out, nest[1], b, [&] {
      emit_blocks(out, blocks, nest[2], b, [&](const Affine& start, int size) {
        out.open_scope("");
        out.linef("T acc[{}][L];", size);
        for (int o = 0; o < size; ++o)
          out.lane(fmt::format("acc[{}][l] = {};", o,
                               layer.use_bias ? param(context.offset("bias"), start + o, b)
                                              : "T(0)"));
        out.lane_break();
        emit_loop(out, nest[3], b, [&] {
          emit_loop(out, nest[4], b, [&] {
            emit_loop(out, nest[5], b, [&] {
              const std::string x = at(source, input_index(layer, ky, kx, c), b);
              for (int o = 0; o < size; ++o)
                emit_weighted(out, fmt::format("acc[{}][l] += {} * {};", o,
                                               param(context.offset("kernel"),
                                                     kernel_index(layer, ky, kx, c, start + o), b),
                                               x));
            });
          });
        });
        out.lane_break();
        for (int o = 0; o < size; ++o)
          out.lane(fmt::format("{} = {};",
                               at(context.output, position * layer.units + start + o, b),
                               apply_activation(layer.activation, fmt::format("acc[{}][l]", o))));
        out.close_scope("block of output channels");
      });
    });
  });
  if (layer.activation == Activation::Softmax)
    emit_activation_forward(out, layer.activation, context.output, layer.output, budget);
}

void conv_bias_grad(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const Blocks blocks = split_blocks(layer.units, kMaxAccumulators);
  const auto nest =
      plan_loops({{"ob", blocks.count}, {"p", layer.output.height * layer.output.width}},
                 blocks.size, context.unroll_budget);
  Bindings b;
  emit_blocks(out, blocks, nest[0], b, [&](const Affine& start, int size) {
    out.open_scope("");
    out.linef("T acc[{}][L] = {{}};", size);
    emit_loop(out, nest[1], b, [&] {
      for (int o = 0; o < size; ++o)
        out.lane(
            fmt::format("acc[{}][l] += {};", o,
                        at(context.output_grad, Affine::var("p") * layer.units + start + o, b)));
    });
    emit_reduce_block(out, "acc", size, context.offset("bias"), start, b, context.unroll_budget);
    out.close_scope("bias gradient block");
  });
}

void conv_kernel_grad(CodeWriter& out, const LayerContext& context, const std::string& source) {
  const Layer& layer = context.l();
  const Blocks blocks = split_blocks(layer.units, kMaxAccumulators);
  // The hot loop runs over the output positions; the window is an ordinary outer loop here.
  const auto nest = plan_loops({{"ky", layer.kernel_h},
                                {"kx", layer.kernel_w},
                                {"c", layer.input.channels},
                                {"ob", blocks.count},
                                {"oy", layer.output.height},
                                {"ox", layer.output.width}},
                               blocks.size, context.unroll_budget);
  const Affine ky = Affine::var("ky"), kx = Affine::var("kx"), c = Affine::var("c");
  const Affine position = Affine::var("oy") * layer.output.width + Affine::var("ox");
  Bindings b;
  emit_loop(out, nest[0], b, [&] {
    emit_loop(out, nest[1], b, [&] {
      emit_loop(out, nest[2], b, [&] {
        emit_blocks(out, blocks, nest[3], b, [&](const Affine& start, int size) {
          out.open_scope("");
          out.linef("T acc[{}][L] = {{}};", size);
          emit_loop(out, nest[4], b, [&] {
            emit_loop(out, nest[5], b, [&] {
              const std::string x = at(source, input_index(layer, ky, kx, c), b);
              for (int o = 0; o < size; ++o)
                out.lane(fmt::format("acc[{}][l] += {} * {};", o,
                                     at(context.output_grad, position * layer.units + start + o, b),
                                     x));
            });
          });
          emit_reduce_block(out, "acc", size, context.offset("kernel"),
                            kernel_index(layer, ky, kx, c, start), b, context.unroll_budget);
          out.close_scope("kernel gradient block");
        });
      });
    });
  });
}

void conv_input_grad(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const std::int64_t budget = context.unroll_budget;
  const std::string target = padded(layer) ? layer.name + "_padded_grad" : context.input_grad;
  emit_fill(out, target, padded_shape(layer).size(), "T(0)", budget);
  const Blocks blocks = split_blocks(layer.input.channels, kMaxAccumulators);
  const auto nest = plan_loops({{"oy", layer.output.height},
                                {"ox", layer.output.width},
                                {"ky", layer.kernel_h, true},
                                {"kx", layer.kernel_w, true},
                                {"cb", blocks.count},
                                {"o", layer.units}},
                               blocks.size, budget);
  const Affine ky = Affine::var("ky"), kx = Affine::var("kx"), o = Affine::var("o");
  const Affine position = Affine::var("oy") * layer.output.width + Affine::var("ox");
  Bindings b;
  emit_loop(out, nest[0], b, [&] {
    emit_loop(out, nest[1], b, [&] {
      emit_loop(out, nest[2], b, [&] {
        emit_loop(out, nest[3], b, [&] {
          emit_blocks(out, blocks, nest[4], b, [&](const Affine& start, int size) {
            out.open_scope("");
            out.linef("T acc[{}][L];", size);
            for (int c = 0; c < size; ++c)
              out.lane(fmt::format("acc[{}][l] = {};", c,
                                   at(target, input_index(layer, ky, kx, start + c), b)));
            out.lane_break();
            emit_loop(out, nest[5], b, [&] {
              const std::string g = at(context.output_grad, position * layer.units + o, b);
              for (int c = 0; c < size; ++c)
                emit_weighted(out, fmt::format("acc[{}][l] += {} * {};", c,
                                               param(context.offset("kernel"),
                                                     kernel_index(layer, ky, kx, start + c, o), b),
                                               g));
            });
            out.lane_break();
            for (int c = 0; c < size; ++c)
              out.lane(fmt::format("{} = acc[{}][l];",
                                   at(target, input_index(layer, ky, kx, start + c), b), c));
            out.close_scope("input gradient block");
          });
        });
      });
    });
  });
  if (padded(layer))
    emit_padded_copy(out, layer, layer.input, context.input_grad, target, false, budget);
}

void conv_backward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  if (!context.loss_fused)
    emit_activation_backward(out, layer.activation, context.output_grad, context.output,
                             layer.output, context.unroll_budget);
  if (layer.use_bias) conv_bias_grad(out, context);
  conv_kernel_grad(out, context, padded(layer) ? layer.name + "_padded" : context.input);
  if (!context.first()) conv_input_grad(out, context);
}

LayerCost conv_cost(const Layer& layer, bool first) {
  const std::uint64_t macs = std::uint64_t(layer.output.size()) * layer.kernel_h * layer.kernel_w *
                             std::uint64_t(layer.input.channels);
  return {2 * macs, (first ? 2 : 4) * macs};
}

std::optional<Shape> conv_shape(const ast::Layer& statement, const LayerInput& input, Layer& layer,
                                CheckContext& context) {
  const auto& label = statement.label;
  const auto filters = read_count(*statement.units, label, "filter count", 1, context);
  const auto kernel = read_pair(*statement.size, label, "kernel size", 1, context);
  const auto stride = statement.stride ? read_pair(*statement.stride, label, "stride", 1, context)
                                       : std::optional(std::pair{1, 1});
  const auto padding = kernel ? read_padding(statement, "kernel", *kernel, context) : std::nullopt;
  const bool options = read_kernel_options(statement, layer, context);
  if (!filters || !kernel || !stride || !padding || !options || !input.shape) return std::nullopt;
  if (!needs_image(statement, input, context)) return std::nullopt;
  layer.units = *filters;
  if (!slide_window(statement, input, "kernel", *kernel, *stride, *padding, layer, context))
    return std::nullopt;
  layer.output.channels = *filters;
  return layer.output;
}

std::vector<TensorShape> conv_tensors(const Layer& layer) {
  const std::int64_t window = std::int64_t(layer.kernel_h) * layer.kernel_w;
  std::vector<TensorShape> tensors{{"kernel",
                                    {layer.kernel_h, layer.kernel_w, layer.input.channels,
                                     layer.units},
                                    window * layer.input.channels,
                                    window * layer.units,
                                    layer.kernel_init,
                                    true,
                                    layer.l2}};
  if (layer.use_bias)
    tensors.push_back(
        {"bias", {layer.units}, layer.units, layer.units, layer.bias_init, true, std::nullopt});
  return tensors;
}

std::string conv_description(const Layer& layer) {
  return window_description(layer) + ", " + keyword(layer.activation);
}

} // namespace

extern const LayerType kConv2d{
    .keyword = "conv2d",
    .keras_name = "Conv2D",
    .default_name = "conv2d",
    .slots = {{SlotType::Count, "the filter count"}, {SlotType::Size, "the kernel size"}},
    .activation_positional = true,
    .options = {option::kStride, option::kPadding, option::kName, option::kInit,
                option::kBiasInit, option::kActivation, {"bias", OptionType::Bool},
                {"l2", OptionType::Number}},
    .usage = "FILTERS KxK [ACTIVATION] [stride=S|SHxSW] [padding=valid|same|P|PHxPW] [name=ID] "
             "[init=INIT] [bias_init=INIT] [bias=false] [l2=F]",
    .example = "conv2d 10 5x5 relu",
    .aliases = {"conv", "convolution", "conv2D", "convolution2d"},
    .shape = conv_shape,
    .tensors = conv_tensors,
    .owns_output = true,
    .extra_buffers = conv_buffers,
    .forward = conv_forward,
    .backward = conv_backward,
    .cost = conv_cost,
    .describe = conv_description,
};

} // namespace cnnc
