// Keras 2.x's update rules. Each element is updated in double and stored as float; the
// formulas are Keras' (keras/optimizers.py, 2.3), including where epsilon sits.
#include "cnn/optimizer.hpp"

#include <algorithm>

#include <cmath>
#include <stdexcept>

// The update runs once a batch over every parameter. The library is built for any x86-64 CPU,
// so the update is compiled once per vector width as well and the widest the CPU has is taken
// when the program starts. Contraction into FMAs stays off (ISO C++ mode), so every clone
// computes the same bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CNNC_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CNNC_VECTOR_CLONES
#endif

namespace cnn {

Optimizer::Optimizer(const OptimizerConfig& config, std::size_t param_count,
                     std::span<const TensorInfo> tensors)
    : config_(config), count_(param_count) {
  if (tensors.empty()) {
    trainable_.emplace_back(0, count_);
  } else {
    for (const TensorInfo& tensor : tensors) {
      if (!tensor.trainable || tensor.size == 0) continue;
      const std::size_t begin = tensor.offset, end = tensor.offset + tensor.size;
      if (end > count_) throw std::logic_error("Optimizer: a tensor lies outside the parameters");
      if (!trainable_.empty() && trainable_.back().second == begin)
        trainable_.back().second = end;
      else
        trainable_.emplace_back(begin, end);
    }
  }
  switch (config.kind) {
  case OptimizerKind::Sgd:
    break;
  case OptimizerKind::Momentum:
  case OptimizerKind::Nesterov:
  case OptimizerKind::Rmsprop:
    first_.assign(count_, 0.0f);
    break;
  case OptimizerKind::Adagrad:
    first_.assign(count_, static_cast<float>(config.initial_accumulator));
    break;
  case OptimizerKind::Adam:
    first_.assign(count_, 0.0f);
    second_.assign(count_, 0.0f);
    break;
  }
}

void Optimizer::step(float* params, const float* grads) {
  begin_step();
  update_range(params, grads, 0, count_);
}

void Optimizer::update_range(float* params, const float* grads, std::size_t begin,
                             std::size_t end) {
  for (const auto& [first, last] : trainable_) {
    const std::size_t from = std::max(first, begin), to = std::min(last, end);
    if (from < to) update(params, grads, from, to);
  }
}

CNNC_VECTOR_CLONES void Optimizer::update(float* params, const float* grads, std::size_t begin,
                                          std::size_t end) {
  const double lr = config_.learning_rate, eps = config_.epsilon;
  switch (config_.kind) {
  case OptimizerKind::Sgd:
    for (std::size_t i = begin; i < end; ++i)
      params[i] = static_cast<float>(params[i] - lr * grads[i]);
    return;
  case OptimizerKind::Momentum:
  case OptimizerKind::Nesterov: {
    // v = momentum * v - lr * g; p += v (Nesterov: p += momentum * v - lr * g).
    const double momentum = config_.momentum;
    const bool nesterov = config_.kind == OptimizerKind::Nesterov;
    for (std::size_t i = begin; i < end; ++i) {
      const double v = momentum * first_[i] - lr * grads[i];
      first_[i] = static_cast<float>(v);
      const double delta = nesterov ? momentum * v - lr * grads[i] : v;
      params[i] = static_cast<float>(params[i] + delta);
    }
    return;
  }
  case OptimizerKind::Adagrad:
    // a += g^2; p -= lr * g / (sqrt(a) + eps).
    for (std::size_t i = begin; i < end; ++i) {
      const double g = grads[i];
      const double a = first_[i] + g * g;
      first_[i] = static_cast<float>(a);
      params[i] = static_cast<float>(params[i] - lr * g / (std::sqrt(a) + eps));
    }
    return;
  case OptimizerKind::Rmsprop: {
    // ms = rho * ms + (1 - rho) g^2; p -= lr * g / (sqrt(ms) + eps).
    const double rho = config_.rho;
    for (std::size_t i = begin; i < end; ++i) {
      const double g = grads[i];
      const double ms = rho * first_[i] + (1.0 - rho) * g * g;
      first_[i] = static_cast<float>(ms);
      params[i] = static_cast<float>(params[i] - lr * g / (std::sqrt(ms) + eps));
    }
    return;
  }
  case OptimizerKind::Adam: {
    // lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t); m, v moving averages;
    // p -= lr_t * m / (sqrt(v) + eps).
    const double b1 = config_.beta1, b2 = config_.beta2;
    const double t = static_cast<double>(iterations_);
    const double lr_t = lr * std::sqrt(1.0 - std::pow(b2, t)) / (1.0 - std::pow(b1, t));
    for (std::size_t i = begin; i < end; ++i) {
      const double g = grads[i];
      const double m = b1 * first_[i] + (1.0 - b1) * g;
      const double v = b2 * second_[i] + (1.0 - b2) * g * g;
      first_[i] = static_cast<float>(m);
      second_[i] = static_cast<float>(v);
      params[i] = static_cast<float>(params[i] - lr_t * m / (std::sqrt(v) + eps));
    }
    return;
  }
  }
  throw std::logic_error("unknown optimizer kind");
}

std::vector<Optimizer::State> Optimizer::state() {
  switch (config_.kind) {
  case OptimizerKind::Sgd:
    return {};
  case OptimizerKind::Momentum:
  case OptimizerKind::Nesterov:
    return {{"velocity", &first_}};
  case OptimizerKind::Adagrad:
    return {{"accumulator", &first_}};
  case OptimizerKind::Rmsprop:
    return {{"mean_square", &first_}};
  case OptimizerKind::Adam:
    return {{"m", &first_}, {"v", &second_}};
  }
  return {};
}

} // namespace cnn
