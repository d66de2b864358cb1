// One training run of a generated model: data and validation split, initialisation or resume,
// the epoch loop with progress, NaN guard and checkpoints, then weights, history, plot and the
// test evaluation.
#pragma once

#include "cnn/checkpoint.hpp"
#include "cnn/dataset.hpp"
#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"
#include "cnn/history.hpp"
#include "cnn/init.hpp"
#include "cnn/interrupt.hpp"
#include "cnn/optimizer.hpp"
#include "cnn/options.hpp"
#include "cnn/progress.hpp"
#include "cnn/random.hpp"
#include "cnn/schedule.hpp"
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
enum RngStream : std::uint64_t {
  kInitStream = 1,
  kSplitStream = 2,
  kShuffleStream = 3,
  kSubsetStream = 4,
  kAugmentStream = 5
};

// `wanted` of the indices [0, count), in increasing order: all of them, or a seeded random
// subset (data such as image folders comes sorted by class, so the first N would not do).
inline std::vector<std::uint32_t> sample_subset(std::size_t count, long wanted,
                                                std::uint64_t seed) {
  std::vector<std::uint32_t> all(count);
  std::iota(all.begin(), all.end(), 0u);
  if (wanted < 0 || static_cast<std::size_t>(wanted) >= count) return all;
  Rng rng(seed, kSubsetStream);
  rng.shuffle(all.begin(), all.end());
  all.resize(static_cast<std::size_t>(wanted));
  std::sort(all.begin(), all.end());
  return all;
}

// What the model needs of its data: its input shape, and class labels for a classifier or real
// targets (or labels, one-hot) for any other model.
template <class Model>
DataSpec data_spec() {
  DataSpec spec;
  spec.height = Model::kInputH;
  spec.width = Model::kInputW;
  spec.channels = Model::kInputC;
  spec.classes = Model::kClassCount > 0 ? Model::kClassCount : Model::kOutputSize;
  spec.target_size = Model::kClassCount > 0 ? 0 : Model::kOutputSize;
  return spec;
}

// The class names to show: the model file's, else the data's (folder names, CIFAR's), else
// the numbers.
template <class Model>
std::vector<std::string> class_names(const Dataset& data) {
  std::vector<std::string> names;
  const int classes = Model::kClassCount > 0 ? Model::kClassCount : Model::kOutputSize;
  for (int k = 0; k < classes; ++k) {
    if (Model::kHasClassNames && k < Model::kClassCount)
      names.push_back(Model::kClassNames[k]);
    else if (data.class_names.size() == static_cast<std::size_t>(classes))
      names.push_back(data.class_names[static_cast<std::size_t>(k)]);
    else
      names.push_back(std::to_string(k));
  }
  return names;
}

// The run files that a new run in `dir` would replace.
inline std::vector<std::string> existing_run_files(const std::string& dir) {
  std::vector<std::string> found;
  for (const char* name : {"history.csv", "weights.safetensors", "checkpoint.safetensors"})
    if (std::filesystem::exists(std::filesystem::path(dir) / name)) found.push_back(name);
  return found;
}

// `base` when it holds no run yet, else the first of base-2, base-3, ... that holds none: the
// default output folder never replaces an earlier run.
inline std::string fresh_run_folder(const std::string& base) {
  if (existing_run_files(base).empty()) return base;
  for (int n = 2;; ++n) {
    const std::string candidate = fmt::format("{}-{}", base, n);
    if (existing_run_files(candidate).empty()) return candidate;
  }
}

// The figure shown beside the loss: accuracy for class labels, mean absolute error for real
// targets.
inline double second_metric(const BatchMetrics& metrics, const std::string& metric) {
  return metric == "mae" ? metrics.mae() : metrics.accuracy();
}

// Each item's random change, drawn in item order from `rng`: the same for every thread count.
inline void draw_augmentations(const AugmentConfig& augment, Rng& rng, std::size_t count,
                               std::vector<Augmentation>& changes) {
  changes.resize(count);
  const auto span = static_cast<std::uint64_t>(2 * augment.shift + 1);
  for (auto& change : changes) {
    change.dy = augment.shift > 0 ? static_cast<int>(rng.below(span)) - augment.shift : 0;
    change.dx = augment.shift > 0 ? static_cast<int>(rng.below(span)) - augment.shift : 0;
    change.flip_horizontal = augment.flip_horizontal && rng.below(2) == 1;
    change.flip_vertical = augment.flip_vertical && rng.below(2) == 1;
  }
}

inline bool augments(const AugmentConfig& augment) {
  return augment.shift > 0 || augment.flip_horizontal || augment.flip_vertical;
}

// Keras' EarlyStopping after an epoch with validation: whether the run should stop now. Keeps
// the best epoch's weights in `state` when they are to be restored.
inline bool early_stopping_says_stop(const EarlyStoppingConfig& config, const EpochRecord& record,
                                     const float* params, std::size_t param_count,
                                     EarlyStoppingState& state) {
  const double current =
      config.monitor == MonitorKind::ValLoss ? *record.val_loss : *record.val_acc;
  const bool higher_is_better = config.monitor == MonitorKind::ValAcc;
  const bool improved =
      state.best_epoch == 0 || (higher_is_better ? current > state.best + config.min_delta
                                                 : current < state.best - config.min_delta);
  if (improved) {
    state.best = current;
    state.best_epoch = record.epoch;
    state.wait = 0;
    if (config.restore_best_weights) state.best_params.assign(params, params + param_count);
    return false;
  }
  ++state.wait;
  return state.wait >= config.patience;
}

template <class Model>
int run_training(const CommandLine& line, std::FILE* out = stdout, std::FILE* err = stderr) {
  std::optional<Safetensors> checkpoint;
  OptionTexts from_checkpoint;
  if (line.resume) {
    checkpoint = read_safetensors(*line.resume);
    from_checkpoint = checkpoint_layer(*checkpoint);
  }
  TrainSettings s = resolve_settings(Model::kTraining, Model::kName, line, from_checkpoint);
  if (checkpoint) {
    const int done = checkpoint_epoch(*checkpoint);
    const auto stopped = checkpoint->metadata.find("early_stopping_stopped");
    if (stopped != checkpoint->metadata.end() && stopped->second != "0") {
      const auto folder = std::filesystem::path(*line.resume).parent_path();
      fmt::print(out,
                 "{}: {} stopped early after epoch {}: nothing to train, nothing written. To train "
                 "on from its best weights, start a new run with --init {}\n",
                 Model::kName, *line.resume, stopped->second,
                 (folder / "weights.safetensors").string());
      return 0;
    }
    if (done >= s.epochs) {
      fmt::print(out,
                 "{}: {} has completed {} epoch{}, and the run asks for {}: nothing to train, "
                 "nothing written. To train further, give more epochs: --resume {} --epochs {}\n",
                 Model::kName, *line.resume, done, done == 1 ? "" : "s", s.epochs, *line.resume,
                 done + 10);
      return 0;
    }
  }
  // A resumed run continues in its own folder, unless --out names another one.
  std::string resumed_folder;
  if (checkpoint) {
    const auto folder = std::filesystem::path(*line.resume).parent_path();
    resumed_folder = folder.empty() ? "." : folder.string();
  }
  std::error_code same_error;
  const bool into_own_folder =
      checkpoint &&
      (!line.out || std::filesystem::equivalent(resumed_folder, s.out_dir, same_error));
  if (checkpoint && !line.out) {
    s.out_dir = resumed_folder;
  } else if (!checkpoint && !line.out) {
    s.out_dir = fresh_run_folder(s.out_dir);
  } else if (!into_own_folder && !s.overwrite) {
    const auto existing = existing_run_files(s.out_dir);
    if (!existing.empty())
      throw UsageError(fmt::format("{} already holds a run ({}); pass --overwrite to replace it, "
                                   "another --out DIR, or --resume {}/checkpoint.safetensors to "
                                   "continue it",
                                   s.out_dir, fmt::join(existing, ", "), s.out_dir));
  }
  const DataFormat format = s.format.empty() ? DataFormat::Auto : parse_format(s.format);
  const DataSpec spec = data_spec<Model>();
  const Dataset train_data = read_split(s.data_dir, format, Split::Train, spec);
  std::optional<Dataset> test_data;
  if (has_split(s.data_dir, format, Split::Test))
    test_data = read_split(s.data_dir, format, Split::Test, spec);
  const std::string metric = train_data.targets.real() ? "mae" : "acc";

  const long full = static_cast<long>(train_data.size());
  const long available = s.limit > 0 ? std::min(s.limit, full) : full;
  const long held_out = validation_size(s, available, full);
  if (held_out >= available)
    throw UsageError(fmt::format("--validation: holding out {} of {} training images leaves none "
                                 "to train on",
                                 held_out, available));
  const EarlyStoppingConfig& early = s.early_stopping;
  if (early.enabled && held_out == 0)
    throw UsageError(fmt::format("early stopping watches {}, but the run holds out no validation "
                                 "samples; give 'validation N' in the model's training section "
                                 "or --validation N",
                                 keyword(early.monitor)));
  if (early.enabled && early.monitor != MonitorKind::ValLoss &&
      (early.monitor == MonitorKind::ValMae) != (metric == "mae"))
    throw UsageError(fmt::format("early stopping watches {}, but this data's metric is val_{} "
                                 "(the model's early_stopping monitor must be val_loss or val_{})",
                                 keyword(early.monitor), metric, metric));

  // A seeded split: shuffle all usable indices once, hold out the first ones.
  std::vector<std::uint32_t> all = sample_subset(train_data.size(), available, s.seed);
  Rng split_rng(s.seed, kSplitStream);
  split_rng.shuffle(all.begin(), all.end());
  std::vector<std::uint32_t> validation(all.begin(), all.begin() + held_out);
  std::vector<std::uint32_t> train_base(all.begin() + held_out, all.end());
  std::sort(validation.begin(), validation.end());
  std::sort(train_base.begin(), train_base.end());
  if (test_data && test_data->size() == 0)
    throw DataError(fmt::format("{}: the test split holds no samples", test_data->images.path));
  const std::size_t test_size = test_data ? test_data->size() : 0;
  const std::vector<std::uint32_t> test_items = sample_subset(
      test_size, s.test_limit > 0 ? s.test_limit : static_cast<long>(test_size), s.seed);

  Trainer<Model> trainer(s.threads);
  const ModelTensors model = describe<Model>();
  Optimizer optimizer(s.optimizer, Model::kParamCount, model.tensors);
  RunPosition position;
  Rng shuffle_rng(s.seed, kShuffleStream);
  Rng augment_rng(s.seed, kAugmentStream);
  if (checkpoint) {
    position = load_checkpoint(*checkpoint, model, trainer.params(), optimizer);
    try {
      shuffle_rng.set_state(position.shuffle_state);
      if (!position.augment_state.empty()) augment_rng.set_state(position.augment_state);
    } catch (const std::invalid_argument& error) {
      throw DataError(*line.resume + ": " + error.what());
    }
  } else if (!s.init_file.empty()) {
    load_weights(read_safetensors(s.init_file), model, trainer.params());
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

  Progress progress(Progress::detect(out, s.quiet), out, metric);
  if (!s.quiet)
    fmt::print(out,
               "{}: {} training, {} validation, {} test samples from {}; batch {}, {} lr {}, {} "
               "thread{}\n",
               Model::kName, train_base.size(), validation.size(), test_items.size(), s.data_dir,
               s.batch, keyword(s.optimizer.kind), s.optimizer.learning_rate, s.threads,
               s.threads == 1 ? "" : "s");
  const bool scheduled = s.schedule.kind != ScheduleKind::Constant;
  const bool augmenting = augments(s.augment);
  if (!s.quiet && (scheduled || early.enabled || augmenting || Trainer<Model>::kRegularized)) {
    std::vector<std::string> extras;
    if (scheduled) extras.push_back("a learning-rate schedule");
    if (early.enabled)
      extras.push_back(fmt::format(
          "early stopping on {} (patience {}{})", keyword(early.monitor), early.patience,
          early.restore_best_weights ? ", restores the best weights" : ""));
    if (augmenting)
      extras.push_back(fmt::format("augmentation (shift {}{}{})", s.augment.shift,
                                   s.augment.flip_horizontal ? ", horizontal flips" : "",
                                   s.augment.flip_vertical ? ", vertical flips" : ""));
    if (Trainer<Model>::kRegularized) extras.push_back("L2 weight decay (in the loss shown)");
    fmt::print(out, "With {}\n", fmt::join(extras, ", "));
  }
  std::fflush(out);

  // Where a run that stops now can be continued from.
  auto last_checkpoint = [&] {
    return position.epoch > 0 ? fmt::format("The last good checkpoint is {0} (epoch {1}); "
                                            "continue with --resume {0}.",
                                            checkpoint_path, position.epoch)
                              : std::string("No checkpoint was written (no epoch completed).");
  };
  // Ctrl-C or SIGTERM: the batch in progress finishes, the epoch is abandoned.
  const InterruptGuard interrupt_guard;
  auto interrupted = [&](int signal, const std::string& where) {
    return Interrupted(signal, fmt::format("interrupted by {} {}; stopped. {}", signal_name(signal),
                                           where, last_checkpoint()));
  };

  std::vector<std::uint32_t> order;
  std::vector<Augmentation> changes;
  std::string stop_message;
  for (int epoch = position.epoch + 1; epoch <= s.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    const double lr =
        scheduled_learning_rate(s.schedule, s.optimizer.learning_rate, epoch, s.epochs);
    if (scheduled) optimizer.set_learning_rate(lr);
    order = train_base; // each epoch's order depends only on the shuffler's state
    shuffle_rng.shuffle(order.begin(), order.end());
    progress.begin_epoch(epoch, s.epochs, order.size());
    BatchMetrics epoch_metrics;
    const std::size_t batches = (order.size() + s.batch - 1) / s.batch;
    for (std::size_t b = 0; b < batches; ++b) {
      const std::size_t begin = b * s.batch, end = std::min(order.size(), begin + s.batch);
      if (augmenting) draw_augmentations(s.augment, augment_rng, end - begin, changes);
      const auto metrics =
          trainer.train_batch(train_data, std::span(order).subspan(begin, end - begin),
                              std::span(changes), batch_seed(s.seed, epoch, b));
      auto diverged = [&](const std::string& what) {
        return TrainingDiverged(fmt::format(
            "training diverged: {} in epoch {}, batch {} of {} (try a smaller --lr); stopped. {}",
            what, epoch, b + 1, batches, last_checkpoint()));
      };
      if (!std::isfinite(metrics.loss_sum))
        throw diverged(fmt::format("the loss became {}", metrics.loss_sum));
      if (const long at = trainer.apply(optimizer); at >= 0)
        throw diverged(fmt::format("parameter {} became {}", at, trainer.params()[at]));
      epoch_metrics.add(metrics);
      progress.update(end, epoch_metrics.loss(), second_metric(epoch_metrics, metric));
      if (const int signal = InterruptGuard::pending(); signal != 0 && end < order.size()) {
        throw interrupted(signal,
                          fmt::format("in epoch {}, after batch {} of {}", epoch, b + 1, batches));
      }
    }
    EpochRecord record;
    record.epoch = epoch;
    record.metric = metric;
    record.loss = epoch_metrics.loss();
    record.acc = second_metric(epoch_metrics, metric);
    if (!validation.empty()) {
      const auto val = trainer.evaluate(train_data, validation);
      record.val_loss = val.loss();
      record.val_acc = second_metric(val, metric);
    }
    record.lr = lr;
    record.show_lr = scheduled;
    record.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.end_epoch(record, s.epochs);
    position.epoch = epoch;
    position.history.push_back(record);
    position.shuffle_state = shuffle_rng.state();
    if (augmenting) position.augment_state = augment_rng.state();
    EarlyStoppingState& stopping = position.early_stopping;
    const bool stop = early.enabled && early_stopping_says_stop(early, record, trainer.params(),
                                                                Model::kParamCount, stopping);
    if (stop) stopping.stopped = epoch;
    // The checkpoint first: it holds the history too, so a failed write (a full disk) leaves
    // the previous history.csv beside the previous checkpoint.
    save_checkpoint(checkpoint_path, model, trainer.params(), optimizer, s,
                    static_cast<long>(validation.size()), position);
    write_file_atomically(s.out_dir + "/history.csv", history_csv(position.history));
    if (const int signal = InterruptGuard::pending(); signal != 0 && !stop && epoch < s.epochs)
      throw interrupted(signal, fmt::format("after epoch {}", epoch));
    if (stop) {
      stop_message =
          fmt::format("stopped early after epoch {}: {} has not improved for {} epoch{}", epoch,
                      keyword(early.monitor), stopping.wait, stopping.wait == 1 ? "" : "s");
      if (!stopping.best_params.empty()) {
        std::copy(stopping.best_params.begin(), stopping.best_params.end(), trainer.params());
        stop_message += fmt::format("; restored the weights of epoch {}", stopping.best_epoch);
      }
      break;
    }
  }
  if (!stop_message.empty()) fmt::print(out, "{}\n", stop_message);

  save_weights(s.out_dir + "/weights.safetensors", model, trainer.params());
  write_file_atomically(s.out_dir + "/history.csv", history_csv(position.history));
  const std::string plot_problem = plot_history(s.out_dir, Model::kName, metric);
  if (!plot_problem.empty()) fmt::print(err, "note: {}\n", plot_problem);
  if (test_data && !test_items.empty()) {
    const auto test = trainer.evaluate(*test_data, test_items);
    fmt::print(out, "Test: loss {:.4f} - {} {:.4f}\n", test.loss(), metric,
               second_metric(test, metric));
  } else {
    fmt::print(out, "No test set in {} (no test split): not evaluated.\n", s.data_dir);
  }
  if (!s.quiet)
    fmt::print(
        out, "Wrote {0}/weights.safetensors, {0}/history.csv{1}, {0}/checkpoint.safetensors\n",
        s.out_dir,
        plot_problem.empty() ? fmt::format(", {0}/history.png, {0}/history.svg", s.out_dir) : "");
  return 0;
}

} // namespace cnn
