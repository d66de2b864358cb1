// Runs a generated model in double precision on random parameters, inputs and targets: the
// summed loss of the active lanes, its gradient from backward, and central differences.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

#include "cnn/model_info.hpp"

namespace cnnc::test {

// The sanitizer build (CNNC_TEST_SANITIZED: clang++ at -O0 with ASan and UBSan) runs a large
// model's kernels hundreds of times slower than the optimised build: one forward pass of cifar10
// for two lanes takes most of a second there. So its checks of a model take as many central
// differences, seeds and reference lanes as a fixed amount of work allows. Every kernel still
// runs, forward and backward, at every lane count, which is what the sanitizers watch; the
// optimised build judges the values in full.
#ifdef CNNC_TEST_SANITIZED
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

// The work the sanitizer build gives one check: 200 million FLOPs (about two seconds there).
inline constexpr double kSanitizedFlops = 2e8;

// A forward pass of one sample, in FLOPs (the generated kLayers' counts).
template <typename M>
double forward_flops() {
  double sum = 0;
  for (const cnn::LayerInfo& layer : M::kLayers) sum += double(layer.forward_flops);
  return sum;
}

// How many of `full` repetitions a check runs when each costs `passes` forward passes of one
// sample: all of them, except under the sanitizers, where as many as kSanitizedFlops allows, at
// least one.
template <typename M>
std::size_t sanitized_count(std::size_t full, double passes) {
  if (!kSanitized) return full;
  const double each = passes * std::max(1.0, forward_flops<M>());
  return std::clamp<std::size_t>(std::size_t(kSanitizedFlops / each), 1, full);
}

template <typename M, int L = 2>
struct Harness {
  using Workspace = typename M::template Workspace<double, L>;

  std::vector<double> params = std::vector<double>(M::kParamCount);
  std::vector<double> input = std::vector<double>(std::size_t(M::kInputSize) * L);
  std::vector<double> target = std::vector<double>(std::size_t(M::kOutputSize) * L);
  std::unique_ptr<Workspace> ws = std::make_unique<Workspace>();

  // Weights scaled like Glorot's uniform, biases small and random (so ReLUs and pools see a mix),
  // batch normalization's scales and variances around 1, inputs in [0, 1), targets one-hot for
  // classifiers (in [0, 1) for binary, else in [-1, 1)). With `training`, the workspace is in
  // training mode (dropout drops, batch normalization uses the group's statistics), every lane
  // in the batch, with lane seeds drawn from `seed`.
  explicit Harness(unsigned seed, bool training = false) {
    std::mt19937_64 rng(seed);
    for (const cnn::TensorInfo& tensor : M::kTensors) {
      if (tensor.size == 0) continue; // the placeholder of a model without parameters
      const std::string_view role = tensor.role;
      const bool around_one = role == "gamma" || role == "moving_variance";
      const double limit = around_one                         ? 0.5
                           : role == "bias" || role == "beta" ? 0.1
                           : role == "moving_mean"
                               ? 0.3
                               : std::sqrt(6.0 / (tensor.fan_in + tensor.fan_out));
      std::uniform_real_distribution<double> weight(-limit, limit);
      for (std::size_t i = 0; i < tensor.size; ++i)
        params[tensor.offset + i] = (around_one ? 1.0 : 0.0) + weight(rng);
    }
    ws->training = training;
    for (int l = 0; l < L; ++l) ws->seeds[l] = cnn::splitmix64(seed, std::uint64_t(l));
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (double& x : input) x = unit(rng);
    const auto loss = M::kTraining.loss;
    for (int l = 0; l < L; ++l) {
      const int hot = int(rng() % M::kOutputSize);
      for (int k = 0; k < M::kOutputSize; ++k) {
        double& y = target[std::size_t(k) * L + l];
        if (loss == cnn::LossKind::CategoricalCrossentropy)
          y = k == hot ? 1.0 : 0.0;
        else if (loss == cnn::LossKind::BinaryCrossentropy)
          y = unit(rng);
        else
          y = 2.0 * unit(rng) - 1.0;
      }
    }
  }

  double loss_sum(int active) {
    M::forward(params.data(), input.data(), *ws);
    double lanes[L];
    M::loss(*ws, target.data(), active, lanes);
    double sum = 0;
    for (int l = 0; l < L; ++l) sum += lanes[l];
    return sum;
  }

  std::vector<double> gradient(int active) {
    std::vector<double> grads(M::kParamCount, 0.0);
    M::forward(params.data(), input.data(), *ws);
    M::backward(params.data(), target.data(), active, *ws, grads.data());
    return grads;
  }

  // Central difference of the summed loss along parameter `index` with step h.
  double central_difference(std::size_t index, int active, double h) {
    const double saved = params[index];
    params[index] = saved + h;
    const double up = loss_sum(active);
    params[index] = saved - h;
    const double down = loss_sum(active);
    params[index] = saved;
    return (up - down) / (2 * h);
  }

  std::vector<double> output() const {
    const double* out = reinterpret_cast<const double*>(&ws->output);
    return std::vector<double>(out, out + std::size_t(M::kOutputSize) * L);
  }
};

struct GradientReport {
  std::size_t checked = 0;
  std::size_t kinks = 0;      // two step sizes disagreed: a ReLU or a max switched inside the step
  std::size_t mismatches = 0; // backward disagreed with a smooth difference
  double worst = 0;           // the largest relative error among smooth points
  std::string first_mismatch;

  // Kinks are at most one point in 20 (one point when fewer than 20 were checked, as the
  // sanitizer build checks for the larger models, but never every point), so that most points
  // are judged.
  bool few_kinks() const {
    return kinks * 20 <= std::max<std::size_t>(checked, 20) && (kinks == 0 || kinks < checked);
  }
};

// Compares backward with central differences on every parameter (or an even sample of at most
// `limit` of them, always including each tensor's first and last). A point where steps h and h/2
// disagree sits on a kink (a ReLU or a max changing its winner) and is counted, not judged.
template <typename M, int L>
GradientReport check_gradient(Harness<M, L>& harness, int active, std::size_t limit = 600) {
  GradientReport report;
  const std::vector<double> analytic = harness.gradient(active);
  std::vector<std::size_t> indices;
  // A model without parameters has nothing to check (and clang++ refuses the division by its
  // constant zero parameter count, even in a loop that never runs).
  if constexpr (M::kParamCount > 0) {
    std::vector<const cnn::TensorInfo*> tensors;
    for (const cnn::TensorInfo& tensor : M::kTensors)
      // Statistics such as moving means are not learnt: backward gives them no gradient.
      if (tensor.size > 0 && tensor.trainable) tensors.push_back(&tensor);
    if (limit < 2 * tensors.size()) {
      // Fewer samples than tensors allow (a large model under the sanitizers): the last
      // parameter of `limit` tensors, spread evenly from the last tensor on.
      const std::size_t count = std::min(limit, tensors.size());
      for (std::size_t k = 0; k < count; ++k) {
        const cnn::TensorInfo& tensor = *tensors[tensors.size() - 1 - k * tensors.size() / count];
        indices.push_back(tensor.offset + tensor.size - 1);
      }
    } else {
      for (const cnn::TensorInfo* tensor : tensors) {
        const std::size_t share = std::max<std::size_t>(2, limit * tensor->size / M::kParamCount);
        const std::size_t step = std::max<std::size_t>(1, tensor->size / share);
        for (std::size_t i = 0; i < tensor->size; i += step) indices.push_back(tensor->offset + i);
        indices.push_back(tensor->offset + tensor->size - 1);
      }
    }
  }
  const double h = 1e-5;
  for (std::size_t index : indices) {
    const double coarse = harness.central_difference(index, active, h);
    const double fine = harness.central_difference(index, active, h / 2);
    ++report.checked;
    const double scale = std::max({1e-3, std::abs(coarse), std::abs(fine)});
    if (std::abs(coarse - fine) > 1e-6 * scale) {
      ++report.kinks;
      continue;
    }
    const double error = std::abs(analytic[index] - fine) / std::max(1e-3, std::abs(fine));
    report.worst = std::max(report.worst, error);
    if (error > 1e-5) {
      if (report.mismatches++ == 0)
        report.first_mismatch = "parameter " + std::to_string(index) + ": backward " +
                                std::to_string(analytic[index]) + ", differences " +
                                std::to_string(fine);
    }
  }
  return report;
}

} // namespace cnnc::test
