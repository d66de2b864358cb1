// The compute engine of training, generic over a generated model: batches split in groups of
// L lanes across a persistent thread pool, each worker with its own workspace and gradient
// block, reduced in worker order so results are bit-identical for a seed and thread count.
// A model with batch normalization (kStages > 1) is trained in stages: every group of the batch
// keeps its own workspace, and between stages the groups' sums are added in group order into
// the batch's statistics (docs/generated-api.md, "Stages").
#pragma once

#include "cnn/aligned.hpp"
#include "cnn/batch.hpp"
#include "cnn/dataset.hpp"
#include "cnn/lanes.hpp"
#include "cnn/model_info.hpp"
#include "cnn/optimizer.hpp"
#include "cnn/thread_pool.hpp"

#include <algorithm>
#include <cmath>
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

// The seed of a training batch's dropout masks: a hash of the run's seed, the epoch and the
// batch's index in it, so a rerun (or a resumed run) draws the same masks.
inline std::uint64_t batch_seed(std::uint64_t seed, int epoch, std::size_t batch) {
  constexpr std::uint64_t kDropoutStream = 5;
  return splitmix64(splitmix64(splitmix64(seed, kDropoutStream), static_cast<std::uint64_t>(epoch)),
                    batch);
}

template <class Model>
class Trainer {
public:
  static constexpr int kLanes = kLanesPerGroup; // one vector register of floats
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

  // Forward and backward over `items` of `data` in training mode; leaves the mean gradient (with
  // the L2 penalty's 2 * l2 * w) in grads() and moves the model's moving statistics (batch
  // normalization) toward the batch's. With `changes`, one per item, each training sample is
  // augmented by its own. The sample at position p of the batch gets the dropout seed
  // splitmix64(seed, p).
  BatchMetrics train_batch(const Dataset& data, std::span<const std::uint32_t> items,
                           std::span<const Augmentation> changes = {}, std::uint64_t seed = 0) {
    const int workers = pool_.size();
    // The workers' gradients are zero when the last batch's reduction cleared them.
    const bool clear = worker_grads_clear_;
    worker_grads_clear_ = false;
    if constexpr (Model::kStages > 1) {
      train_stages(data, items, changes, seed, clear);
    } else {
      pool_.run([&](int w) {
        Worker& worker = workers_[static_cast<std::size_t>(w)];
        if (!clear) worker.grads.zero();
        run_groups(data, items, w, workers, worker, true, nullptr, changes, seed);
      });
    }
    // Fixed-order reduction, split over the parameter range (each element summed in order);
    // it clears the workers' gradients for the next batch while their values are in the cache.
    const float scale = 1.0f / static_cast<float>(items.size());
    pool_.run([&](int w) {
      const std::size_t begin = Model::kParamCount * static_cast<std::size_t>(w) / workers;
      const std::size_t end = Model::kParamCount * static_cast<std::size_t>(w + 1) / workers;
      for (std::size_t i = begin; i < end; ++i) {
        float sum = workers_[0].grads[i];
        workers_[0].grads[i] = 0.0f;
        for (int k = 1; k < workers; ++k) {
          sum += workers_[static_cast<std::size_t>(k)].grads[i];
          workers_[static_cast<std::size_t>(k)].grads[i] = 0.0f;
        }
        grads_[i] = sum * scale;
      }
    });
    worker_grads_clear_ = true;
    if constexpr (Model::kStages > 1)
      Model::update_moving_statistics(params_.data(), batch_statistics_.data());
    if constexpr (kRegularized) return regularize(items.size());
    return collect();
  }

  // Applies one step of `optimizer` to the parameters from grads(), the parameter range split
  // over the threads. Returns the index of the first parameter that is not finite afterwards,
  // or -1.
  long apply(Optimizer& optimizer) {
    const int workers = pool_.size();
    optimizer.begin_step();
    first_bad_.assign(static_cast<std::size_t>(workers), -1);
    pool_.run([&](int w) {
      const std::size_t begin = Model::kParamCount * static_cast<std::size_t>(w) / workers;
      const std::size_t end = Model::kParamCount * static_cast<std::size_t>(w + 1) / workers;
      optimizer.update_range(params_.data(), grads_.data(), begin, end);
      for (std::size_t i = begin; i < end; ++i)
        if (!std::isfinite(params_[i])) {
          first_bad_[static_cast<std::size_t>(w)] = static_cast<long>(i);
          break;
        }
    });
    for (const long at : first_bad_)
      if (at >= 0) return at;
    return -1;
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
        worker.ws->training = false;
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

  // A group of the batch in a staged training pass: its own workspace, kept from the first
  // forward stage to the last backward stage, and its sums of the current stage.
  struct Group {
    std::unique_ptr<Workspace> ws = std::make_unique<Workspace>();
    AlignedFloats input{static_cast<std::size_t>(Model::kInputSize) * kLanes};
    AlignedFloats target{static_cast<std::size_t>(Model::kOutputSize) * kLanes};
    std::vector<double> sums;
  };

  // The groups [first, last) of `groups` that worker w takes.
  static std::size_t share(std::size_t groups, int w, int workers) {
    return groups * static_cast<std::size_t>(w) / static_cast<std::size_t>(workers);
  }

  static int active_lanes(std::size_t items, std::size_t g) {
    return static_cast<int>(std::min<std::size_t>(kLanes, items - g * kLanes));
  }

  // Puts group g of `items` into `input` and `target`, and sets the workspace's mode, its
  // active lanes and, for training, the lanes' dropout seeds.
  void prepare_group(const Dataset& data, std::span<const std::uint32_t> items, std::size_t g,
                     bool train, std::span<const Augmentation> changes, std::uint64_t seed,
                     float* input, float* target, Workspace& ws) {
    const int active = active_lanes(items.size(), g);
    const std::uint32_t* group = items.data() + g * kLanes;
    fill_input_group<kLanes>(data.images, transform_, group, active, input,
                             changes.empty() ? nullptr : changes.data() + g * kLanes);
    fill_target_group<kLanes>(data.targets, group, active, Model::kOutputSize, target);
    ws.training = train;
    ws.active = active;
    for (int l = 0; l < kLanes; ++l) ws.seeds[l] = splitmix64(seed, g * kLanes + l);
  }

  // The loss and the second metric of group g's lanes, after its forward pass.
  void account(const Dataset& data, std::span<const std::uint32_t> items, std::size_t g,
               const float* target, Workspace& ws, BatchMetrics& metrics, int* predicted) {
    const int active = active_lanes(items.size(), g);
    const std::uint32_t* group = items.data() + g * kLanes;
    float lane_loss[kLanes];
    Model::template loss<float, kLanes>(ws, target, active, lane_loss);
    const float* output = output_of(ws);
    for (int l = 0; l < active; ++l) {
      metrics.loss_sum += lane_loss[l];
      if (data.targets.real()) {
        metrics.abs_error_sum += absolute_error<kLanes>(output, target, Model::kOutputSize, l);
        continue;
      }
      const int best = predicted_class<kLanes>(output, Model::kOutputSize, l);
      metrics.correct += best == data.targets.labels[group[l]];
      if (predicted) predicted[g * kLanes + l] = best;
    }
    metrics.samples += active;
  }

  // Worker w takes a contiguous share of the lane groups of `items`.
  void run_groups(const Dataset& data, std::span<const std::uint32_t> items, int w, int workers,
                  Worker& worker, bool train, int* predicted = nullptr,
                  std::span<const Augmentation> changes = {}, std::uint64_t seed = 0) {
    worker.metrics = {};
    const std::size_t groups = (items.size() + kLanes - 1) / kLanes;
    for (std::size_t g = share(groups, w, workers); g < share(groups, w + 1, workers); ++g) {
      prepare_group(data, items, g, train, changes, seed, worker.input.data(), worker.target.data(),
                    *worker.ws);
      Model::template forward<float, kLanes>(params_.data(), worker.input.data(), *worker.ws);
      account(data, items, g, worker.target.data(), *worker.ws, worker.metrics, predicted);
      if (train)
        Model::template backward<float, kLanes>(params_.data(), worker.target.data(),
                                                active_lanes(items.size(), g), *worker.ws,
                                                worker.grads.data());
    }
  }

  // The staged training pass of a model with batch statistics: each forward stage over every
  // group, then the groups' sums added in group order (the same for any thread count) and
  // turned into the batch's statistics; then the backward stages likewise, in reverse.
  void train_stages(const Dataset& data, std::span<const std::uint32_t> items,
                    std::span<const Augmentation> changes, std::uint64_t seed, bool clear) {
    const std::size_t groups = (items.size() + kLanes - 1) / kLanes;
    while (groups_.size() < groups) {
      groups_.push_back(std::make_unique<Group>());
      groups_.back()->sums.resize(Model::kStatisticsSize);
    }
    const int workers = pool_.size();
    const long samples = static_cast<long>(items.size());
    std::vector<double> total(Model::kStatisticsSize);
    auto add_sums = [&] {
      std::fill(total.begin(), total.end(), 0.0);
      for (std::size_t g = 0; g < groups; ++g)
        for (int i = 0; i < Model::kStatisticsSize; ++i) total[i] += groups_[g]->sums[i];
    };
    for (int stage = 0; stage < Model::kStages; ++stage) {
      pool_.run([&](int w) {
        for (std::size_t g = share(groups, w, workers); g < share(groups, w + 1, workers); ++g) {
          Group& group = *groups_[g];
          if (stage == 0)
            prepare_group(data, items, g, true, changes, seed, group.input.data(),
                          group.target.data(), *group.ws);
          Model::template forward_stage<float, kLanes>(stage, params_.data(), group.input.data(),
                                                       batch_statistics_.data(), *group.ws,
                                                       group.sums.data());
        }
      });
      if (stage + 1 < Model::kStages) {
        add_sums();
        Model::finish_forward_stage(stage, samples, total.data(), batch_statistics_.data());
      }
    }
    for (int stage = Model::kStages - 1; stage >= 0; --stage) {
      pool_.run([&](int w) {
        Worker& worker = workers_[static_cast<std::size_t>(w)];
        if (stage == Model::kStages - 1) {
          if (!clear) worker.grads.zero();
          worker.metrics = {};
        }
        for (std::size_t g = share(groups, w, workers); g < share(groups, w + 1, workers); ++g) {
          Group& group = *groups_[g];
          if (stage == Model::kStages - 1)
            account(data, items, g, group.target.data(), *group.ws, worker.metrics, nullptr);
          Model::template backward_stage<float, kLanes>(
              stage, params_.data(), group.target.data(), active_lanes(items.size(), g),
              batch_statistics_.data(), *group.ws, worker.grads.data(), group.sums.data());
        }
      });
      if (stage > 0) {
        add_sums();
        Model::finish_backward_stage(stage, samples, total.data(), batch_statistics_.data());
      }
    }
  }

  BatchMetrics collect() const {
    BatchMetrics total;
    for (const auto& worker : workers_) total.add(worker.metrics);
    return total;
  }

  // The batch statistics block of a staged pass (kStages > 1), and the groups' workspaces.
  static constexpr std::size_t batch_statistics_size() {
    if constexpr (Model::kStages > 1)
      return Model::kBatchStatisticsSize;
    else
      return 0;
  }

  ThreadPool pool_;
  AlignedFloats params_, grads_;
  std::vector<long> first_bad_; // apply()'s first non-finite parameter, per worker
  bool worker_grads_clear_ = false;
  InputTransform transform_;
  std::vector<Worker> workers_;
  std::vector<double> batch_statistics_ = std::vector<double>(batch_statistics_size());
  std::vector<std::unique_ptr<Group>> groups_;
};

} // namespace cnn
