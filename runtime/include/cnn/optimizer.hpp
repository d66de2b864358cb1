// The optimizers, with Keras 2.x's update rules, acting on the flat parameter block; their
// state blocks share its layout and are saved in checkpoints.
#pragma once

#include "cnn/model_info.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnn {

class Optimizer {
public:
  Optimizer(const OptimizerConfig& config, std::size_t param_count);

  // One update from the mean gradient of a batch.
  void step(float* params, const float* grads);

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
};

const char* optimizer_name(OptimizerKind kind);

} // namespace cnn
