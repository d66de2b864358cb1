// Checkpoints in safetensors: tensors "<layer>.kernel" etc., "optimizer.<state>" blocks, and
// the run's position and settings as __metadata__ strings.
#include "cnn/checkpoint.hpp"

#include "cnn/errors.hpp"

#include <fmt/format.h>

#include <limits>

namespace cnn {
namespace {

const std::string& field(const Safetensors& file, const std::string& key) {
  const auto it = file.metadata.find(key);
  if (it == file.metadata.end())
    throw DataError(fmt::format("{}: checkpoint metadata has no '{}'", file.path, key));
  return it->second;
}

// A whole number of the checkpoint's metadata in [minimum, maximum], read as 64-bit so that a
// value outside the field's type is reported instead of wrapping around.
template <class Whole>
Whole whole_field(const Safetensors& file, const std::string& key, Whole minimum, Whole maximum) {
  const std::string& text = field(file, key);
  long long value = 0;
  std::size_t used = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used != text.size() || text.empty())
    throw DataError(
        fmt::format("{}: checkpoint metadata '{}' is '{}', not a number", file.path, key, text));
  if (value < static_cast<long long>(minimum) || value > static_cast<long long>(maximum))
    throw DataError(fmt::format("{}: checkpoint metadata '{}' is {}, outside {} to {}", file.path,
                                key, text, minimum, maximum));
  return static_cast<Whole>(value);
}

double real_field(const Safetensors& file, const std::string& key) {
  const std::string& text = field(file, key);
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (const std::logic_error&) {
  }
  throw DataError(
      fmt::format("{}: checkpoint metadata '{}' is '{}', not a number", file.path, key, text));
}

constexpr int kMaxInt = std::numeric_limits<int>::max();

} // namespace

void save_checkpoint(const std::string& path, const ModelTensors& model, const float* params,
                     Optimizer& optimizer, const TrainSettings& s, long validation_count,
                     const RunPosition& position) {
  auto tensors = weight_views(model, params);
  for (const auto& state : optimizer.state())
    tensors.push_back({"optimizer." + state.name,
                       {static_cast<std::int64_t>(model.param_count)},
                       state.values->data()});
  const EarlyStoppingState& early = position.early_stopping;
  if (!early.best_params.empty())
    for (const auto& view : weight_views(model, early.best_params.data())) {
      tensors.push_back(view);
      tensors.back().name = "best." + view.name;
    }
  std::map<std::string, std::string> metadata = checkpoint_settings(s, validation_count);
  metadata.insert({{"model", model.name},
                   {"format", kCheckpointFormat},
                   {"epoch", std::to_string(position.epoch)},
                   {"iterations", std::to_string(optimizer.iterations())},
                   {"shuffle_rng", position.shuffle_state},
                   {"history", history_csv(position.history)},
                   {"optimizer", std::string(keyword(optimizer.config().kind))}});
  if (!position.augment_state.empty()) metadata["augment_rng"] = position.augment_state;
  if (early.best_epoch > 0) {
    metadata["early_stopping_best"] = fmt::format("{}", early.best);
    metadata["early_stopping_best_epoch"] = std::to_string(early.best_epoch);
    metadata["early_stopping_wait"] = std::to_string(early.wait);
    metadata["early_stopping_stopped"] = std::to_string(early.stopped);
  }
  write_safetensors(path, tensors, metadata);
}

RunPosition load_checkpoint(const Safetensors& file, const ModelTensors& model, float* params,
                            Optimizer& optimizer) {
  if (field(file, "format") != kCheckpointFormat)
    throw DataError(fmt::format("{}: not a checkpoint (format '{}'; a weights file goes to --init)",
                                file.path, field(file, "format")));
  if (field(file, "model") != model.name)
    throw DataError(fmt::format("{}: a checkpoint of model {}, not {}", file.path,
                                field(file, "model"), model.name));
  const std::string saved_optimizer = field(file, "optimizer");
  if (saved_optimizer != keyword(optimizer.config().kind))
    throw DataError(fmt::format("{}: optimizer state is for {}, this run uses {}", file.path,
                                saved_optimizer, keyword(optimizer.config().kind)));
  load_weights(file, model, params);
  for (const auto& state : optimizer.state()) {
    const auto* entry = file.find("optimizer." + state.name);
    if (!entry)
      throw DataError(
          fmt::format("{}: has no optimizer state 'optimizer.{}'", file.path, state.name));
    if (entry->dtype != "F32" ||
        entry->shape != std::vector<std::int64_t>{static_cast<std::int64_t>(model.param_count)})
      throw DataError(fmt::format("{}: optimizer state '{}' must be F32 [{}]", file.path,
                                  entry->name, model.param_count));
    file.copy_f32(*entry, state.values->data());
  }
  optimizer.set_iterations(
      whole_field<std::int64_t>(file, "iterations", 0, std::numeric_limits<std::int64_t>::max()));
  RunPosition position;
  position.epoch = whole_field<int>(file, "epoch", 0, kMaxInt);
  position.shuffle_state = field(file, "shuffle_rng");
  position.history = parse_history_csv(field(file, "history"), file.path);
  if (file.metadata.count("augment_rng")) position.augment_state = field(file, "augment_rng");
  if (file.metadata.count("early_stopping_best_epoch")) {
    EarlyStoppingState& early = position.early_stopping;
    early.best = real_field(file, "early_stopping_best");
    early.best_epoch = whole_field<int>(file, "early_stopping_best_epoch", 0, kMaxInt);
    early.wait = whole_field<int>(file, "early_stopping_wait", 0, kMaxInt);
    early.stopped = whole_field<int>(file, "early_stopping_stopped", 0, kMaxInt);
    if (!model.tensors.empty() && file.find("best." + std::string(model.tensors.front().name))) {
      early.best_params.assign(model.param_count, 0.0f);
      for (const auto& tensor : model.tensors) {
        const auto* entry = file.find("best." + std::string(tensor.name));
        if (!entry || entry->dtype != "F32")
          throw DataError(fmt::format("{}: has no F32 tensor 'best.{}' for early stopping",
                                      file.path, tensor.name));
        const std::vector<std::int64_t> shape(tensor.dims, tensor.dims + tensor.rank);
        if (entry->shape != shape)
          throw DataError(fmt::format("{}: tensor 'best.{}' has shape [{}], model {} expects [{}]",
                                      file.path, tensor.name, fmt::join(entry->shape, ", "),
                                      model.name, fmt::join(shape, ", ")));
        file.copy_f32(*entry, early.best_params.data() + tensor.offset);
      }
    }
  }
  return position;
}

OptionTexts checkpoint_layer(const Safetensors& file) {
  if (field(file, "format") != kCheckpointFormat)
    throw DataError(fmt::format("{}: not a checkpoint (format '{}'; a weights file goes to --init)",
                                file.path, field(file, "format")));
  return settings_from_checkpoint(file.metadata);
}

int checkpoint_epoch(const Safetensors& file) {
  if (field(file, "format") != kCheckpointFormat)
    throw DataError(fmt::format("{}: not a checkpoint (format '{}'; a weights file goes to --init)",
                                file.path, field(file, "format")));
  return whole_field<int>(file, "epoch", 0, kMaxInt);
}

} // namespace cnn
