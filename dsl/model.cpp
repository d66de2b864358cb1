// Names of the model's enumerations as the .cnn language and Keras spell them.
#include "dsl/model.hpp"

#include <fmt/core.h>

namespace cnnc {

std::string to_string(const Shape& shape) {
  if (shape.rank == 1) return fmt::format("{}", shape.channels);
  return fmt::format("{}x{}x{}", shape.height, shape.width, shape.channels);
}

const char* keyword(LayerKind kind) {
  switch (kind) {
  case LayerKind::Conv2D:
    return "conv2d";
  case LayerKind::MaxPool:
    return "maxpool";
  case LayerKind::AvgPool:
    return "avgpool";
  case LayerKind::Flatten:
    return "flatten";
  case LayerKind::Dense:
    return "dense";
  case LayerKind::Activation:
    return "activation";
  }
  return "?";
}

const char* keras_name(LayerKind kind) {
  switch (kind) {
  case LayerKind::Conv2D:
    return "Conv2D";
  case LayerKind::MaxPool:
    return "MaxPooling2D";
  case LayerKind::AvgPool:
    return "AveragePooling2D";
  case LayerKind::Flatten:
    return "Flatten";
  case LayerKind::Dense:
    return "Dense";
  case LayerKind::Activation:
    return "Activation";
  }
  return "?";
}

const char* keyword(Activation activation) {
  switch (activation) {
  case Activation::Linear:
    return "linear";
  case Activation::Relu:
    return "relu";
  case Activation::Sigmoid:
    return "sigmoid";
  case Activation::Tanh:
    return "tanh";
  case Activation::Softmax:
    return "softmax";
  }
  return "?";
}

const char* keyword(InitKind kind) {
  switch (kind) {
  case InitKind::Zeros:
    return "zeros";
  case InitKind::Ones:
    return "ones";
  case InitKind::GlorotUniform:
    return "glorot_uniform";
  case InitKind::GlorotNormal:
    return "glorot_normal";
  case InitKind::HeNormal:
    return "he_normal";
  case InitKind::HeUniform:
    return "he_uniform";
  case InitKind::LecunNormal:
    return "lecun_normal";
  case InitKind::LecunUniform:
    return "lecun_uniform";
  case InitKind::Normal:
    return "normal";
  case InitKind::Uniform:
    return "uniform";
  case InitKind::Constant:
    return "constant";
  }
  return "?";
}

const char* keyword(Loss loss) {
  switch (loss) {
  case Loss::CategoricalCrossentropy:
    return "categorical_crossentropy";
  case Loss::BinaryCrossentropy:
    return "binary_crossentropy";
  case Loss::MeanSquaredError:
    return "mse";
  case Loss::MeanAbsoluteError:
    return "mae";
  }
  return "?";
}

const char* keyword(OptimizerKind kind) {
  switch (kind) {
  case OptimizerKind::Sgd:
    return "sgd";
  case OptimizerKind::Momentum:
    return "momentum";
  case OptimizerKind::Nesterov:
    return "nesterov";
  case OptimizerKind::Adagrad:
    return "adagrad";
  case OptimizerKind::Rmsprop:
    return "rmsprop";
  case OptimizerKind::Adam:
    return "adam";
  }
  return "?";
}

const char* keyword(ScheduleKind kind) {
  switch (kind) {
  case ScheduleKind::Constant:
    return "constant";
  case ScheduleKind::Step:
    return "step";
  case ScheduleKind::Exponential:
    return "exponential";
  case ScheduleKind::Cosine:
    return "cosine";
  }
  return "?";
}

const char* keyword(Monitor monitor) {
  switch (monitor) {
  case Monitor::ValLoss:
    return "val_loss";
  case Monitor::ValAcc:
    return "val_acc";
  case Monitor::ValMae:
    return "val_mae";
  }
  return "?";
}

double channel_value(const std::vector<double>& values, int channel, double fallback) {
  if (values.empty()) return fallback;
  return values.size() == 1 ? values[0] : values[std::size_t(channel)];
}

bool is_identity(const Preprocessing& preprocessing) {
  if (preprocessing.scale != 1.0) return false;
  for (const double mean : preprocessing.mean)
    if (mean != 0.0) return false;
  for (const double stddev : preprocessing.stddev)
    if (stddev != 1.0) return false;
  return true;
}

int Model::class_count() const {
  const bool crossentropy =
      training.loss == Loss::CategoricalCrossentropy || training.loss == Loss::BinaryCrossentropy;
  if (!crossentropy || layers.empty()) return 0;
  const std::int64_t outputs = output().size();
  return training.loss == Loss::BinaryCrossentropy && outputs == 1 ? 2 : int(outputs);
}

std::int64_t Model::total_params() const {
  std::int64_t total = 0;
  for (const auto& layer : layers) total += layer.params;
  return total;
}

} // namespace cnnc
