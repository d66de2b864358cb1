// The summary `cnnc check` prints: Keras' model.summary() table, then the training setup.
#include <algorithm>

#include <fmt/core.h>

#include "dsl/check_context.hpp"
#include "dsl/driver.hpp"
#include "dsl/printable.hpp"
#include "layers/layer_type.hpp"

namespace cnnc {
namespace {

std::string keras_shape(const Shape& shape) {
  if (shape.rank == 1) return fmt::format("(None, {})", shape.channels);
  return fmt::format("(None, {}, {}, {})", shape.height, shape.width, shape.channels);
}

std::string initializer_text(const Initializer& init) {
  switch (init.kind) {
  case InitKind::Normal:
  case InitKind::Uniform:
  case InitKind::Constant:
    return fmt::format("{}({})", keyword(init.kind), init.param);
  default:
    return std::string(keyword(init.kind));
  }
}

std::string optimizer_text(const Optimizer& optimizer) {
  std::string text = fmt::format("{} lr={}", keyword(optimizer.kind), optimizer.learning_rate);
  switch (optimizer.kind) {
  case OptimizerKind::Sgd:
    break;
  case OptimizerKind::Momentum:
  case OptimizerKind::Nesterov:
    text += fmt::format(" momentum={}", optimizer.momentum);
    break;
  case OptimizerKind::Adagrad:
    text += fmt::format(" initial_accumulator={} epsilon={}", optimizer.initial_accumulator,
                        optimizer.epsilon);
    break;
  case OptimizerKind::Rmsprop:
    text += fmt::format(" rho={} epsilon={}", optimizer.rho, optimizer.epsilon);
    break;
  case OptimizerKind::Adam:
    text += fmt::format(" beta1={} beta2={} epsilon={}", optimizer.beta1, optimizer.beta2,
                        optimizer.epsilon);
    break;
  }
  return text;
}

std::string validation_text(const Training& training) {
  if (training.validation_count > 0)
    return fmt::format("{} samples held out of the training set", training.validation_count);
  if (training.validation_fraction > 0)
    return fmt::format("fraction {} of the training samples held out",
                       training.validation_fraction);
  return "none";
}

std::string schedule_text(const Schedule& schedule) {
  switch (schedule.kind) {
  case ScheduleKind::Constant:
    return "constant";
  case ScheduleKind::Step:
    return fmt::format("step every={} factor={}", schedule.every, schedule.factor);
  case ScheduleKind::Exponential:
    return fmt::format("exponential rate={}", schedule.factor);
  case ScheduleKind::Cosine:
    return fmt::format("cosine min={} warmup={}", schedule.min_lr, schedule.warmup);
  }
  return "?";
}

std::string augment_text(const Augment& augment) {
  const char* flip = augment.flip_horizontal && augment.flip_vertical ? "horizontal_and_vertical"
                     : augment.flip_horizontal                        ? "horizontal"
                     : augment.flip_vertical                          ? "vertical"
                                                                      : "none";
  return fmt::format("shift={} flip={}", augment.shift, flip);
}

// `0.5` when every channel has the same value, else `0.4914,0.4822,0.4465`; `fallback` for none.
std::string channel_values(const std::vector<double>& values, double fallback) {
  if (values.empty()) return fmt::format("{}", fallback);
  std::string text;
  bool same = true;
  for (const double value : values) same = same && value == values.front();
  for (const double value : values) {
    text += fmt::format("{}{}", text.empty() ? "" : ",", value);
    if (same) break;
  }
  return text;
}

// A class name as the `classes` line writes it: a word as it is, anything else quoted.
std::string class_name_text(const std::string& name) {
  bool word = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
  for (const char c : name) {
    word = word &&
           ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  }
  // Control bytes (a terminal escape sequence) are shown escaped.
  return word ? name : fmt::format("\"{}\"", escaped(name));
}

bool has_weights(const Layer& layer) {
  return !layer.type->tensors(layer).empty();
}

// Parameters the optimizer does not train (statistics a layer keeps, such as moving means).
std::int64_t non_trainable(const Model& model) {
  std::int64_t count = 0;
  for (const auto& layer : model.layers)
    for (const auto& tensor : layer.type->tensors(layer)) {
      if (tensor.trainable) continue;
      std::int64_t size = 1;
      for (const std::int64_t d : tensor.dims) size *= d;
      count += size;
    }
  return count;
}

} // namespace

std::string format_summary(const Model& model) {
  // Keras' column widths, widened when a name or shape needs more room.
  std::size_t layer_width = 33, shape_width = 22, params_width = 10;
  for (const auto& layer : model.layers) {
    layer_width = std::max(layer_width, layer.name.size() + layer.type->keras_name.size() + 4);
    shape_width = std::max(shape_width, keras_shape(layer.output).size() + 1);
    params_width = std::max(params_width, std::to_string(layer.params).size());
  }
  const std::size_t width = layer_width + shape_width + params_width;
  const std::string thin(width, '_');
  const std::string thick(width, '=');

  std::string out =
      fmt::format("Model: {} ({})\n{}\n", model.name, escaped(model.source_path), thin);
  out += fmt::format("{:<{}}{:<{}}{}\n{}\n", "Layer (type)", layer_width, "Output Shape",
                     shape_width, "Param #", thick);
  for (const auto& layer : model.layers) {
    out +=
        fmt::format("{:<{}}{:<{}}{}\n", fmt::format("{} ({})", layer.name, layer.type->keras_name),
                    layer_width, keras_shape(layer.output), shape_width, layer.params);
  }
  const std::int64_t total = model.total_params();
  const std::int64_t fixed = non_trainable(model);
  out +=
      fmt::format("{}\nTotal params: {}\nTrainable params: {}\nNon-trainable params: {}\n{}\n",
                  thick, with_commas(total), with_commas(total - fixed), with_commas(fixed), thin);

  const Training& training = model.training;
  out += fmt::format("Input: {}\n", keras_shape(model.input));
  const Preprocessing& preprocessing = model.preprocessing;
  if (!is_identity(preprocessing)) {
    out += fmt::format("Preprocessing: scale={} mean={} std={}\n", preprocessing.scale,
                       channel_values(preprocessing.mean, 0.0),
                       channel_values(preprocessing.stddev, 1.0));
  }
  if (!model.class_names.empty()) {
    std::string names;
    for (const auto& name : model.class_names) names += fmt::format(" {}", class_name_text(name));
    out += fmt::format("Classes:{}\n", names);
  }
  out += "Training:\n";
  const auto row = [&out](std::string_view key, const std::string& value) {
    out += fmt::format("  {:<{}}{}\n", key, std::max<std::size_t>(12, key.size() + 1), value);
  };
  row("loss", std::string(keyword(training.loss)));
  row("optimizer", optimizer_text(training.optimizer));
  row("batch", std::to_string(training.batch_size));
  row("epochs", std::to_string(training.epochs));
  row("validation", validation_text(training));
  row("seed", std::to_string(training.seed));
  row("init", initializer_text(training.default_init));
  row("bias_init", initializer_text(training.default_bias_init));
  // The settings most models leave out are shown only when given.
  if (training.schedule.kind != ScheduleKind::Constant)
    row("schedule", schedule_text(training.schedule));
  if (training.early_stopping.enabled) {
    const EarlyStopping& early = training.early_stopping;
    row("early_stopping", fmt::format("monitor={} patience={} min_delta={} restore_best_weights={}",
                                      keyword(early.monitor), early.patience, early.min_delta,
                                      early.restore_best_weights ? "true" : "false"));
  }
  if (training.l2 > 0) row("l2", fmt::format("{} (every kernel)", training.l2));
  if (training.augment.enabled()) row("augment", augment_text(training.augment));
  for (const auto& layer : model.layers) {
    if (!has_weights(layer)) continue;
    std::string own;
    if (layer.kernel_init != training.default_init)
      own += "init " + initializer_text(layer.kernel_init);
    if (layer.bias_init != training.default_bias_init)
      own += (own.empty() ? "" : ", ") + ("bias_init " + initializer_text(layer.bias_init));
    if (!own.empty()) row(layer.name, own);
  }
  return out;
}

} // namespace cnnc
