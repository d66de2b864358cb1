// Names of the model's enumerations as the .cnn language and Keras spell them.
#include "dsl/model.hpp"

#include <fmt/core.h>

namespace cnnc {

std::string to_string(const Shape& shape) {
  if (shape.rank == 1) return fmt::format("{}", shape.channels);
  return fmt::format("{}x{}x{}", shape.height, shape.width, shape.channels);
}

double Layer::value(std::string_view name, double fallback) const {
  for (const auto& [key, number] : values)
    if (key == name) return number;
  return fallback;
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
  const bool crossentropy = training.loss == LossKind::CategoricalCrossentropy ||
                            training.loss == LossKind::BinaryCrossentropy;
  if (!crossentropy || layers.empty()) return 0;
  const std::int64_t outputs = output().size();
  return training.loss == LossKind::BinaryCrossentropy && outputs == 1 ? 2 : int(outputs);
}

std::int64_t Model::total_params() const {
  std::int64_t total = 0;
  for (const auto& layer : layers) total += layer.params;
  return total;
}

} // namespace cnnc
