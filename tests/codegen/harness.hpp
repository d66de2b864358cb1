// Runs a generated model in double precision on random parameters, inputs and targets: the
// summed loss of the active lanes, its gradient from backward, and central differences.
#pragma once

#include <cmath>
#include <cstddef>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

#include "cnn/model_info.hpp"

namespace cnnc::test {

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
    for (const cnn::TensorInfo& tensor : M::kTensors) {
      // Statistics such as moving means are not learnt: backward gives them no gradient.
      if (tensor.size == 0 || !tensor.trainable) continue;
      const std::size_t share = std::max<std::size_t>(2, limit * tensor.size / M::kParamCount);
      const std::size_t step = std::max<std::size_t>(1, tensor.size / share);
      for (std::size_t i = 0; i < tensor.size; i += step) indices.push_back(tensor.offset + i);
      indices.push_back(tensor.offset + tensor.size - 1);
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
