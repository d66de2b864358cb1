// A test fixture written by hand to the generated-code contract (docs/generated-api.md): a
// softmax classifier of 28x28x1 images, one dense layer, categorical cross-entropy.
#pragma once

#include "cnn/model_info.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace cnn::dense {

struct Model {
  static constexpr const char* kName = "dense";
  static constexpr const char* kSource = "tests/runtime/dense_model.hpp";
  static constexpr int kInputH = 28, kInputW = 28, kInputC = 1;
  static constexpr int kInputSize = 784;
  static constexpr int kOutputSize = 10;
  static constexpr std::size_t kParamCount = 7850;
  static constexpr int kLayerCount = 2;
  static constexpr int kTensorCount = 2;
  static constexpr std::size_t kDense1Kernel = 0;  // (784, 10)
  static constexpr std::size_t kDense1Bias = 7840; // (10)
  // Laid out as cnnc lays out its tables.
  // clang-format off
  static constexpr cnn::TensorInfo kTensors[kTensorCount] = {
      {.name = "dense_1.kernel", .layer = "dense_1", .role = "kernel",
       .offset = kDense1Kernel, .size = 7840, .rank = 2, .dims = {784, 10, 0, 0},
       .fan_in = 784, .fan_out = 10, .init = {.kind = cnn::InitKind::GlorotUniform, .param = 0.0},
       .trainable = true, .l2 = 0.0},
      {.name = "dense_1.bias", .layer = "dense_1", .role = "bias",
       .offset = kDense1Bias, .size = 10, .rank = 1, .dims = {10, 0, 0, 0},
       .fan_in = 784, .fan_out = 10, .init = {.kind = cnn::InitKind::Zeros, .param = 0.0},
       .trainable = true, .l2 = 0.0},
  };
  static constexpr cnn::LayerInfo kLayers[kLayerCount] = {
      {.name = "flatten_1", .kind = "Flatten", .rank = 1, .out_dims = {784, 0, 0},
       .params = 0, .first_tensor = 0, .tensor_count = 0,
       .forward_flops = 0, .backward_flops = 0},
      {.name = "dense_1", .kind = "Dense", .rank = 1, .out_dims = {10, 0, 0},
       .params = 7850, .first_tensor = 0, .tensor_count = 2,
       .forward_flops = 2 * 784 * 10 + 10 * 5, .backward_flops = 4 * 784 * 10},
  };
  static constexpr cnn::TrainingConfig kTraining = {
      .loss = cnn::LossKind::CategoricalCrossentropy,
      .optimizer = {.kind = cnn::OptimizerKind::Adam, .learning_rate = 0.001, .momentum = 0.0,
                    .rho = 0.9, .beta1 = 0.9, .beta2 = 0.999, .epsilon = 1e-7,
                    .initial_accumulator = 0.1},
      .batch_size = 32,
      .epochs = 3,
      .validation_count = 0,
      .validation_fraction = 0.1,
      .seed = 7,
  };
  // clang-format on
  static constexpr bool kClassifier = true;
  static constexpr double kInputScale = 1.0;
  static constexpr double kInputMean[kInputC] = {0.0};
  static constexpr double kInputStd[kInputC] = {1.0};
  static constexpr int kClassCount = 10;
  static constexpr bool kHasClassNames = false;
  static constexpr const char* kClassNames[kClassCount] = {"0", "1", "2", "3", "4",
                                                           "5", "6", "7", "8", "9"};

  template <typename T, int L>
  struct Workspace {
    alignas(64) T input[kInputSize][L];
    alignas(64) T output[kOutputSize * L];
  };
  // This model's forward needs nothing that backward alone uses.
  template <typename T, int L>
  using ForwardWorkspace = Workspace<T, L>;

  template <typename T, int L>
  static void forward(const T* params, const T* input, Workspace<T, L>& ws) {
    std::copy(input, input + kInputSize * L, &ws.input[0][0]);
    T z[kOutputSize][L];
    for (int k = 0; k < kOutputSize; ++k)
      for (int l = 0; l < L; ++l) z[k][l] = params[kDense1Bias + k];
    for (int i = 0; i < kInputSize; ++i)
      for (int k = 0; k < kOutputSize; ++k)
        for (int l = 0; l < L; ++l) z[k][l] += ws.input[i][l] * params[kDense1Kernel + i * 10 + k];
    for (int l = 0; l < L; ++l) {
      T top = z[0][l];
      for (int k = 1; k < kOutputSize; ++k) top = std::max(top, z[k][l]);
      T sum = 0;
      for (int k = 0; k < kOutputSize; ++k) sum += ws.output[k * L + l] = std::exp(z[k][l] - top);
      for (int k = 0; k < kOutputSize; ++k) ws.output[k * L + l] /= sum;
    }
  }

  template <typename T, int L>
  static void loss(const Workspace<T, L>& ws, const T* target, int active, T* loss_per_lane) {
    for (int l = 0; l < L; ++l) {
      T value = 0;
      if (l < active)
        for (int k = 0; k < kOutputSize; ++k)
          value -=
              target[k * L + l] * std::log(std::clamp(ws.output[k * L + l], T(1e-7), T(1 - 1e-7)));
      loss_per_lane[l] = value;
    }
  }

  template <typename T, int L>
  static void backward(const T* params, const T* target, int active, Workspace<T, L>& ws,
                       T* grads) {
    (void)params;
    T dz[kOutputSize][L];
    for (int k = 0; k < kOutputSize; ++k)
      for (int l = 0; l < L; ++l)
        dz[k][l] = l < active ? ws.output[k * L + l] - target[k * L + l] : T(0);
    for (int k = 0; k < kOutputSize; ++k)
      for (int l = 0; l < L; ++l) grads[kDense1Bias + k] += dz[k][l];
    for (int i = 0; i < kInputSize; ++i)
      for (int k = 0; k < kOutputSize; ++k) {
        T sum = 0;
        for (int l = 0; l < L; ++l) sum += ws.input[i][l] * dz[k][l];
        grads[kDense1Kernel + i * 10 + k] += sum;
      }
  }
};

} // namespace cnn::dense
