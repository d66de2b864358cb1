// The model the checkpoint fuzz target loads into, and whose files seed its corpus: a dense
// layer of 4 inputs and 3 units (a kernel and a bias), trained with Adam.
#pragma once

#include "cnn/model_info.hpp"
#include "cnn/weights.hpp"

#include <span>

namespace cnnc::fuzz {

// clang-format off
inline constexpr cnn::TensorInfo kTinyTensors[] = {
    {.name = "dense_1.kernel", .layer = "dense_1", .role = "kernel", .offset = 0, .size = 12,
     .rank = 2, .dims = {4, 3, 0, 0}, .fan_in = 4, .fan_out = 3,
     .init = {.kind = cnn::InitKind::GlorotUniform, .param = 0.0}},
    {.name = "dense_1.bias", .layer = "dense_1", .role = "bias", .offset = 12, .size = 3,
     .rank = 1, .dims = {3, 0, 0, 0}, .fan_in = 4, .fan_out = 3,
     .init = {.kind = cnn::InitKind::Zeros, .param = 0.0}},
};
inline constexpr cnn::OptimizerConfig kTinyOptimizer = {
    .kind = cnn::OptimizerKind::Adam, .learning_rate = 0.001, .momentum = 0.0, .rho = 0.9,
    .beta1 = 0.9, .beta2 = 0.999, .epsilon = 1e-7, .initial_accumulator = 0.1};
// clang-format on
inline constexpr std::size_t kTinyParamCount = 15;

inline cnn::ModelTensors tiny_model() {
  return {"tiny", std::span<const cnn::TensorInfo>(kTinyTensors), kTinyParamCount};
}

} // namespace cnnc::fuzz
