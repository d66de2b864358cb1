// The optimizers, with Keras 2.x's update rules, acting on the flat parameter block; their
// state blocks share its layout and are saved in checkpoints.
#pragma once

#include "cnn/model_info.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace cnn {

class Optimizer {
public:
  // With a tensor table, only its trainable tensors are updated (a non-trainable one, such as
  // a moving mean, and its optimizer state stay as they are); without one, every parameter is.
  Optimizer(const OptimizerConfig& config, std::size_t param_count,
            std::span<const TensorInfo> tensors = {});

  // One update from the mean gradient of a batch.
  void step(float* params, const float* grads);
  // The same step in parts, for several threads: begin_step() once, then update_range() for
  // ranges that together cover [0, param_count). Each element's update depends on that element
  // alone, so the split does not change the result.
  void begin_step() { ++iterations_; }
  void update_range(float* params, const float* grads, std::size_t begin, std::size_t end);

  const OptimizerConfig& config() const { return config_; }
  // The rate of the next steps (a schedule changes it between epochs).
  void set_learning_rate(double learning_rate) { config_.learning_rate = learning_rate; }
  std::int64_t iterations() const { return iterations_; }
  void set_iterations(std::int64_t iterations) { iterations_ = iterations; }

  // The named state blocks (e.g. "velocity", "mean_square", "m", "v"), param_count each.
  struct State {
    std::string name;
    std::vector<float>* values;
  };
  std::vector<State> state();

private:
  OptimizerConfig config_;
  std::size_t count_;
  std::int64_t iterations_ = 0;
  std::vector<float> first_;  // velocity (momentum), accumulator (AdaGrad), mean square, m
  std::vector<float> second_; // v (Adam)
  // The [begin, end) element ranges that step() updates, adjacent ones merged.
  std::vector<std::pair<std::size_t, std::size_t>> trainable_;

  void update(float* params, const float* grads, std::size_t begin, std::size_t end);
};

} // namespace cnn
