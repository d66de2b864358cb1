// The checked model: the value the checker produces from a .cnn file and the code generator
// consumes. Plain value types; every shape and count is resolved.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dsl/source.hpp"
#include "runtime/include/cnn/model_info.hpp"

namespace cnnc {

// The vocabulary cnnc shares with the runtime (keywords and C++ names included) is the
// runtime's contract header.
using cnn::Initializer;
using cnn::InitKind;
using cnn::LossKind;
using cnn::MonitorKind;
using cnn::OptimizerKind;
using cnn::ScheduleKind;

// A layer's output: rank 3 is (height, width, channels), rank 1 is a vector of `channels`
// values (height = width = 1).
struct Shape {
  int height = 1;
  int width = 1;
  int channels = 1;
  int rank = 3;

  static Shape image(int h, int w, int c) { return {h, w, c, 3}; }
  static Shape vector(int n) { return {1, 1, n, 1}; }
  std::int64_t size() const { return std::int64_t(height) * width * channels; }
  bool operator==(const Shape&) const = default;
};

std::string to_string(const Shape& shape); // "24x24x10" or "320"

enum class Activation { Linear, Relu, Sigmoid, Tanh, Softmax };

const char* keyword(Activation activation);

// Zero-padding in elements on each side; `same` is resolved to these numbers by the checker
// (the odd element goes to the bottom/right, as TensorFlow does).
struct Padding {
  int top = 0, bottom = 0, left = 0, right = 0;
  bool operator==(const Padding&) const = default;
};

struct LayerType; // one kind of layer: layers/layer_type.hpp

struct Layer {
  const LayerType* type = nullptr; // its kind
  std::string name; // given, or Keras' default (conv2d_1, max_pooling2d_1, dense_2, ...)
  Shape input;
  Shape output;

  // Conv2D: filter count; Dense: units. Zero for other kinds.
  int units = 0;
  // Conv2D: filter shape; pools: pool size.
  int kernel_h = 0, kernel_w = 0;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1; // Conv2D: the spacing of the filter's taps
  int groups = 1; // Conv2D, DepthwiseConv2D (one per input channel): channels split in groups
  Padding padding;
  bool use_bias = true;     // Conv2D and Dense: `bias=false` drops the bias
  std::optional<double> l2; // `l2=`: the kernel's L2 penalty factor (Keras' kernel_regularizer)
  // Conv2D and Dense: fused activation; Activation layer: the activation itself.
  Activation activation = Activation::Linear;
  Initializer kernel_init;                   // Conv2D and Dense
  Initializer bias_init{InitKind::Zeros, 0}; // Conv2D and Dense

  // Conv2D with `filter` lines: the fixed kernel in Keras' layout (kh, kw, in_c, out_c) and the
  // fixed bias (units values, when use_bias), which the optimizer does not update. Empty for a
  // layer that learns its weights.
  std::vector<double> fixed_kernel, fixed_bias;

  // Settings of one kind only, by name (dropout's "rate", batch normalization's "momentum").
  std::vector<std::pair<std::string, double>> values;

  std::int64_t params = 0; // the sizes of its parameter tensors, summed
  Span span;               // the layer's line in the source

  // The setting `name` of `values`, or `fallback` when the layer has none.
  double value(std::string_view name, double fallback = 0) const;
};

struct Optimizer {
  OptimizerKind kind = OptimizerKind::Rmsprop;
  double learning_rate = 0.001;
  double momentum = 0.0;
  double rho = 0.9;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-7;
  double initial_accumulator = 0.1;
};

// The learning rate per epoch e = 1, 2, ... of E, from the optimizer's lr: constant; `step`:
// lr * factor^floor((e-1)/every); `exponential`: lr * rate^(e-1); `cosine`: linear warmup over
// `warmup` epochs, then from lr down towards `min_lr` along half a cosine.
struct Schedule {
  ScheduleKind kind = ScheduleKind::Constant;
  int every = 10;      // step
  double factor = 0.5; // step: the multiplier; exponential: the rate per epoch
  double min_lr = 0.0; // cosine
  int warmup = 0;      // cosine
  bool operator==(const Schedule&) const = default;
};

// Keras' EarlyStopping: stop when `monitor` has not improved by more than min_delta for
// `patience` epochs in a row; then go back to the best epoch's weights (restore_best_weights).
struct EarlyStopping {
  bool enabled = false;
  MonitorKind monitor = MonitorKind::ValLoss;
  int patience = 0;
  double min_delta = 0.0;
  bool restore_best_weights = true;
};

// Random changes to each training sample: a shift by up to `shift` pixels along each axis
// (zero padding, as padding by `shift` and cropping back at random), and mirroring.
struct Augment {
  int shift = 0;
  bool flip_horizontal = false, flip_vertical = false;
  bool enabled() const { return shift > 0 || flip_horizontal || flip_vertical; }
};

struct Training {
  LossKind loss = LossKind::CategoricalCrossentropy;
  Optimizer optimizer;
  int batch_size = 32;
  int epochs = 1;
  std::int64_t validation_count = 0; // a count of held-out samples, or
  double validation_fraction = 0.0;  // a fraction of them (one of the two is zero)
  std::uint64_t seed = 0;
  // The `init` and `bias_init` keys: every layer's initializers unless the layer names its own
  // (already applied to each Layer; kept here for the summary).
  Initializer default_init;
  Initializer default_bias_init{InitKind::Zeros, 0};
  Schedule schedule;
  EarlyStopping early_stopping;
  double l2 = 0.0; // Keras' l2(x) on every kernel: loss += x * sum(w^2); biases are not decayed
  Augment augment;
};

// What the network is fed: for input channel c, (v * scale - mean[c]) / stddev[c], where v is
// the stored value (a byte b reads as b / 255, in [0, 1]; a float as it is).
struct Preprocessing {
  double scale = 1.0;
  std::vector<double> mean;   // one per input channel; the checker fills every channel
  std::vector<double> stddev; // likewise; empty vectors mean 0 and 1 for every channel
  bool operator==(const Preprocessing&) const = default;
};

// The value of channel c of `values`, given as one value per channel or none (`fallback`).
double channel_value(const std::vector<double>& values, int channel, double fallback);

// Whether the network is fed the stored values as they are (scale 1, mean 0, std 1).
bool is_identity(const Preprocessing& preprocessing);

struct Model {
  std::string name;        // from `model NAME`, else the file's stem
  std::string source_path; // as given on the command line
  Shape input;
  Preprocessing preprocessing;
  std::vector<Layer> layers;
  Training training;
  std::vector<std::string> class_names; // from `classes`; empty when the file names none

  const Shape& output() const { return layers.empty() ? input : layers.back().output; }
  std::int64_t total_params() const;
  // A classifier's number of classes (a cross-entropy loss): the output size, or 2 for a single
  // output with binary cross-entropy (classes 0 and 1); 0 for any other model.
  int class_count() const;
};

} // namespace cnnc
