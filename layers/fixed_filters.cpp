// Fixed filters of a conv2d layer (`filter` lines): presets, counts and layout.
#include "layers/fixed_filters.hpp"

#include <cmath>
#include <fmt/core.h>

#include "dsl/edit_distance.hpp"

namespace cnnc {
namespace {

// The lecture's filters ("Convolution": identity, edge detection, sharpen, box blur (normalized),
// Gaussian blur (approximation)).
constexpr FilterPreset kPresets[] = {
    {"identity", {0, 0, 0, 0, 1, 0, 0, 0, 0}, "the input unchanged"},
    {"edge", {-1, -1, -1, -1, 8, -1, -1, -1, -1}, "edge detection: 0 where the input is flat"},
    {"sharpen", {0, -1, 0, -1, 5, -1, 0, -1, 0}, "sharpen: the input plus its edges"},
    {"box_blur",
     {1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0},
     "box blur: the mean of the 3x3 neighbourhood"},
    {"gaussian_blur",
     {1 / 16.0, 2 / 16.0, 1 / 16.0, 2 / 16.0, 4 / 16.0, 2 / 16.0, 1 / 16.0, 2 / 16.0, 1 / 16.0},
     "Gaussian blur: a weighted mean, the centre counting most"},
};

const FilterPreset* preset_named(std::string_view name) {
  for (const FilterPreset& preset : kPresets)
    if (preset.name == name) return &preset;
  return nullptr;
}

std::string preset_names() {
  std::string names;
  for (const FilterPreset& preset : kPresets)
    names += (names.empty() ? "" : ", ") + std::string(preset.name);
  return names;
}

// Options that fixed weights make meaningless: their initializers and their L2 penalty.
bool no_training_options(const ast::Layer& statement, CheckContext& context) {
  bool ok = true;
  const Span first_filter = statement.filters.front().keyword;
  const auto refuse = [&](Span span, std::string_view option) {
    context.error(
        span,
        prefixed(statement.label, fmt::format("'{}' does not apply to fixed filters (the 'filter' "
                                              "lines give the weights, which are not trained)",
                                              option)),
        {{first_filter, "the fixed filters start here"}});
    ok = false;
  };
  if (statement.init) refuse(statement.init->span, "init");
  if (statement.bias_init) refuse(statement.bias_init->span, "bias_init");
  if (const ast::Option* l2 = statement.option("l2")) refuse(l2->key.span, "l2");
  return ok;
}

// One filter's numbers for `inputs` input channels, row by row with the channels innermost, or
// nullopt after reporting why not.
std::optional<std::vector<double>> filter_weights(const ast::Filter& filter, int index,
                                                  const ast::Layer& statement, const Layer& layer,
                                                  int inputs, CheckContext& context) {
  const std::int64_t window = std::int64_t(layer.kernel_h) * layer.kernel_w;
  const std::int64_t count = window * inputs;
  std::vector<double> weights;
  if (filter.preset) {
    const FilterPreset* preset = preset_named(filter.preset->text);
    if (!preset) {
      context.error(filter.preset->span,
                    prefixed(statement.label,
                             fmt::format("unknown filter '{}' (the presets are {}; or give the "
                                         "filter's numbers){}",
                                         filter.preset->text, preset_names(),
                                         did_you_mean(filter.preset->text, [] {
                                           std::vector<std::string> names;
                                           for (const auto& p : kPresets)
                                             names.emplace_back(p.name);
                                           return names;
                                         }()))));
      return std::nullopt;
    }
    if (layer.kernel_h != 3 || layer.kernel_w != 3) {
      context.error(filter.preset->span,
                    prefixed(statement.label,
                             fmt::format("filter '{}' is 3x3, but the layer's kernel is {}x{}",
                                         preset->name, layer.kernel_h, layer.kernel_w)),
                    {{statement.size->span, "the kernel size is given here"}});
      return std::nullopt;
    }
    // On several input channels a preset filters their mean: each channel gets 1/inputs of it.
    for (int tap = 0; tap < 9; ++tap)
      for (int c = 0; c < inputs; ++c) weights.push_back(preset->weights[tap] / inputs);
  } else {
    const auto& values = filter.values->values;
    if (std::int64_t(values.size()) != count) {
      context.error(
          filter.values->span,
          prefixed(statement.label,
                   fmt::format("filter {} has {} number{}; a {}x{} filter on {} input channel{} "
                               "takes {} ({} x {} x {}: row by row, the channels innermost)",
                               index + 1, values.size(), values.size() == 1 ? "" : "s",
                               layer.kernel_h, layer.kernel_w, inputs, inputs == 1 ? "" : "s",
                               count, layer.kernel_h, layer.kernel_w, inputs)));
      return std::nullopt;
    }
    for (const ast::Number& number : values) weights.push_back(number.value);
  }
  const double scale = filter.scale ? filter.scale->value : 1.0;
  for (double& weight : weights) {
    weight *= scale;
    if (!std::isfinite(weight)) {
      context.error(filter.span,
                    prefixed(statement.label, fmt::format("filter {} has a weight that is not a "
                                                          "finite number",
                                                          index + 1)));
      return std::nullopt;
    }
  }
  return weights;
}

} // namespace

std::span<const FilterPreset> filter_presets() {
  return kPresets;
}

bool read_fixed_filters(const ast::Layer& statement, Layer& layer, CheckContext& context) {
  if (statement.filters.empty()) return true;
  bool ok = no_training_options(statement, context);
  const int filters = layer.units;
  const int given = int(statement.filters.size());
  if (given != filters) {
    context.error(statement.units->span,
                  prefixed(statement.label,
                           fmt::format("{} filter{}, but {} 'filter' line{} follow{} (give one "
                                       "per filter, or none to train them)",
                                       filters, filters == 1 ? "" : "s", given,
                                       given == 1 ? "" : "s", given == 1 ? "s" : "")),
                  {{statement.filters.back().keyword, "the last 'filter' line"}});
    ok = false;
  }
  const int inputs = layer.input.channels / layer.groups;
  const std::int64_t window = std::int64_t(layer.kernel_h) * layer.kernel_w;
  std::vector<double> kernel(std::size_t(window * inputs * filters), 0.0);
  std::vector<double> bias(layer.use_bias ? std::size_t(filters) : 0, 0.0);
  for (int k = 0; k < given; ++k) {
    const ast::Filter& filter = statement.filters[std::size_t(k)];
    if (filter.broken) { // reported by the parser
      ok = false;
      continue;
    }
    if (filter.bias && !layer.use_bias) {
      context.error(filter.bias->span,
                    prefixed(statement.label, fmt::format("filter {} has a bias, but the layer "
                                                          "has none (bias=false)",
                                                          k + 1)));
      ok = false;
    }
    if (filter.bias && !std::isfinite(filter.bias->value)) {
      context.error(
          filter.bias->span,
          prefixed(statement.label, fmt::format("filter {}'s bias is not a finite number", k + 1)));
      ok = false;
    }
    const auto weights = filter_weights(filter, k, statement, layer, inputs, context);
    if (!weights) {
      ok = false;
      continue;
    }
    if (k >= filters) continue;
    // Keras' layout (kh, kw, in_c, out_c): filter k's value at (tap, c) is at
    // (tap * inputs + c) * filters + k.
    for (std::size_t i = 0; i < weights->size(); ++i) kernel[i * filters + k] = (*weights)[i];
    if (layer.use_bias && filter.bias) bias[std::size_t(k)] = filter.bias->value;
  }
  if (!ok) return false;
  layer.fixed_kernel = std::move(kernel);
  layer.fixed_bias = std::move(bias);
  return true;
}

} // namespace cnnc
