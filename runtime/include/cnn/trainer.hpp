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

  // Forward and backward over `items` of `data`; leaves the mean gradient in grads().
  BatchMetrics train_batch(const Dataset& data, std::span<const std::uint32_t> items) {
    const int workers = pool_.size();
    pool_.run([&](int w) {
      Worker& worker = workers_[static_cast<std::size_t>(w)];
      worker.grads.zero();
      run_groups(data, items, w, workers, worker, true);
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
    return collect();
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

  // Worker w takes a contiguous share of the lane groups of `items`.
  void run_groups(const Dataset& data, std::span<const std::uint32_t> items, int w, int workers,
                  Worker& worker, bool train, int* predicted = nullptr) {
    worker.metrics = {};
    const std::size_t groups = (items.size() + kLanes - 1) / kLanes;
    const std::size_t first = groups * static_cast<std::size_t>(w) / workers;
    const std::size_t last = groups * static_cast<std::size_t>(w + 1) / workers;
    float lane_loss[kLanes];
    for (std::size_t g = first; g < last; ++g) {
      const std::uint32_t* group = items.data() + g * kLanes;
      const int active = static_cast<int>(std::min<std::size_t>(kLanes, items.size() - g * kLanes));
      fill_input_group<kLanes>(data.images, transform_, group, active, worker.input.data());
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
