// What conv2d and depthwise_conv2d share: the window options (kernel size, stride, padding,
// dilation) and the kernels. A depthwise convolution is a grouped one with one input channel per
// group, so both kinds describe themselves with layer.groups and layer.units (the output
// channels) and run the same forward and backward code.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "layers/rules.hpp"

namespace cnnc {

// A convolution's window as written: kernel size, `stride=`, `dilation=` and `padding=`.
struct ConvWindow {
  std::pair<int, int> kernel;
  std::pair<int, int> stride;
  std::pair<int, int> dilation;
  PaddingRequest padding;
};

// Reads the statement's window, reporting bad values; nullopt when one is bad. As Keras does,
// a dilation above 1 is refused together with a stride above 1.
std::optional<ConvWindow> read_conv_window(const ast::Layer& statement, CheckContext& context);

// Fits the window to the (image) input: the layer's kernel, stride, dilation, padding and output
// height and width; false after reporting why it does not fit.
bool fit_conv_window(const ast::Layer& statement, const LayerInput& input, const ConvWindow& window,
                     Layer& layer, CheckContext& context);

// "window 3x3, stride 1x1, padding valid", with ", dilation 2x2" when the taps are spread.
std::string conv_window_description(const Layer& layer);

// The kernels, for the layer's groups (input channels / groups per group, units / groups
// outputs per group); the kernel tensor is (kh, kw, in_channels / groups, units).
std::vector<Buffer> conv_buffers(const LayerContext& context);
void conv_forward(CodeWriter& out, const LayerContext& context);
void conv_backward(CodeWriter& out, const LayerContext& context);
LayerCost conv_cost(const Layer& layer, bool first);

// The one-sample kernel for batch-1 inference (layers/convolution_one.cpp).
extern const OneSampleKernel kConvOneSample;

} // namespace cnnc
