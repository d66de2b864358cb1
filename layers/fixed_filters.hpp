// Fixed filters: the `filter` lines after a conv2d statement give its weights in the model file
// (a preset of the lecture's, such as `edge`, or the numbers), which the optimizer leaves alone.
#pragma once

#include <span>
#include <string_view>

#include "layers/rules.hpp"

namespace cnnc {

// A named 3x3 filter: the lecture's identity, edge detection, sharpen, box blur and Gaussian
// blur, row by row.
struct FilterPreset {
  std::string_view name;
  double weights[9];
  std::string_view description; // for docs and messages
};

std::span<const FilterPreset> filter_presets();

// Reads the statement's `filter` lines into layer.fixed_kernel and layer.fixed_bias (Keras'
// layout), for a layer whose window, units, groups and input are already known; true when there
// are none. False after reporting every problem: a count that is not the layer's filter count, a
// filter of the wrong size, an unknown preset, options that fixed weights make meaningless.
bool read_fixed_filters(const ast::Layer& statement, Layer& layer, CheckContext& context);

} // namespace cnnc
