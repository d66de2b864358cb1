// The reference's implementation (reference.hpp), compiled once for every model's tests and
// optimised even in the sanitizer build, where the generated kernels stay at -O0.
#include "tests/codegen/reference.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unsupported/Eigen/CXX11/Tensor>

#include "cnn/model_info.hpp"
#include "layers/layer_type.hpp"

namespace cnnc::test {

using Image = Eigen::Tensor<double, 3, Eigen::RowMajor>; // (height, width, channels)

namespace {

Image as_image(const Shape& shape, const std::vector<double>& values) {
  Image image(shape.height, shape.width, shape.channels);
  std::copy(values.begin(), values.end(), image.data());
  return image;
}

double activate(Activation activation, double z) {
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
Image activate(Activation activation, const Image& z) {
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
Image activation_backward(Activation activation, const Image& a, const Image& da) {
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

int conv_inputs(const Layer& layer) {
  return layer.type->keyword == "conv2d" ? layer.input.channels / layer.groups : 1;
}

// The k-th of the conv_inputs(layer) terms of output o at tap (ky, kx).
ConvTerm conv_term(const Layer& layer, std::size_t kernel, int ky, int kx, int o, int k) {
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
bool is(const Layer& layer, std::string_view keyword) {
  return layer.type->keyword == keyword;
}

[[noreturn]] void no_reference(const Layer& layer) {
  throw std::logic_error("the reference has no " + std::string(layer.type->keyword) + " layer");
}

struct Offsets {
  std::size_t kernel = 0, bias = 0;
  std::size_t gamma = 0, beta = 0, moving_mean = 0, moving_variance = 0; // batch normalization
};

std::vector<Offsets> parameter_offsets(const Model& model) {
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
    } else if (is(layer, "batchnorm")) {
      const std::size_t channels = std::size_t(layer.output.channels);
      o.gamma = next;
      o.beta = next + channels;
      o.moving_mean = next + 2 * channels;
      o.moving_variance = next + 3 * channels;
      next += 4 * channels;
    }
    offsets.push_back(o);
  }
  return offsets;
}

// Input pixel (y, x) of a window at output (oy, ox), tap (ky, kx), the taps `dilation` apart;
// false when it is padding.
bool tap(const Layer& layer, int oy, int ox, int ky, int kx, int& y, int& x) {
  y = oy * layer.stride_h + ky * layer.dilation_h - layer.padding.top;
  x = ox * layer.stride_w + kx * layer.dilation_w - layer.padding.left;
  return y >= 0 && y < layer.input.height && x >= 0 && x < layer.input.width;
}

// One layer's forward for one sample; dropout and batch normalization, which need the mode
// and (for batch normalization in training) the whole batch, are handled by reference_batch.
Image layer_forward(const Layer& layer, const Offsets& offsets, const std::vector<double>& params,
                    const Image& current) {
  const Shape& out = layer.output;
  Image z(out.height, out.width, out.channels);
  z.setZero();
  int y = 0, x = 0;
  const std::size_t i_kernel = offsets.kernel, i_bias = offsets.bias;
  if (is(layer, "conv2d") || is(layer, "depthwise_conv2d")) {
    for (int oy = 0; oy < out.height; ++oy)
      for (int ox = 0; ox < out.width; ++ox)
        for (int o = 0; o < layer.units; ++o) {
          double sum = layer.use_bias ? params[i_bias + o] : 0.0;
          for (int ky = 0; ky < layer.kernel_h; ++ky)
            for (int kx = 0; kx < layer.kernel_w; ++kx)
              if (tap(layer, oy, ox, ky, kx, y, x))
                for (int k = 0; k < conv_inputs(layer); ++k) {
                  const ConvTerm term = conv_term(layer, i_kernel, ky, kx, o, k);
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
      double sum = layer.use_bias ? params[i_bias + o] : 0.0;
      for (int k = 0; k < layer.input.size(); ++k)
        sum += params[i_kernel + std::size_t(k) * layer.units + o] * current.data()[k];
      z(0, 0, o) = sum;
    }
    z = activate(layer.activation, z);
  } else if (is(layer, "activation")) {
    z = activate(layer.activation, current);
  } else {
    no_reference(layer);
  }
  return z;
}

// One layer's backward for one sample: adds to grads, returns the input's gradient.
Image layer_backward(const Layer& layer, const Offsets& offsets, const std::vector<double>& params,
                     const Image& in, const Image& output, const Image& grad,
                     std::vector<double>& grads) {
  Image din(in.dimension(0), in.dimension(1), in.dimension(2));
  din.setZero();
  int y = 0, x = 0;
  if (is(layer, "conv2d") || is(layer, "depthwise_conv2d")) {
    const Image dz = activation_backward(layer.activation, output, grad);
    for (int oy = 0; oy < layer.output.height; ++oy)
      for (int ox = 0; ox < layer.output.width; ++ox)
        for (int o = 0; o < layer.units; ++o) {
          const double g = dz(oy, ox, o);
          if (layer.use_bias) grads[offsets.bias + o] += g;
          for (int ky = 0; ky < layer.kernel_h; ++ky)
            for (int kx = 0; kx < layer.kernel_w; ++kx)
              if (tap(layer, oy, ox, ky, kx, y, x))
                for (int k = 0; k < conv_inputs(layer); ++k) {
                  const ConvTerm term = conv_term(layer, offsets.kernel, ky, kx, o, k);
                  grads[term.weight] += g * in(y, x, term.channel);
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
    const Image dz = activation_backward(layer.activation, output, grad);
    for (int o = 0; o < layer.units; ++o) {
      if (layer.use_bias) grads[offsets.bias + o] += dz(0, 0, o);
      for (int k = 0; k < layer.input.size(); ++k) {
        const std::size_t w = offsets.kernel + std::size_t(k) * layer.units + o;
        grads[w] += dz(0, 0, o) * in.data()[k];
        din.data()[k] += dz(0, 0, o) * params[w];
      }
    }
  } else if (is(layer, "activation")) {
    din = activation_backward(layer.activation, output, grad);
  } else {
    no_reference(layer);
  }
  return din;
}

// The loss of one sample (added to `loss`) and its gradient w.r.t. the output.
Image loss_gradient(const Model& model, const Image& output, const std::vector<double>& target,
                    double& loss) {
  const std::size_t k_count = std::size_t(output.size());
  const double low = 1e-7, high = 1 - 1e-7;
  Image grad(output.dimension(0), output.dimension(1), output.dimension(2));
  for (std::size_t k = 0; k < k_count; ++k) {
    const double p = output.data()[k], t = target[k];
    const double clipped = std::clamp(p, low, high);
    const bool inside = p >= low && p <= high;
    double& g = grad.data()[k];
    switch (model.training.loss) {
    case LossKind::CategoricalCrossentropy:
      loss -= t * std::log(clipped);
      g = inside ? -t / p : 0;
      break;
    case LossKind::BinaryCrossentropy:
      loss -= (t * std::log(clipped) + (1 - t) * std::log(1 - clipped)) / double(k_count);
      g = inside ? -(t / p - (1 - t) / (1 - p)) / double(k_count) : 0;
      break;
    case LossKind::MeanSquaredError:
      loss += (p - t) * (p - t) / double(k_count);
      g = 2 * (p - t) / double(k_count);
      break;
    case LossKind::MeanAbsoluteError:
      loss += std::abs(p - t) / double(k_count);
      g = (p > t ? 1.0 : p < t ? -1.0 : 0.0) / double(k_count);
      break;
    }
  }
  return grad;
}

// Batch normalization of one channel's values over the batch: the moving statistics in
// evaluation, else the batch's mean and biased variance (two passes).
void channel_statistics(const Layer& layer, const Offsets& offsets,
                        const std::vector<double>& params, bool training,
                        const std::vector<Image>& inputs, int c, double& mean, double& inv_std) {
  double variance = params[offsets.moving_variance + std::size_t(c)];
  mean = params[offsets.moving_mean + std::size_t(c)];
  if (training) {
    double sum = 0, count = 0;
    for (const Image& in : inputs)
      for (int y = 0; y < in.dimension(0); ++y)
        for (int x = 0; x < in.dimension(1); ++x, ++count) sum += in(y, x, c);
    mean = sum / count;
    double squares = 0;
    for (const Image& in : inputs)
      for (int y = 0; y < in.dimension(0); ++y)
        for (int x = 0; x < in.dimension(1); ++x)
          squares += (in(y, x, c) - mean) * (in(y, x, c) - mean);
    variance = squares / count;
  }
  inv_std = 1 / std::sqrt(variance + layer.value("epsilon"));
}

} // namespace

// A batch of samples through the model: in training mode, dropout keeps a unit of sample s
// when cnn::counter_uniform(seeds[s], cnn::dropout_counter(layer, unit)) >= rate (the
// documented rule) and batch normalization uses the batch's statistics; in evaluation mode
// both are as in inference.
ReferenceBatch reference_batch(const Model& model, const std::vector<double>& params,
                               const std::vector<std::vector<double>>& inputs,
                               const std::vector<std::vector<double>>& targets, bool training,
                               const std::vector<std::uint64_t>& seeds) {
  const auto offsets = parameter_offsets(model);
  const std::size_t n = model.layers.size(), samples = inputs.size();
  // ins[i][s], outs[i][s]: layer i's input and output for sample s.
  std::vector<std::vector<Image>> ins(n), outs(n);
  std::vector<Image> current;
  for (const auto& input : inputs) current.push_back(as_image(model.input, input));
  for (std::size_t i = 0; i < n; ++i) {
    const Layer& layer = model.layers[i];
    ins[i] = current;
    if (is(layer, "dropout")) {
      const double rate = layer.value("rate");
      for (std::size_t s = 0; s < samples; ++s)
        for (long u = 0; u < current[s].size(); ++u) {
          const bool keep = cnn::counter_uniform(seeds[s], cnn::dropout_counter(int(i), u)) >= rate;
          if (training) current[s].data()[u] *= keep ? 1 / (1 - rate) : 0.0;
        }
    } else if (is(layer, "batchnorm")) {
      for (int c = 0; c < layer.output.channels; ++c) {
        double mean = 0, inv_std = 0;
        channel_statistics(layer, offsets[i], params, training, ins[i], c, mean, inv_std);
        const double gamma = params[offsets[i].gamma + std::size_t(c)];
        const double beta = params[offsets[i].beta + std::size_t(c)];
        for (Image& image : current)
          for (int y = 0; y < image.dimension(0); ++y)
            for (int x = 0; x < image.dimension(1); ++x)
              image(y, x, c) = gamma * (image(y, x, c) - mean) * inv_std + beta;
      }
    } else {
      for (Image& image : current) image = layer_forward(layer, offsets[i], params, image);
    }
    outs[i] = current;
  }

  ReferenceBatch run;
  run.grads.assign(params.size(), 0.0);
  std::vector<Image> grad;
  for (std::size_t s = 0; s < samples; ++s) {
    run.outputs.emplace_back(current[s].data(), current[s].data() + current[s].size());
    double loss = 0;
    grad.push_back(loss_gradient(model, current[s], targets[s], loss));
    run.losses.push_back(loss);
  }
  for (std::size_t i = n; i-- > 0;) {
    const Layer& layer = model.layers[i];
    if (is(layer, "dropout")) {
      const double rate = layer.value("rate");
      for (std::size_t s = 0; s < samples; ++s)
        for (long u = 0; u < grad[s].size(); ++u) {
          const bool keep = cnn::counter_uniform(seeds[s], cnn::dropout_counter(int(i), u)) >= rate;
          if (training) grad[s].data()[u] *= keep ? 1 / (1 - rate) : 0.0;
        }
    } else if (is(layer, "batchnorm")) {
      for (int c = 0; c < layer.output.channels; ++c) {
        double mean = 0, inv_std = 0;
        channel_statistics(layer, offsets[i], params, training, ins[i], c, mean, inv_std);
        const double gamma = params[offsets[i].gamma + std::size_t(c)];
        double dy_sum = 0, dy_xhat_sum = 0, count = 0;
        for (std::size_t s = 0; s < samples; ++s)
          for (int y = 0; y < grad[s].dimension(0); ++y)
            for (int x = 0; x < grad[s].dimension(1); ++x, ++count) {
              const double xhat = (ins[i][s](y, x, c) - mean) * inv_std;
              dy_sum += grad[s](y, x, c);
              dy_xhat_sum += grad[s](y, x, c) * xhat;
            }
        run.grads[offsets[i].beta + std::size_t(c)] += dy_sum;
        run.grads[offsets[i].gamma + std::size_t(c)] += dy_xhat_sum;
        for (std::size_t s = 0; s < samples; ++s)
          for (int y = 0; y < grad[s].dimension(0); ++y)
            for (int x = 0; x < grad[s].dimension(1); ++x) {
              const double xhat = (ins[i][s](y, x, c) - mean) * inv_std;
              double& g = grad[s](y, x, c);
              g = training ? gamma * inv_std * (g - dy_sum / count - xhat * dy_xhat_sum / count)
                           : gamma * inv_std * g;
            }
      }
    } else {
      for (std::size_t s = 0; s < samples; ++s)
        grad[s] =
            layer_backward(layer, offsets[i], params, ins[i][s], outs[i][s], grad[s], run.grads);
    }
  }
  return run;
}

// One sample in evaluation mode.
ReferenceRun reference_run(const Model& model, const std::vector<double>& params,
                           const std::vector<double>& input, const std::vector<double>& target) {
  const ReferenceBatch batch = reference_batch(model, params, {input}, {target}, false, {0});
  return {batch.outputs[0], batch.losses[0], batch.grads};
}

} // namespace cnnc::test
