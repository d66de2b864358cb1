// The compute engine of training, generic over a generated model: batches split in groups of
// L lanes across a persistent thread pool, each worker with its own workspace and gradient
// block, reduced in worker order so results are bit-identical for a seed and thread count.
#pragma once

#include "cnn/aligned.hpp"
#include "cnn/batch.hpp"
#include "cnn/dataset.hpp"
#include "cnn/thread_pool.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace cnn {

// Sums over samples: the loss, and the second metric: correct predictions for class labels,
// absolute errors for real-valued targets.
struct BatchMetrics {
  double loss_sum = 0; // of per-sample losses
  long correct = 0;
  double abs_error_sum = 0; // of per-sample mean absolute errors
  long samples = 0;
  double loss() const { return samples ? loss_sum / static_cast<double>(samples) : 0.0; }
  double accuracy() const { return samples ? static_cast<double>(correct) / samples : 0.0; }
  double mae() const { return samples ? abs_error_sum / static_cast<double>(samples) : 0.0; }
  void add(const BatchMetrics& other) {
    loss_sum += other.loss_sum;
    correct += other.correct;
    abs_error_sum += other.abs_error_sum;
    samples += other.samples;
  }
};

template <class Model>
class Trainer {
public:
  static constexpr int kLanes = 8; // one AVX2 register of floats
  using Workspace = typename Model::template Workspace<float, kLanes>;

  explicit Trainer(int threads)
      : pool_(threads), params_(Model::kParamCount), grads_(Model::kParamCount),
        transform_(InputTransform::of<Model>()) {
    for (int w = 0; w < pool_.size(); ++w) workers_.emplace_back();
  }

  float* params() { return params_.data(); }
  const float* params() const { return params_.data(); }
  // The mean gradient of the last train_batch.
  const float* grads() const { return grads_.data(); }
  int threads() const { return pool_.size(); }

  // Whether any tensor has an L2 penalty (Keras' kernel_regularizer=l2(x)).
  static constexpr bool kRegularized = [] {
    for (const auto& tensor : Model::kTensors)
      if (tensor.l2 > 0) return true;
    return false;
  }();

  // The L2 penalty of the current parameters: the sum over tensors of l2 * sum(w^2), which
  // Keras adds to the loss it reports.
  double l2_penalty() const {
    double penalty = 0;
    if constexpr (kRegularized) {
      for (const auto& tensor : Model::kTensors) {
        if (!(tensor.l2 > 0)) continue;
        double squares = 0;
        for (std::size_t i = tensor.offset; i < tensor.offset + tensor.size; ++i)
          squares += static_cast<double>(params_[i]) * params_[i];
        penalty += tensor.l2 * squares;
      }
    }
    return penalty;
  }

  // Forward and backward over `items` of `data`; leaves the mean gradient (with the L2
  // penalty's 2 * l2 * w) in grads(). With `changes`, one per item, each training sample is
  // augmented by its own.
  BatchMetrics train_batch(const Dataset& data, std::span<const std::uint32_t> items,
                           std::span<const Augmentation> changes = {}) {
    const int workers = pool_.size();
    pool_.run([&](int w) {
      Worker& worker = workers_[static_cast<std::size_t>(w)];
      worker.grads.zero();
      run_groups(data, items, w, workers, worker, true, nullptr, changes);
    });
    // Fixed-order reduction, split over the parameter range (each element summed in order).
    const float scale = 1.0f / static_cast<float>(items.size());
    pool_.run([&](int w) {
      const std::size_t begin = Model::kParamCount * static_cast<std::size_t>(w) / workers;
      const std::size_t end = Model::kParamCount * static_cast<std::size_t>(w + 1) / workers;
      for (std::size_t i = begin; i < end; ++i) {
        float sum = workers_[0].grads[i];
        for (int k = 1; k < workers; ++k) sum += workers_[static_cast<std::size_t>(k)].grads[i];
        grads_[i] = sum * scale;
      }
    });
    if constexpr (kRegularized) return regularize(items.size());
    return collect();
  }

  // Loss and the second metric over `items` (forward only). With `predicted`, also the
  // predicted class of every item, in the order of `items`.
  BatchMetrics evaluate(const Dataset& data, std::span<const std::uint32_t> items,
                        std::vector<int>* predicted = nullptr) {
    const int workers = pool_.size();
    if (predicted) predicted->assign(items.size(), 0);
    pool_.run([&](int w) {
      run_groups(data, items, w, workers, workers_[static_cast<std::size_t>(w)], false,
                 predicted ? predicted->data() : nullptr);
    });
    BatchMetrics metrics = collect();
    if constexpr (kRegularized)
      metrics.loss_sum += l2_penalty() * static_cast<double>(items.size());
    return metrics;
  }

  // The model's output (kOutputSize values per sample) for every sample of `samples`.
  std::vector<float> predict(const Samples& samples) {
    std::vector<float> out(samples.count * Model::kOutputSize);
    const std::size_t groups = (samples.count + kLanes - 1) / kLanes;
    const int workers = pool_.size();
    pool_.run([&](int w) {
      Worker& worker = workers_[static_cast<std::size_t>(w)];
      std::uint32_t items[kLanes];
      for (std::size_t g = groups * w / workers; g < groups * (w + 1) / workers; ++g) {
        const int active =
            static_cast<int>(std::min<std::size_t>(kLanes, samples.count - g * kLanes));
        for (int l = 0; l < active; ++l) items[l] = static_cast<std::uint32_t>(g * kLanes + l);
        fill_input_group<kLanes>(samples, transform_, items, active, worker.input.data());
        Model::template forward<float, kLanes>(params_.data(), worker.input.data(), *worker.ws);
        const float* output = output_of(*worker.ws);
        for (int l = 0; l < active; ++l)
          for (int k = 0; k < Model::kOutputSize; ++k)
            out[(g * kLanes + l) * Model::kOutputSize + k] = output[k * kLanes + l];
      }
    });
    return out;
  }

private:
  struct Worker {
    std::unique_ptr<Workspace> ws = std::make_unique<Workspace>();
    AlignedFloats grads{Model::kParamCount};
    AlignedFloats input{static_cast<std::size_t>(Model::kInputSize) * kLanes};
    AlignedFloats target{static_cast<std::size_t>(Model::kOutputSize) * kLanes};
    BatchMetrics metrics;
  };

  static const float* output_of(const Workspace& ws) {
    return reinterpret_cast<const float*>(&ws.output);
  }

  // Adds the L2 penalty's gradient, 2 * l2 * w, to the mean gradient, and the penalty to each
  // sample's loss, after the batch that was run at these parameters.
  BatchMetrics regularize(std::size_t samples) {
    BatchMetrics metrics = collect();
    metrics.loss_sum += l2_penalty() * static_cast<double>(samples);
    for (const auto& tensor : Model::kTensors) {
      if (!(tensor.l2 > 0)) continue;
      const float factor = static_cast<float>(2 * tensor.l2);
      for (std::size_t i = tensor.offset; i < tensor.offset + tensor.size; ++i)
        grads_[i] += factor * params_[i];
    }
    return metrics;
  }

  // Worker w takes a contiguous share of the lane groups of `items`.
  void run_groups(const Dataset& data, std::span<const std::uint32_t> items, int w, int workers,
                  Worker& worker, bool train, int* predicted = nullptr,
                  std::span<const Augmentation> changes = {}) {
    worker.metrics = {};
    const std::size_t groups = (items.size() + kLanes - 1) / kLanes;
    const std::size_t first = groups * static_cast<std::size_t>(w) / workers;
    const std::size_t last = groups * static_cast<std::size_t>(w + 1) / workers;
    float lane_loss[kLanes];
    for (std::size_t g = first; g < last; ++g) {
      const std::uint32_t* group = items.data() + g * kLanes;
      const int active = static_cast<int>(std::min<std::size_t>(kLanes, items.size() - g * kLanes));
      fill_input_group<kLanes>(data.images, transform_, group, active, worker.input.data(),
                               changes.empty() ? nullptr : changes.data() + g * kLanes);
      fill_target_group<kLanes>(data.targets, group, active, Model::kOutputSize,
                                worker.target.data());
      Model::template forward<float, kLanes>(params_.data(), worker.input.data(), *worker.ws);
      Model::template loss<float, kLanes>(*worker.ws, worker.target.data(), active, lane_loss);
      if (train)
        Model::template backward<float, kLanes>(params_.data(), worker.target.data(), active,
                                                *worker.ws, worker.grads.data());
      const float* output = output_of(*worker.ws);
      for (int l = 0; l < active; ++l) {
        worker.metrics.loss_sum += lane_loss[l];
        if (data.targets.real()) {
          worker.metrics.abs_error_sum +=
              absolute_error<kLanes>(output, worker.target.data(), Model::kOutputSize, l);
          continue;
        }
        const int best = predicted_class<kLanes>(output, Model::kOutputSize, l);
        worker.metrics.correct += best == data.targets.labels[group[l]];
        if (predicted) predicted[g * kLanes + l] = best;
      }
      worker.metrics.samples += active;
    }
  }

  BatchMetrics collect() const {
    BatchMetrics total;
    for (const auto& worker : workers_) total.add(worker.metrics);
    return total;
  }

  ThreadPool pool_;
  AlignedFloats params_, grads_;
  InputTransform transform_;
  std::vector<Worker> workers_;
};

} // namespace cnn
