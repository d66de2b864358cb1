// conv2d: Keras' Conv2D, with dilation= and groups=; its kernels are layers/convolution.cpp.
#include <fmt/core.h>

#include "layers/convolution.hpp"
#include "layers/fixed_filters.hpp"

namespace cnnc {
namespace {

// `groups=G`: the group count, which must divide the input channels and the filters.
std::optional<int> read_groups(const ast::Layer& statement, CheckContext& context) {
  const ast::Option* option = statement.option("groups");
  if (!option) return 1;
  return read_count(*option->number, statement.label, "group count", 1, context);
}

bool groups_divide(const ast::Layer& statement, const LayerInput& input, int groups, int filters,
                   CheckContext& context) {
  if (groups == 1) return true;
  const Span span = statement.option("groups")->span;
  if (input.shape->channels % groups != 0) {
    context.error(span,
                  prefixed(statement.label,
                           fmt::format("groups={} does not divide the {} input channels (each "
                                       "group takes an equal share of them)",
                                       groups, input.shape->channels)),
                  {origin_note(input)});
    return false;
  }
  if (filters % groups != 0) {
    context.error(span, prefixed(statement.label,
                                 fmt::format("groups={} does not divide the {} filters (each group "
                                             "makes an equal share of them)",
                                             groups, filters)));
    return false;
  }
  return true;
}

std::optional<Shape> conv_shape(const ast::Layer& statement, const LayerInput& input, Layer& layer,
                                CheckContext& context) {
  const auto& label = statement.label;
  const auto filters = read_count(*statement.units, label, "filter count", 1, context);
  const auto window = read_conv_window(statement, context);
  const auto groups = read_groups(statement, context);
  const bool options = read_kernel_options(statement, layer, context);
  if (!filters || !window || !groups || !options || !input.shape) return std::nullopt;
  if (!needs_image(statement, input, context)) return std::nullopt;
  if (!groups_divide(statement, input, *groups, *filters, context)) return std::nullopt;
  layer.units = *filters;
  layer.groups = *groups;
  if (!fit_conv_window(statement, input, *window, layer, context)) return std::nullopt;
  layer.output.channels = *filters;
  if (!read_fixed_filters(statement, layer, context)) return std::nullopt;
  return layer.output;
}

std::vector<TensorShape> conv_tensors(const Layer& layer) {
  const std::int64_t window = std::int64_t(layer.kernel_h) * layer.kernel_w;
  const int inputs = layer.input.channels / layer.groups; // each filter sees its group's inputs
  std::vector<TensorShape> tensors{{"kernel",
                                    {layer.kernel_h, layer.kernel_w, inputs, layer.units},
                                    window * inputs,
                                    window * layer.units,
                                    layer.kernel_init,
                                    true,
                                    layer.l2}};
  if (layer.use_bias)
    tensors.push_back(
        {"bias", {layer.units}, layer.units, layer.units, layer.bias_init, true, std::nullopt});
  if (!layer.fixed_kernel.empty()) {
    // Fixed filters: the model file's values, not trained, not initialised, not penalised.
    tensors[0].values = layer.fixed_kernel;
    if (layer.use_bias) tensors[1].values = layer.fixed_bias;
    for (TensorShape& tensor : tensors) {
      tensor.trainable = false;
      tensor.init = {InitKind::Zeros, 0};
      tensor.l2 = 0.0;
    }
  }
  return tensors;
}

std::string conv_description(const Layer& layer) {
  const std::string groups = layer.groups == 1 ? "" : fmt::format(", {} groups", layer.groups);
  return conv_window_description(layer) + groups + ", " + keyword(layer.activation);
}

} // namespace

extern const LayerType kConv2d{
    .keyword = "conv2d",
    .keras_name = "Conv2D",
    .default_name = "conv2d",
    .slots = {{SlotType::Count, "the filter count"}, {SlotType::Size, "the kernel size"}},
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
                {"groups", OptionType::Number}},
    .usage = "FILTERS KxK [ACTIVATION] [stride=S|SHxSW] [padding=valid|same|P|PHxPW] [name=ID] "
             "[init=INIT] [bias_init=INIT] [bias=false] [l2=F] [dilation=D|DHxDW] [groups=G]",
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
    .one_sample = &kConvOneSample,
    .takes_filters = true,
};

} // namespace cnnc
