// depthwise_conv2d: Keras' DepthwiseConv2D. Each input channel c has its own depth_multiplier
// filters, giving output channels c * depth_multiplier + m; the kernel is (kh, kw, in_channels,
// depth_multiplier). That is a grouped convolution with one group per input channel, with the
// same weights in the same order, so it runs conv2d's kernels (layers/convolution.cpp).
#include <fmt/core.h>

#include "layers/convolution.hpp"

namespace cnnc {
namespace {

int depth_multiplier(const Layer& layer) {
  return int(layer.value("depth_multiplier", 1));
}

std::optional<Shape> depthwise_shape(const ast::Layer& statement, const LayerInput& input,
                                     Layer& layer, CheckContext& context) {
  const auto window = read_conv_window(statement, context);
  const auto multiplier = count_option(statement, "depth_multiplier", 1, 1, context);
  const bool options = read_kernel_options(statement, layer, context);
  if (!window || !multiplier || !options || !input.shape) return std::nullopt;
  if (!needs_image(statement, input, context)) return std::nullopt;
  const int channels = input.shape->channels;
  if (std::int64_t(channels) * *multiplier > kMaxDimension) {
    context.error(statement.option("depth_multiplier")->span,
                  prefixed(statement.label,
                           fmt::format("{} input channels times depth_multiplier {} exceeds the "
                                       "limit of {} output channels",
                                       channels, *multiplier, with_commas(kMaxDimension))),
                  {origin_note(input)});
    return std::nullopt;
  }
  layer.values.push_back({"depth_multiplier", *multiplier});
  layer.groups = channels;
  layer.units = channels * *multiplier;
  if (!fit_conv_window(statement, input, *window, layer, context)) return std::nullopt;
  layer.output.channels = layer.units;
  return layer.output;
}

// Keras' layout and fans: the fans of a (kh, kw, in, out) kernel, with out the multiplier.
std::vector<TensorShape> depthwise_tensors(const Layer& layer) {
  const std::int64_t window = std::int64_t(layer.kernel_h) * layer.kernel_w;
  const int multiplier = depth_multiplier(layer);
  std::vector<TensorShape> tensors{
      {"kernel",
       {layer.kernel_h, layer.kernel_w, layer.input.channels, multiplier},
       window * layer.input.channels,
       window * multiplier,
       layer.kernel_init,
       true,
       layer.l2}};
  if (layer.use_bias)
    tensors.push_back(
        {"bias", {layer.units}, layer.units, layer.units, layer.bias_init, true, std::nullopt});
  return tensors;
}

std::string depthwise_description(const Layer& layer) {
  const int multiplier = depth_multiplier(layer);
  const std::string multiplied =
      multiplier == 1 ? "" : fmt::format(", depth multiplier {}", multiplier);
  return conv_window_description(layer) + multiplied + ", " + keyword(layer.activation);
}

} // namespace

extern const LayerType kDepthwiseConv2d{
    .keyword = "depthwise_conv2d",
    .keras_name = "DepthwiseConv2D",
    .default_name = "depthwise_conv2d",
    .slots = {{SlotType::Size, "the kernel size"}},
    .activation_positional = true,
    .options = {option::kStride,
                option::kPadding,
                option::kName,
                option::kInit,
                option::kBiasInit,
                option::kActivation,
                option::kBias,
                option::kL2,
                {"dilation", OptionType::Size},
                {"depth_multiplier", OptionType::Number}},
    .usage = "KxK [ACTIVATION] [stride=S|SHxSW] [padding=valid|same|P|PHxPW] [name=ID] "
             "[init=INIT] [bias_init=INIT] [bias=false] [l2=F] [dilation=D|DHxDW] "
             "[depth_multiplier=M]",
    .example = "depthwise_conv2d 3x3 relu",
    .aliases = {"depthwiseconv2d", "depthwise_conv", "depthwise"},
    .shape = depthwise_shape,
    .tensors = depthwise_tensors,
    .owns_output = true,
    .extra_buffers = conv_buffers,
    .forward = conv_forward,
    .backward = conv_backward,
    .cost = conv_cost,
    .describe = depthwise_description,
    .one_sample = &kConvOneSample,
};

} // namespace cnnc
