// An independent reference for the generated code: one sample at a time, straight from the
// checked Model, with Eigen tensors and plain loops (bounds checks instead of padded buffers,
// no fusion, no lanes). It shares nothing with codegen/.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unsupported/Eigen/CXX11/Tensor>

#include "dsl/model.hpp"
#include "layers/layer_type.hpp"

namespace cnnc::test {

using Image = Eigen::Tensor<double, 3, Eigen::RowMajor>; // (height, width, channels)

struct ReferenceRun {
  std::vector<double> output; // the model's output for the sample
  double loss = 0;
  std::vector<double> grads; // d loss / d params, the generated code's parameter layout
};

namespace reference_detail {

inline Image as_image(const Shape& shape, const std::vector<double>& values) {
  Image image(shape.height, shape.width, shape.channels);
  std::copy(values.begin(), values.end(), image.data());
  return image;
}

inline double activate(Activation activation, double z) {
  switch (activation) {
  case Activation::Relu:
    return z > 0 ? z : 0;
  case Activation::Sigmoid:
    return 1 / (1 + std::exp(-z));
  case Activation::Tanh:
    return std::tanh(z);
  default:
    return z;
  }
}

// Applies the activation to every position's channels.
inline Image activate(Activation activation, const Image& z) {
  Image a = z;
  for (int y = 0; y < z.dimension(0); ++y)
    for (int x = 0; x < z.dimension(1); ++x) {
      if (activation == Activation::Softmax) {
        double top = z(y, x, 0), sum = 0;
        for (int c = 0; c < z.dimension(2); ++c) top = std::max(top, z(y, x, c));
        for (int c = 0; c < z.dimension(2); ++c) sum += std::exp(z(y, x, c) - top);
        for (int c = 0; c < z.dimension(2); ++c) a(y, x, c) = std::exp(z(y, x, c) - top) / sum;
      } else {
        for (int c = 0; c < z.dimension(2); ++c) a(y, x, c) = activate(activation, z(y, x, c));
      }
    }
  return a;
}

// d loss / d z from d loss / d a, given a = f(z).
inline Image activation_backward(Activation activation, const Image& a, const Image& da) {
  Image dz = da;
  for (int y = 0; y < a.dimension(0); ++y)
    for (int x = 0; x < a.dimension(1); ++x) {
      double dot = 0;
      for (int c = 0; c < a.dimension(2); ++c) dot += da(y, x, c) * a(y, x, c);
      for (int c = 0; c < a.dimension(2); ++c) {
        const double v = a(y, x, c), g = da(y, x, c);
        switch (activation) {
        case Activation::Relu:
          dz(y, x, c) = v > 0 ? g : 0;
          break;
        case Activation::Sigmoid:
          dz(y, x, c) = g * v * (1 - v);
          break;
        case Activation::Tanh:
          dz(y, x, c) = g * (1 - v * v);
          break;
        case Activation::Softmax:
          dz(y, x, c) = v * (g - dot);
          break;
        case Activation::Linear:
          break;
        }
      }
    }
  return dz;
}

// The inputs of a convolution's output o at tap (ky, kx), in Keras' kernel layouts: conv2d's
// kernel is (kh, kw, in / groups, out), and output o sees the in / groups channels of its group;
// depthwise_conv2d's is (kh, kw, in, multiplier), and output c * multiplier + m sees channel c.
struct ConvTerm {
  int channel = 0;        // the input channel
  std::size_t weight = 0; // its weight's index in the parameters
};

inline int conv_inputs(const Layer& layer) {
  return layer.type->keyword == "conv2d" ? layer.input.channels / layer.groups : 1;
}

// The k-th of the conv_inputs(layer) terms of output o at tap (ky, kx).
inline ConvTerm conv_term(const Layer& layer, std::size_t kernel, int ky, int kx, int o, int k) {
  const std::size_t tap = std::size_t(ky) * layer.kernel_w + kx;
  if (layer.type->keyword == "conv2d") {
    const int per_group = layer.input.channels / layer.groups;
    const int group = o / (layer.units / layer.groups);
    return {group * per_group + k, kernel + (tap * per_group + k) * layer.units + o};
  }
  const int multiplier = int(layer.value("depth_multiplier", 1));
  const int channel = o / multiplier;
  return {channel, kernel + (tap * layer.input.channels + channel) * multiplier + o % multiplier};
}

// Whether the layer is of the kind `keyword` names.
inline bool is(const Layer& layer, std::string_view keyword) {
  return layer.type->keyword == keyword;
}

[[noreturn]] inline void no_reference(const Layer& layer) {
  throw std::logic_error("the reference has no " + std::string(layer.type->keyword) + " layer");
}

struct Offsets {
  std::size_t kernel = 0, bias = 0;
};

inline std::vector<Offsets> parameter_offsets(const Model& model) {
  std::vector<Offsets> offsets;
  std::size_t next = 0;
  for (const Layer& layer : model.layers) {
    Offsets o;
    if (is(layer, "conv2d") || is(layer, "depthwise_conv2d") || is(layer, "dense")) {
      const std::size_t window = std::size_t(layer.kernel_h) * layer.kernel_w;
      const std::size_t kernel =
          is(layer, "conv2d") ? window * (layer.input.channels / layer.groups) * layer.units
          : is(layer, "depthwise_conv2d")
              ? window * layer.input.channels * std::size_t(layer.value("depth_multiplier", 1))
              : std::size_t(layer.input.size()) * layer.units;
      o.kernel = next;
      o.bias = next + kernel;
      next += kernel + (layer.use_bias ? layer.units : 0);
    }
    offsets.push_back(o);
  }
  return offsets;
}

// Input pixel (y, x) of a window at output (oy, ox), tap (ky, kx), the taps `dilation` apart;
// false when it is padding.
inline bool tap(const Layer& layer, int oy, int ox, int ky, int kx, int& y, int& x) {
  y = oy * layer.stride_h + ky * layer.dilation_h - layer.padding.top;
  x = ox * layer.stride_w + kx * layer.dilation_w - layer.padding.left;
  return y >= 0 && y < layer.input.height && x >= 0 && x < layer.input.width;
}

} // namespace reference_detail

inline ReferenceRun reference_run(const Model& model, const std::vector<double>& params,
                                  const std::vector<double>& input,
                                  const std::vector<double>& target) {
  using namespace reference_detail;
  const auto offsets = parameter_offsets(model);
  const std::size_t n = model.layers.size();
  std::vector<Image> inputs(n), outputs(n);
  Image current = as_image(model.input, input);
  for (std::size_t i = 0; i < n; ++i) {
    const Layer& layer = model.layers[i];
    const Shape& out = layer.output;
    inputs[i] = current;
    Image z(out.height, out.width, out.channels);
    z.setZero();
    int y = 0, x = 0;
    if (is(layer, "conv2d") || is(layer, "depthwise_conv2d")) {
      for (int oy = 0; oy < out.height; ++oy)
        for (int ox = 0; ox < out.width; ++ox)
          for (int o = 0; o < layer.units; ++o) {
            double sum = layer.use_bias ? params[offsets[i].bias + o] : 0.0;
            for (int ky = 0; ky < layer.kernel_h; ++ky)
              for (int kx = 0; kx < layer.kernel_w; ++kx)
                if (tap(layer, oy, ox, ky, kx, y, x))
                  for (int k = 0; k < conv_inputs(layer); ++k) {
                    const ConvTerm term = conv_term(layer, offsets[i].kernel, ky, kx, o, k);
                    sum += params[term.weight] * current(y, x, term.channel);
                  }
            z(oy, ox, o) = sum;
          }
      z = activate(layer.activation, z);
    } else if (is(layer, "maxpool") || is(layer, "avgpool")) {
      const bool whole_window = layer.value("count_padding") != 0;
      for (int oy = 0; oy < out.height; ++oy)
        for (int ox = 0; ox < out.width; ++ox)
          for (int c = 0; c < out.channels; ++c) {
            double best = -INFINITY, sum = 0;
            int cells = 0;
            for (int ky = 0; ky < layer.kernel_h; ++ky)
              for (int kx = 0; kx < layer.kernel_w; ++kx)
                if (tap(layer, oy, ox, ky, kx, y, x)) {
                  best = std::max(best, current(y, x, c));
                  sum += current(y, x, c);
                  ++cells;
                }
            if (whole_window) cells = layer.kernel_h * layer.kernel_w;
            z(oy, ox, c) = is(layer, "maxpool") ? best : sum / cells;
          }
    } else if (is(layer, "global_avgpool")) {
      const int cells = current.dimension(0) * current.dimension(1);
      for (int c = 0; c < out.channels; ++c) {
        double sum = 0;
        for (int row = 0; row < current.dimension(0); ++row)
          for (int col = 0; col < current.dimension(1); ++col) sum += current(row, col, c);
        z(0, 0, c) = sum / cells;
      }
    } else if (is(layer, "flatten")) {
      std::copy(current.data(), current.data() + current.size(), z.data());
    } else if (is(layer, "dense")) {
      for (int o = 0; o < layer.units; ++o) {
        double sum = layer.use_bias ? params[offsets[i].bias + o] : 0.0;
        for (int k = 0; k < layer.input.size(); ++k)
          sum += params[offsets[i].kernel + std::size_t(k) * layer.units + o] * current.data()[k];
        z(0, 0, o) = sum;
      }
      z = activate(layer.activation, z);
    } else if (is(layer, "activation")) {
      z = activate(layer.activation, current);
    } else {
      no_reference(layer);
    }
    outputs[i] = z;
    current = z;
  }

  ReferenceRun run;
  run.output.assign(current.data(), current.data() + current.size());
  const std::size_t k_count = run.output.size();
  const double low = 1e-7, high = 1 - 1e-7;
  Image grad(current.dimension(0), current.dimension(1), current.dimension(2));
  for (std::size_t k = 0; k < k_count; ++k) {
    const double p = run.output[k], t = target[k];
    const double clipped = std::clamp(p, low, high);
    const bool inside = p >= low && p <= high;
    double& g = grad.data()[k];
    switch (model.training.loss) {
    case LossKind::CategoricalCrossentropy:
      run.loss -= t * std::log(clipped);
      g = inside ? -t / p : 0;
      break;
    case LossKind::BinaryCrossentropy:
      run.loss -= (t * std::log(clipped) + (1 - t) * std::log(1 - clipped)) / double(k_count);
      g = inside ? -(t / p - (1 - t) / (1 - p)) / double(k_count) : 0;
      break;
    case LossKind::MeanSquaredError:
      run.loss += (p - t) * (p - t) / double(k_count);
      g = 2 * (p - t) / double(k_count);
      break;
    case LossKind::MeanAbsoluteError:
      run.loss += std::abs(p - t) / double(k_count);
      g = (p > t ? 1.0 : p < t ? -1.0 : 0.0) / double(k_count);
      break;
    }
  }

  run.grads.assign(params.size(), 0.0);
  for (std::size_t i = n; i-- > 0;) {
    const Layer& layer = model.layers[i];
    const Image& in = inputs[i];
    Image din(in.dimension(0), in.dimension(1), in.dimension(2));
    din.setZero();
    int y = 0, x = 0;
    if (is(layer, "conv2d") || is(layer, "depthwise_conv2d")) {
      const Image dz = activation_backward(layer.activation, outputs[i], grad);
      for (int oy = 0; oy < layer.output.height; ++oy)
        for (int ox = 0; ox < layer.output.width; ++ox)
          for (int o = 0; o < layer.units; ++o) {
            const double g = dz(oy, ox, o);
            if (layer.use_bias) run.grads[offsets[i].bias + o] += g;
            for (int ky = 0; ky < layer.kernel_h; ++ky)
              for (int kx = 0; kx < layer.kernel_w; ++kx)
                if (tap(layer, oy, ox, ky, kx, y, x))
                  for (int k = 0; k < conv_inputs(layer); ++k) {
                    const ConvTerm term = conv_term(layer, offsets[i].kernel, ky, kx, o, k);
                    run.grads[term.weight] += g * in(y, x, term.channel);
                    din(y, x, term.channel) += g * params[term.weight];
                  }
          }
    } else if (is(layer, "maxpool") || is(layer, "avgpool")) {
      const bool whole_window = layer.value("count_padding") != 0;
      for (int oy = 0; oy < layer.output.height; ++oy)
        for (int ox = 0; ox < layer.output.width; ++ox)
          for (int c = 0; c < layer.output.channels; ++c) {
            int cells = 0, best_y = -1, best_x = -1;
            double best = -INFINITY;
            for (int ky = 0; ky < layer.kernel_h; ++ky)
              for (int kx = 0; kx < layer.kernel_w; ++kx)
                if (tap(layer, oy, ox, ky, kx, y, x)) {
                  ++cells;
                  if (in(y, x, c) > best) {
                    best = in(y, x, c);
                    best_y = y;
                    best_x = x;
                  }
                }
            if (is(layer, "maxpool")) {
              din(best_y, best_x, c) += grad(oy, ox, c);
              continue;
            }
            if (whole_window) cells = layer.kernel_h * layer.kernel_w;
            for (int ky = 0; ky < layer.kernel_h; ++ky)
              for (int kx = 0; kx < layer.kernel_w; ++kx)
                if (tap(layer, oy, ox, ky, kx, y, x)) din(y, x, c) += grad(oy, ox, c) / cells;
          }
    } else if (is(layer, "global_avgpool")) {
      const int cells = in.dimension(0) * in.dimension(1);
      for (int row = 0; row < in.dimension(0); ++row)
        for (int col = 0; col < in.dimension(1); ++col)
          for (int c = 0; c < in.dimension(2); ++c) din(row, col, c) = grad(0, 0, c) / cells;
    } else if (is(layer, "flatten")) {
      std::copy(grad.data(), grad.data() + grad.size(), din.data());
    } else if (is(layer, "dense")) {
      const Image dz = activation_backward(layer.activation, outputs[i], grad);
      for (int o = 0; o < layer.units; ++o) {
        if (layer.use_bias) run.grads[offsets[i].bias + o] += dz(0, 0, o);
        for (int k = 0; k < layer.input.size(); ++k) {
          const std::size_t w = offsets[i].kernel + std::size_t(k) * layer.units + o;
          run.grads[w] += dz(0, 0, o) * in.data()[k];
          din.data()[k] += dz(0, 0, o) * params[w];
        }
      }
    } else if (is(layer, "activation")) {
      din = activation_backward(layer.activation, outputs[i], grad);
    } else {
      no_reference(layer);
    }
    grad = din;
  }
  return run;
}

} // namespace cnnc::test
