// Shape rules (the lecture's, with TensorFlow's `same`): out = floor((d + pad - k) / s) + 1 per
// axis; `same` gives ceil(d / s) with the odd padding element at the bottom/right.
#include "dsl/shape_rules.hpp"

#include <fmt/core.h>

namespace cnnc {
namespace {

std::string size_text(int height, int width) {
  return fmt::format("{}x{}", height, width);
}

Note origin_note(const LayerInput& input) {
  if (input.origin_name.empty())
    return {input.origin, fmt::format("the model's input is {}", to_string(*input.shape))};
  return {input.origin,
          fmt::format("the {} input comes from {}", to_string(*input.shape), input.origin_name)};
}

// A layer's padding as written: valid (the default), same, or explicit sizes per side.
struct PaddingRequest {
  bool same = false;
  int height = 0, width = 0; // explicit padding on each side
  std::string text = "valid";
};

// Checked before the input shape is known, so a bad padding is reported even when an earlier
// error leaves the input unknown.
std::optional<PaddingRequest> read_padding(const ast::Layer& statement, const char* what,
                                           std::pair<int, int> window, CheckContext& context) {
  PaddingRequest request;
  if (!statement.padding) return request;
  const std::string& label = statement.label;
  if (statement.padding->mode) {
    const std::string& mode = statement.padding->mode->text;
    if (mode != "same" && mode != "valid") {
      context.error(statement.padding->span,
                    prefixed(label, fmt::format("unknown padding '{}' (expected valid, same, a "
                                                "size P or PHxPW)",
                                                mode)));
      return std::nullopt;
    }
    request.same = mode == "same";
    request.text = mode;
    return request;
  }
  const auto amount = read_pair(*statement.padding->amount, label, "padding", 0, context);
  if (!amount) return std::nullopt;
  if (amount->first >= window.first || amount->second >= window.second) {
    context.error(statement.padding->span,
                  prefixed(label, fmt::format("padding {} is not smaller than the {} {}; some "
                                              "windows would see only padding",
                                              statement.padding->amount->text, what,
                                              size_text(window.first, window.second))));
    return std::nullopt;
  }
  request.height = amount->first;
  request.width = amount->second;
  request.text = statement.padding->amount->text;
  return request;
}

// Stride, padding and output size of a sliding window (a conv2d kernel or a pool) over an image
// input; false after reporting why the window does not fit.
bool slide_window(const ast::Layer& statement, const LayerInput& input, const char* what,
                  std::pair<int, int> window, std::pair<int, int> stride,
                  const PaddingRequest& padding, Layer& layer, CheckContext& context) {
  const Shape& in = *input.shape;
  const std::string& label = statement.label;
  layer.kernel_h = window.first;
  layer.kernel_w = window.second;
  layer.stride_h = stride.first;
  layer.stride_w = stride.second;
  if (padding.same) {
    const auto pad = [](int size, int kernel, int step) {
      const std::int64_t out = (std::int64_t(size) + step - 1) / step;
      return int(std::max<std::int64_t>((out - 1) * step + kernel - size, 0));
    };
    const int total_h = pad(in.height, window.first, stride.first);
    const int total_w = pad(in.width, window.second, stride.second);
    layer.padding = {total_h / 2, total_h - total_h / 2, total_w / 2, total_w - total_w / 2};
  } else {
    layer.padding = {padding.height, padding.height, padding.width, padding.width};
  }
  const std::string& padding_text = padding.text;
  const std::int64_t padded_h = std::int64_t(in.height) + layer.padding.top + layer.padding.bottom;
  const std::int64_t padded_w = std::int64_t(in.width) + layer.padding.left + layer.padding.right;
  if (window.first > padded_h || window.second > padded_w) {
    const std::string padded =
        padding_text == "valid" || padding_text == "same"
            ? fmt::format("padding {}", padding_text)
            : fmt::format("padding {}, padded to {}x{}", padding_text, padded_h, padded_w);
    context.error(
        statement.size->span,
        prefixed(label, fmt::format("{} {} does not fit its {} input ({})", what,
                                    size_text(window.first, window.second), to_string(in), padded)),
        {origin_note(input)});
    return false;
  }
  layer.output.height = int((padded_h - window.first) / stride.first + 1);
  layer.output.width = int((padded_w - window.second) / stride.second + 1);
  return true;
}

bool needs_image(const ast::Layer& statement, const LayerInput& input, CheckContext& context) {
  if (input.shape->rank == 3) return true;
  context.error(
      statement.keyword,
      prefixed(statement.label, fmt::format("{} needs an image input (HxWxC), but its input is the "
                                            "vector {}",
                                            keyword(statement.kind), to_string(*input.shape))),
      {origin_note(input)});
  return false;
}

std::optional<Shape> conv2d(const ast::Layer& statement, const LayerInput& input, Layer& layer,
                            CheckContext& context) {
  const auto& label = statement.label;
  const auto filters = read_count(*statement.units, label, "filter count", 1, context);
  const auto kernel = read_pair(*statement.size, label, "kernel size", 1, context);
  const auto stride = statement.stride ? read_pair(*statement.stride, label, "stride", 1, context)
                                       : std::optional(std::pair{1, 1});
  const auto padding = kernel ? read_padding(statement, "kernel", *kernel, context) : std::nullopt;
  if (!filters || !kernel || !stride || !padding || !input.shape) return std::nullopt;
  if (!needs_image(statement, input, context)) return std::nullopt;
  layer.units = *filters;
  if (!slide_window(statement, input, "kernel", *kernel, *stride, *padding, layer, context))
    return std::nullopt;
  layer.output.channels = *filters;
  const std::int64_t weights = capped_product(
      capped_product(capped_product(kernel->first, kernel->second), input.shape->channels),
      *filters);
  layer.params = weights > kMaxElements ? weights : weights + *filters;
  return layer.output;
}

std::optional<Shape> pool(const ast::Layer& statement, const LayerInput& input, Layer& layer,
                          CheckContext& context) {
  const auto& label = statement.label;
  const auto size = read_pair(*statement.size, label, "pool size", 1, context);
  // The lecture's default: a pool's stride is its size, so windows do not overlap.
  const auto stride =
      statement.stride ? read_pair(*statement.stride, label, "stride", 1, context) : size;
  const auto padding = size ? read_padding(statement, "pool", *size, context) : std::nullopt;
  if (!size || !stride || !padding || !input.shape) return std::nullopt;
  if (!needs_image(statement, input, context)) return std::nullopt;
  if (!slide_window(statement, input, "pool", *size, *stride, *padding, layer, context))
    return std::nullopt;
  layer.output.channels = input.shape->channels;
  return layer.output;
}

std::optional<Shape> flatten(const ast::Layer& statement, const LayerInput& input, Layer& layer,
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
  layer.output = Shape::vector(int(input.shape->size()));
  return layer.output;
}

std::optional<Shape> dense(const ast::Layer& statement, const LayerInput& input, Layer& layer,
                           CheckContext& context) {
  const auto units = read_count(*statement.units, statement.label, "unit count", 1, context);
  if (!units) return std::nullopt;
  layer.units = *units;
  layer.output = Shape::vector(*units);
  if (!input.shape) return layer.output;
  if (input.shape->rank == 3) {
    // Keras would apply the layer to the last axis only; here that is almost always a missing
    // flatten, so it is an error.
    context.error(statement.keyword,
                  prefixed(statement.label,
                           fmt::format("dense needs a vector input, but its input is the image "
                                       "{}; add 'flatten' before it",
                                       to_string(*input.shape))),
                  {origin_note(input)});
  }
  // On an image input this counts the weights as if it were flattened, which is what the
  // missing flatten would give, so a `params` assertion is not reported a second time.
  const std::int64_t weights = capped_product(input.shape->size(), *units);
  layer.params = weights > kMaxElements ? weights : weights + *units;
  return layer.output;
}

std::optional<Shape> activation(const ast::Layer&, const LayerInput& input, Layer& layer,
                                CheckContext&) {
  if (!input.shape) return std::nullopt;
  layer.output = *input.shape;
  return layer.output;
}

} // namespace

RuleResult apply_shape_rule(const ast::Layer& statement, const LayerInput& input, Layer& layer,
                            CheckContext& context) {
  if (input.shape) layer.input = *input.shape;
  std::optional<Shape> output;
  switch (statement.kind) {
  case LayerKind::Conv2D:
    output = conv2d(statement, input, layer, context);
    break;
  case LayerKind::MaxPool:
  case LayerKind::AvgPool:
    output = pool(statement, input, layer, context);
    break;
  case LayerKind::Flatten:
    output = flatten(statement, input, layer, context);
    break;
  case LayerKind::Dense:
    output = dense(statement, input, layer, context);
    break;
  case LayerKind::Activation:
    output = activation(statement, input, layer, context);
    break;
  }
  if (!output) return {};
  if (layer.params > kMaxElements) {
    layer.params = 0; // reported here, not again in the model's total
    context.error(
        statement.keyword,
        prefixed(statement.label, fmt::format("the layer would have more than {} parameters",
                                              with_commas(kMaxElements))));
    return {};
  }
  if (output->size() > kMaxElements) {
    context.error(
        statement.keyword,
        prefixed(statement.label, fmt::format("its output {} has more than {} values",
                                              to_string(*output), with_commas(kMaxElements))));
    return {};
  }
  return {output, input.shape.has_value()};
}

} // namespace cnnc
