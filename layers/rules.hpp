// What the shape rules of the layer kinds share: readers of option values, the note that says
// where an input comes from, the check that an input is an image, and sliding windows (conv2d
// kernels, pools) with their stride, padding and dilation.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "layers/layer_type.hpp"

namespace cnnc {

// Readers of the options kept in ast::Layer::options: the option's value, `fallback` when the
// statement does not give it, or nullopt after reporting why the value is out of range.
std::optional<std::pair<int, int>> size_option(const ast::Layer& statement, std::string_view key,
                                               std::int64_t minimum, std::pair<int, int> fallback,
                                               CheckContext& context);
std::optional<int> count_option(const ast::Layer& statement, std::string_view key,
                                std::int64_t minimum, int fallback, CheckContext& context);
// A real number in [minimum, maximum] (or [minimum, maximum) when `below_maximum`).
std::optional<double> number_option(const ast::Layer& statement, std::string_view key,
                                    double minimum, double maximum, bool below_maximum,
                                    double fallback, CheckContext& context);
std::optional<bool> bool_option(const ast::Layer& statement, std::string_view key, bool fallback);

// `bias=` and `l2=` of a layer with a kernel, into layer.use_bias and layer.l2; false after
// reporting a bad value.
bool read_kernel_options(const ast::Layer& statement, Layer& layer, CheckContext& context);

// "the 24x24x10 input comes from conv2d_1", at that layer's statement.
Note origin_note(const LayerInput& input);

// False after reporting that `statement`'s layer needs an image (HxWxC) input.
bool needs_image(const ast::Layer& statement, const LayerInput& input, CheckContext& context);

// A layer's padding as written: valid (the default), same, or explicit sizes per side.
struct PaddingRequest {
  bool same = false;
  int height = 0, width = 0; // explicit padding on each side
  std::string text = "valid";
};

// The statement's `padding=`, checked against its window (`what` names it: "kernel", "pool").
// Checked before the input shape is known, so a bad padding is reported even when an earlier
// error leaves the input unknown.
std::optional<PaddingRequest> read_padding(const ast::Layer& statement, const char* what,
                                           std::pair<int, int> window, CheckContext& context);

// Stride, padding and output height and width of a sliding window over an image input, with
// taps layer.dilation_h/w apart (set them first); false after reporting why the window does
// not fit.
bool slide_window(const ast::Layer& statement, const LayerInput& input, const char* what,
                  std::pair<int, int> window, std::pair<int, int> stride,
                  const PaddingRequest& padding, Layer& layer, CheckContext& context);

} // namespace cnnc
