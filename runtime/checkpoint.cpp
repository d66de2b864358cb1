// Checkpoints in safetensors: tensors "<layer>.kernel" etc., "optimizer.<state>" blocks, and
// the run's position and settings as __metadata__ strings.
#include "cnn/checkpoint.hpp"

#include "cnn/errors.hpp"

#include <fmt/format.h>

namespace cnn {
namespace {

const std::string& field(const Safetensors& file, const std::string& key) {
  const auto it = file.metadata.find(key);
  if (it == file.metadata.end())
    throw DataError(fmt::format("{}: checkpoint metadata has no '{}'", file.path, key));
  return it->second;
}

template <class Number>
Number number_field(const Safetensors& file, const std::string& key) {
  const std::string& text = field(file, key);
  try {
    std::size_t used = 0;
    Number value;
    if constexpr (std::is_same_v<Number, double>)
      value = std::stod(text, &used);
    else
      value = static_cast<Number>(std::stoll(text, &used));
    if (used == text.size()) return value;
  } catch (const std::logic_error&) {
  }
  throw DataError(
      fmt::format("{}: checkpoint metadata '{}' is '{}', not a number", file.path, key, text));
}

} // namespace

void save_checkpoint(const std::string& path, const ModelTensors& model, const float* params,
                     Optimizer& optimizer, const TrainSettings& s, long validation_count,
                     const RunPosition& position) {
  auto tensors = weight_views(model, params);
  for (const auto& state : optimizer.state())
    tensors.push_back({"optimizer." + state.name,
                       {static_cast<std::int64_t>(model.param_count)},
                       state.values->data()});
  const std::map<std::string, std::string> metadata{
      {"model", model.name},
      {"format", kCheckpointFormat},
      {"epoch", std::to_string(position.epoch)},
      {"epochs", std::to_string(s.epochs)},
      {"iterations", std::to_string(optimizer.iterations())},
      {"shuffle_rng", position.shuffle_state},
      {"history", history_csv(position.history)},
      {"optimizer", std::string(keyword(optimizer.config().kind))},
      {"lr", fmt::format("{}", optimizer.config().learning_rate)},
      {"batch", std::to_string(s.batch)},
      {"threads", std::to_string(s.threads)},
      {"seed", std::to_string(s.seed)},
      {"validation", std::to_string(validation_count)},
      {"limit", std::to_string(s.limit)},
      {"data", s.data_dir},
      {"data_format", s.format.empty() ? std::string("auto") : s.format},
  };
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
  optimizer.set_iterations(number_field<std::int64_t>(file, "iterations"));
  RunPosition position;
  position.epoch = number_field<int>(file, "epoch");
  position.shuffle_state = field(file, "shuffle_rng");
  position.history = parse_history_csv(field(file, "history"), file.path);
  return position;
}

void apply_checkpoint_settings(const Safetensors& file, CommandLine& line) {
  if (field(file, "format") != kCheckpointFormat)
    throw DataError(fmt::format("{}: not a checkpoint (format '{}'; a weights file goes to --init)",
                                file.path, field(file, "format")));
  if (!line.epochs) line.epochs = number_field<int>(file, "epochs");
  if (!line.lr) line.lr = number_field<double>(file, "lr");
  if (!line.batch) line.batch = number_field<int>(file, "batch");
  if (!line.threads) line.threads = number_field<int>(file, "threads");
  if (!line.seed) line.seed = number_field<std::uint64_t>(file, "seed");
  if (!line.validation_count && !line.validation_fraction) {
    line.validation_count = number_field<long>(file, "validation");
    line.validation_fraction = 0;
  }
  if (!line.limit) line.limit = number_field<long>(file, "limit");
  // Checkpoints from before the data folder was recorded leave it to the command line.
  if (!line.data && file.metadata.count("data")) line.data = file.metadata.at("data");
  if (!line.format && file.metadata.count("data_format"))
    line.format = file.metadata.at("data_format");
}

int checkpoint_epoch(const Safetensors& file) {
  if (field(file, "format") != kCheckpointFormat)
    throw DataError(fmt::format("{}: not a checkpoint (format '{}'; a weights file goes to --init)",
                                file.path, field(file, "format")));
  return number_field<int>(file, "epoch");
}

} // namespace cnn
