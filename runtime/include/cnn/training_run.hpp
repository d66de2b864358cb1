// One training run of a generated model: data and validation split, initialisation or resume,
// the epoch loop with progress, NaN guard and checkpoints, then weights, history, plot and the
// test evaluation.
#pragma once

#include "cnn/checkpoint.hpp"
#include "cnn/errors.hpp"
#include "cnn/history.hpp"
#include "cnn/idx.hpp"
#include "cnn/init.hpp"
#include "cnn/optimizer.hpp"
#include "cnn/options.hpp"
#include "cnn/progress.hpp"
#include "cnn/random.hpp"
#include "cnn/trainer.hpp"
#include "cnn/weights.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <numeric>

namespace cnn {

// Thrown when the loss or the parameters stop being finite.
struct TrainingDiverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Random-stream numbers of one seed: each use gets its own sequence.
enum RngStream : std::uint64_t { kInitStream = 1, kSplitStream = 2, kShuffleStream = 3 };

template <class Model>
constexpr int class_count() {
  return Model::kOutputSize == 1 ? 2 : Model::kOutputSize;
}

// Reads an MNIST-style split and checks that its images fit the model's input.
template <class Model>
Dataset read_model_data(const std::string& dir, const std::string& split) {
  Dataset data = read_mnist_split(dir, split, class_count<Model>());
  if (data.images.rows != Model::kInputH || data.images.cols != Model::kInputW ||
      Model::kInputC != 1)
    throw DataError(fmt::format("{}: images are {}x{}x1, model {} expects {}x{}x{}",
                                data.images.path, data.images.rows, data.images.cols, Model::kName,
                                Model::kInputH, Model::kInputW, Model::kInputC));
  return data;
}

// The position of the first non-finite value, or -1.
inline long first_non_finite(const float* values, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i)
    if (!std::isfinite(values[i])) return static_cast<long>(i);
  return -1;
}

template <class Model>
int run_training(CommandLine line, std::FILE* out = stdout, std::FILE* err = stderr) {
  std::optional<Safetensors> checkpoint;
  if (line.resume) {
    checkpoint = read_safetensors(*line.resume);
    apply_checkpoint_settings(*checkpoint, line);
  }
  const TrainSettings s = resolve_settings(Model::kTraining, Model::kName, line);
  const Dataset train_data = read_model_data<Model>(s.data_dir, "train");
  const Dataset test_data = read_model_data<Model>(s.data_dir, "t10k");

  const long full = static_cast<long>(train_data.size());
  const long available = s.limit > 0 ? std::min(s.limit, full) : full;
  const long held_out = validation_size(s, line.validation_count.has_value(), available, full);
  if (held_out >= available)
    throw UsageError(fmt::format("--validation: holding out {} of {} training images leaves none "
                                 "to train on",
                                 held_out, available));

  // A seeded split: shuffle all usable indices once, hold out the first ones.
  std::vector<std::uint32_t> all(static_cast<std::size_t>(available));
  std::iota(all.begin(), all.end(), 0u);
  Rng split_rng(s.seed, kSplitStream);
  split_rng.shuffle(all.begin(), all.end());
  std::vector<std::uint32_t> validation(all.begin(), all.begin() + held_out);
  std::vector<std::uint32_t> train_base(all.begin() + held_out, all.end());
  std::sort(validation.begin(), validation.end());
  std::sort(train_base.begin(), train_base.end());
  std::vector<std::uint32_t> test_items(
      s.test_limit > 0
          ? std::min<std::size_t>(static_cast<std::size_t>(s.test_limit), test_data.size())
          : test_data.size());
  std::iota(test_items.begin(), test_items.end(), 0u);

  Trainer<Model> trainer(s.threads);
  Optimizer optimizer(s.optimizer, Model::kParamCount);
  const ModelTensors model = describe<Model>();
  RunPosition position;
  Rng shuffle_rng(s.seed, kShuffleStream);
  if (checkpoint) {
    position = load_checkpoint(*checkpoint, model, trainer.params(), optimizer);
    try {
      shuffle_rng.set_state(position.shuffle_state);
    } catch (const std::invalid_argument& error) {
      throw DataError(*line.resume + ": " + error.what());
    }
  } else if (!s.init_file.empty()) {
    load_weights(read_safetensors(s.init_file), model, trainer.params(), "optimizer.");
  } else {
    Rng init_rng(s.seed, kInitStream);
    for (const auto& tensor : Model::kTensors)
      initialise_tensor(tensor, trainer.params() + tensor.offset, init_rng);
  }

  std::error_code error;
  std::filesystem::create_directories(s.out_dir, error);
  if (error)
    throw DataError(
        fmt::format("{}: cannot create the output folder ({})", s.out_dir, error.message()));
  const std::string checkpoint_path = s.out_dir + "/checkpoint.safetensors";

  Progress progress(Progress::detect(out, s.quiet), out);
  if (!s.quiet)
    fmt::print(out,
               "{}: {} training, {} validation, {} test images; batch {}, {} lr {}, {} thread{}\n",
               Model::kName, train_base.size(), validation.size(), test_items.size(), s.batch,
               optimizer_name(s.optimizer.kind), s.optimizer.learning_rate, s.threads,
               s.threads == 1 ? "" : "s");
  std::fflush(out);

  std::vector<std::uint32_t> order;
  for (int epoch = position.epoch + 1; epoch <= s.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    order = train_base; // each epoch's order depends only on the shuffler's state
    shuffle_rng.shuffle(order.begin(), order.end());
    progress.begin_epoch(epoch, s.epochs, order.size());
    BatchMetrics epoch_metrics;
    const std::size_t batches = (order.size() + s.batch - 1) / s.batch;
    for (std::size_t b = 0; b < batches; ++b) {
      const std::size_t begin = b * s.batch, end = std::min(order.size(), begin + s.batch);
      const auto metrics =
          trainer.train_batch(train_data, std::span(order).subspan(begin, end - begin));
      auto diverged = [&](const std::string& what) {
        return TrainingDiverged(fmt::format(
            "training diverged: {} in epoch {}, batch {} of {} (try a smaller --lr); stopped. {}",
            what, epoch, b + 1, batches,
            position.epoch > 0 ? fmt::format("The last good checkpoint is {} (epoch {}).",
                                             checkpoint_path, position.epoch)
                               : std::string("No checkpoint was written (no epoch completed).")));
      };
      if (!std::isfinite(metrics.loss_sum))
        throw diverged(fmt::format("the loss became {}", metrics.loss_sum));
      optimizer.step(trainer.params(), trainer.grads());
      if (const long at = first_non_finite(trainer.params(), Model::kParamCount); at >= 0)
        throw diverged(fmt::format("parameter {} became {}", at, trainer.params()[at]));
      epoch_metrics.loss_sum += metrics.loss_sum;
      epoch_metrics.correct += metrics.correct;
      epoch_metrics.samples += metrics.samples;
      progress.update(end, epoch_metrics.loss(), epoch_metrics.accuracy());
    }
    EpochRecord record;
    record.epoch = epoch;
    record.loss = epoch_metrics.loss();
    record.acc = epoch_metrics.accuracy();
    if (!validation.empty()) {
      const auto val = trainer.evaluate(train_data, validation);
      record.val_loss = val.loss();
      record.val_acc = val.accuracy();
    }
    record.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.end_epoch(record, s.epochs);
    position.epoch = epoch;
    position.history.push_back(record);
    position.shuffle_state = shuffle_rng.state();
    write_file_atomically(s.out_dir + "/history.csv", history_csv(position.history));
    save_checkpoint(checkpoint_path, model, trainer.params(), optimizer, s,
                    static_cast<long>(validation.size()), position);
  }

  save_weights(s.out_dir + "/weights.safetensors", model, trainer.params());
  write_file_atomically(s.out_dir + "/history.csv", history_csv(position.history));
  const std::string plot_problem = plot_history(s.out_dir, Model::kName);
  if (!plot_problem.empty()) fmt::print(err, "note: {}\n", plot_problem);
  const auto test = trainer.evaluate(test_data, test_items);
  fmt::print(out, "Test: loss {:.4f} - acc {:.4f}\n", test.loss(), test.accuracy());
  if (!s.quiet)
    fmt::print(
        out, "Wrote {0}/weights.safetensors, {0}/history.csv{1}, {0}/checkpoint.safetensors\n",
        s.out_dir, plot_problem.empty() ? fmt::format(", {}/history.png, .svg", s.out_dir) : "");
  return 0;
}

} // namespace cnn
