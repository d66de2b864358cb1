// The shape rules' shared parts: notes on where an input comes from, and sliding windows (the
// lecture's rule, with TensorFlow's `same`): out = floor((d + pad - k) / s) + 1 per axis; `same`
// gives ceil(d / s) with the odd padding element at the bottom/right.
#include "layers/rules.hpp"

#include <cmath>

#include <fmt/core.h>

namespace cnnc {

namespace {

std::string size_text(int height, int width) {
  return fmt::format("{}x{}", height, width);
}

} // namespace

std::optional<std::pair<int, int>> size_option(const ast::Layer& statement, std::string_view key,
                                               std::int64_t minimum, std::pair<int, int> fallback,
                                               CheckContext& context) {
  const ast::Option* option = statement.option(key);
  if (!option) return fallback;
  return read_pair(*option->size, statement.label, key, minimum, context);
}

std::optional<int> count_option(const ast::Layer& statement, std::string_view key,
                                std::int64_t minimum, int fallback, CheckContext& context) {
  const ast::Option* option = statement.option(key);
  if (!option) return fallback;
  return read_count(*option->number, statement.label, key, minimum, context);
}

std::optional<double> number_option(const ast::Layer& statement, std::string_view key,
                                    double minimum, double maximum, bool below_maximum,
                                    double fallback, CheckContext& context) {
  const ast::Option* option = statement.option(key);
  if (!option) return fallback;
  const double value = option->number->value;
  const bool inside = std::isfinite(value) && value >= minimum &&
                      (below_maximum ? value < maximum : value <= maximum);
  if (inside) return value;
  const std::string range = below_maximum
                                ? fmt::format("at least {} and less than {}", minimum, maximum)
                                : fmt::format("from {} to {}", minimum, maximum);
  context.error(option->span, prefixed(statement.label, fmt::format("{} must be {}, not {}", key,
                                                                    range, option->number->text)));
  return std::nullopt;
}

std::optional<bool> bool_option(const ast::Layer& statement, std::string_view key, bool fallback) {
  const ast::Option* option = statement.option(key);
  if (!option) return fallback;
  return option->word->text == "true";
}

bool read_kernel_options(const ast::Layer& statement, Layer& layer, CheckContext& context) {
  layer.use_bias = *bool_option(statement, "bias", true);
  if (statement.option("l2")) {
    const auto l2 = number_option(statement, "l2", 0, 1e6, false, 0, context);
    if (!l2) return false;
    layer.l2 = *l2;
  }
  return true;
}

Note origin_note(const LayerInput& input) {
  if (input.origin_name.empty())
    return {input.origin, fmt::format("the model's input is {}", to_string(*input.shape))};
  return {input.origin,
          fmt::format("the {} input comes from {}", to_string(*input.shape), input.origin_name)};
}

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

bool slide_window(const ast::Layer& statement, const LayerInput& input, const char* what,
                  std::pair<int, int> window, std::pair<int, int> stride,
                  const PaddingRequest& padding, Layer& layer, CheckContext& context) {
  const Shape& in = *input.shape;
  const std::string& label = statement.label;
  layer.kernel_h = window.first;
  layer.kernel_w = window.second;
  layer.stride_h = stride.first;
  layer.stride_w = stride.second;
  // The input cells a window spans: its taps are dilation apart.
  const std::int64_t span_h = std::int64_t(window.first - 1) * layer.dilation_h + 1;
  const std::int64_t span_w = std::int64_t(window.second - 1) * layer.dilation_w + 1;
  if (padding.same) {
    const auto pad = [](int size, std::int64_t kernel, int step) {
      const std::int64_t out = (std::int64_t(size) + step - 1) / step;
      return int(std::max<std::int64_t>((out - 1) * step + kernel - size, 0));
    };
    const int total_h = pad(in.height, span_h, stride.first);
    const int total_w = pad(in.width, span_w, stride.second);
    layer.padding = {total_h / 2, total_h - total_h / 2, total_w / 2, total_w - total_w / 2};
  } else {
    layer.padding = {padding.height, padding.height, padding.width, padding.width};
  }
  const std::string& padding_text = padding.text;
  const std::int64_t padded_h = std::int64_t(in.height) + layer.padding.top + layer.padding.bottom;
  const std::int64_t padded_w = std::int64_t(in.width) + layer.padding.left + layer.padding.right;
  if (span_h > padded_h || span_w > padded_w) {
    const std::string padded =
        padding_text == "valid" || padding_text == "same"
            ? fmt::format("padding {}", padding_text)
            : fmt::format("padding {}, padded to {}x{}", padding_text, padded_h, padded_w);
    const std::string spans =
        span_h == window.first && span_w == window.second
            ? ""
            : fmt::format(" (dilated, it spans {})", size_text(int(span_h), int(span_w)));
    context.error(statement.size->span,
                  prefixed(label, fmt::format("{} {}{} does not fit its {} input ({})", what,
                                              size_text(window.first, window.second), spans,
                                              to_string(in), padded)),
                  {origin_note(input)});
    return false;
  }
  layer.output.height = int((padded_h - span_h) / stride.first + 1);
  layer.output.width = int((padded_w - span_w) / stride.second + 1);
  return true;
}

bool needs_image(const ast::Layer& statement, const LayerInput& input, CheckContext& context) {
  if (input.shape->rank == 3) return true;
  context.error(
      statement.keyword,
      prefixed(statement.label, fmt::format("{} needs an image input (HxWxC), but its input is the "
                                            "vector {}",
                                            statement.type->keyword, to_string(*input.shape))),
      {origin_note(input)});
  return false;
}

} // namespace cnnc
