// The vocabulary shared by generated models and the runtime: plain descriptions of tensors,
// layers and the training setup. Generated headers fill these tables; the runtime reads them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cnn {

enum class InitKind {
  Zeros,
  Ones,
  GlorotUniform, // U(-l, l), l = sqrt(6 / (fan_in + fan_out))
  GlorotNormal,  // truncated N(0, sqrt(2 / (fan_in + fan_out)))
  HeNormal,      // truncated N(0, sqrt(2 / fan_in))
  HeUniform,     // U(-l, l), l = sqrt(6 / fan_in)
  LecunNormal,   // truncated N(0, sqrt(1 / fan_in))
  LecunUniform,  // U(-l, l), l = sqrt(3 / fan_in)
  Normal,        // N(0, param)
  Uniform,       // U(-param, param)
  Constant,      // param
};

struct Initializer {
  InitKind kind;
  double param; // stddev (Normal), limit (Uniform), value (Constant); unused otherwise
};

// One parameter tensor inside the flat parameter block.
struct TensorInfo {
  const char* name;  // "conv2d_1.kernel"
  const char* layer; // "conv2d_1"
  const char* role;  // "kernel" or "bias"
  std::size_t offset;
  std::size_t size;
  int rank;
  int dims[4]; // Keras layout: conv kernel (kh, kw, in_c, out_c); dense kernel (in, out); bias (n)
  int fan_in;
  int fan_out;
  Initializer init;
  double l2;      // Keras' l2(x) regularizer: the loss gains l2 * sum(w^2), the gradient 2*l2*w
  bool trainable; // whether the optimizer updates it
};

struct LayerInfo {
  const char* name; // "conv2d_1"
  const char* kind; // Keras class name: "Conv2D", "MaxPooling2D", "Dense", ...
  int rank;         // 3 for (h, w, c) outputs, 1 for vectors
  int out_dims[3];  // (h, w, c), or (n, 0, 0)
  std::size_t params;
  int first_tensor; // index into the tensor table
  int tensor_count;
  std::uint64_t forward_flops; // per sample, multiply and add counted as two
  std::uint64_t backward_flops;
};

enum class LossKind {
  CategoricalCrossentropy,
  BinaryCrossentropy,
  MeanSquaredError,
  MeanAbsoluteError
};

enum class OptimizerKind { Sgd, Momentum, Nesterov, Adagrad, Rmsprop, Adam };

struct OptimizerConfig {
  OptimizerKind kind;
  double learning_rate;
  double momentum;            // Momentum, Nesterov
  double rho;                 // RMSprop
  double beta1;               // Adam
  double beta2;               // Adam
  double epsilon;             // AdaGrad, RMSprop, Adam
  double initial_accumulator; // AdaGrad
};

// The learning rate of epoch e = 1, 2, ... of E, from the optimizer's: Constant; Step:
// lr * factor^floor((e-1)/every); Exponential: lr * factor^(e-1); Cosine: lr * e/warmup for the
// first `warmup` epochs, then min_lr + (lr - min_lr) * (1 + cos(pi * (e-1-warmup)/(E-warmup))) / 2.
enum class ScheduleKind { Constant, Step, Exponential, Cosine };

struct ScheduleConfig {
  ScheduleKind kind;
  int every;     // Step
  double factor; // Step: the multiplier every `every` epochs; Exponential: the rate per epoch
  double min_lr; // Cosine
  int warmup;    // Cosine: epochs of linear warmup
};

enum class MonitorKind { ValLoss, ValAcc, ValMae };

// Keras' EarlyStopping callback.
struct EarlyStoppingConfig {
  bool enabled;
  MonitorKind monitor;
  int patience;
  double min_delta;
  bool restore_best_weights;
};

// Random changes to training samples only: shifts of up to `shift` pixels per axis with zero
// fill, and mirroring with probability 1/2.
struct AugmentConfig {
  int shift;
  bool flip_horizontal;
  bool flip_vertical;
};

struct TrainingConfig {
  LossKind loss;
  OptimizerConfig optimizer;
  int batch_size;
  int epochs;
  long validation_count;      // samples held out of the training set; 0 when given as a fraction
  double validation_fraction; // fraction held out; 0 when given as a count
  std::uint64_t seed;
  ScheduleConfig schedule;
  EarlyStoppingConfig early_stopping;
  AugmentConfig augment;
};

} // namespace cnn
