// The trainer's command line: parsing, --help, and settings resolution.
#include "cnn/options.hpp"

#include "cnn/errors.hpp"
#include "cnn/optimizer.hpp"
#include "cnn/thread_pool.hpp"

#include <cmath>
#include <fmt/format.h>
#include <set>
#include <string_view>

namespace cnn {
namespace {

template <class Number>
Number parse_number(std::string_view option, const std::string& text) {
  try {
    std::size_t used = 0;
    Number value;
    if constexpr (std::is_same_v<Number, double>)
      value = std::stod(text, &used);
    else if constexpr (std::is_same_v<Number, std::uint64_t>) {
      if (!text.empty() && text[0] == '-') throw std::invalid_argument("negative");
      value = std::stoull(text, &used);
    } else
      value = static_cast<Number>(std::stol(text, &used));
    if (used == text.size()) return value;
  } catch (const std::logic_error&) {
  }
  throw UsageError(fmt::format("{}: '{}' is not a valid {}", option, text,
                               std::is_same_v<Number, double> ? "number" : "whole number"));
}

// Which commands accept which options; null for an unknown option.
const std::set<std::string>* commands_for(std::string_view option) {
  static const std::set<std::string> known{"--data",    "--out",        "--init",       "--resume",
                                           "--weights", "--images",     "--output",     "--epochs",
                                           "--batch",   "--threads",    "--lr",         "--seed",
                                           "--limit",   "--test-limit", "--validation", "--quiet"};
  if (!known.count(std::string(option))) return nullptr;
  static const std::set<std::string> train{"train"}, all{"train", "evaluate", "predict", "summary"},
      data{"train", "evaluate"}, weights{"evaluate", "predict"}, predict{"predict"},
      threads{"train", "evaluate", "predict"};
  if (option == "--data") return &data;
  if (option == "--weights") return &weights;
  if (option == "--images" || option == "--output") return &predict;
  if (option == "--threads") return &threads;
  if (option == "--quiet") return &all;
  return &train;
}

} // namespace

CommandLine parse_command_line(int argc, const char* const* argv) {
  CommandLine line;
  int first = 1;
  if (argc > 1 && argv[1][0] != '-') {
    line.command = argv[1];
    if (line.command != "train" && line.command != "evaluate" && line.command != "predict" &&
        line.command != "summary")
      throw UsageError(fmt::format("unknown command '{}' (expected train, evaluate, predict or "
                                   "summary)",
                                   line.command));
    first = 2;
  }
  for (int i = first; i < argc; ++i) {
    const std::string option = argv[i];
    if (option == "--help" || option == "-h") {
      line.help = true;
      continue;
    }
    if (!option.starts_with("--"))
      throw UsageError(fmt::format("unexpected argument '{}' (options start with --)", option));
    const auto* commands = commands_for(option);
    if (!commands) throw UsageError(fmt::format("unknown option '{}' (see --help)", option));
    if (!commands->count(line.command))
      throw UsageError(fmt::format("{} does not apply to the {} command", option, line.command));
    if (option == "--quiet") {
      line.quiet = true;
      continue;
    }
    if (i + 1 >= argc) throw UsageError(fmt::format("{} needs a value", option));
    const std::string value = argv[++i];
    if (option == "--data")
      line.data = value;
    else if (option == "--out")
      line.out = value;
    else if (option == "--init")
      line.init = value;
    else if (option == "--resume")
      line.resume = value;
    else if (option == "--weights")
      line.weights = value;
    else if (option == "--images")
      line.images = value;
    else if (option == "--output")
      line.output = value;
    else if (option == "--epochs")
      line.epochs = parse_number<int>(option, value);
    else if (option == "--batch")
      line.batch = parse_number<int>(option, value);
    else if (option == "--threads")
      line.threads = parse_number<int>(option, value);
    else if (option == "--lr")
      line.lr = parse_number<double>(option, value);
    else if (option == "--seed")
      line.seed = parse_number<std::uint64_t>(option, value);
    else if (option == "--limit")
      line.limit = parse_number<long>(option, value);
    else if (option == "--test-limit")
      line.test_limit = parse_number<long>(option, value);
    else if (option == "--validation") {
      if (value.find_first_of(".eE") != std::string::npos) {
        const double fraction = parse_number<double>(option, value);
        if (!(fraction >= 0 && fraction < 1))
          throw UsageError(fmt::format("--validation: fraction {} is outside [0, 1)", value));
        line.validation_fraction = fraction;
        line.validation_count = 0;
      } else {
        line.validation_count = parse_number<long>(option, value);
        if (*line.validation_count < 0)
          throw UsageError("--validation: the count must not be negative");
        line.validation_fraction = 0;
      }
    } else
      throw UsageError(fmt::format("unknown option '{}' (see --help)", option));
  }
  if (line.help) return line;
  if (line.command == "evaluate" && !line.weights)
    throw UsageError("evaluate needs --weights FILE");
  if (line.command == "predict" && (!line.weights || !line.images))
    throw UsageError("predict needs --weights FILE and --images FILE");
  if (line.init && line.resume) throw UsageError("--init and --resume exclude each other");
  return line;
}

std::string usage_text(const std::string& program, const std::string& model_name) {
  return fmt::format(R"(Usage: {0} [train] [options]      train model {1}
       {0} evaluate --weights FILE [--data DIR] [--threads N]
       {0} predict --weights FILE --images FILE [--output FILE.csv] [--threads N]
       {0} summary

train options (the model file's training section gives the defaults):
  --data DIR        MNIST-style folder with train-/t10k- images and labels, raw or .gz
                    (default data/mnist; get it with scripts/fetch-data)
  --epochs N        passes over the training set
  --batch N         samples per optimizer step
  --lr X            learning rate
  --threads N       worker threads (default: all cores); results are bit-identical for the same
                    seed and thread count
  --seed S          seed of the initialiser, validation split and shuffling
  --validation N    hold out N training images for validation (or a fraction such as 0.2);
                    with --limit, a count from the model file is scaled to the same fraction
  --limit N         use only the first N training images (quick runs)
  --test-limit N    evaluate on only the first N test images
  --out DIR         where history.csv, the plot, weights and checkpoint go (default runs/{1})
  --init FILE       start from these weights (a weights or checkpoint file) instead of the
                    initialiser
  --resume FILE     continue from a checkpoint.safetensors (same result as not stopping)
  --quiet           no progress output
evaluate: loss and accuracy of saved weights on the test set (t10k files of --data).
predict: class probabilities of every image of an IDX image file, as CSV (default stdout).
summary: the layers with their output shapes, parameter counts and FLOPs.

Exit status: 0 ok, 1 bad data, files or a diverged run, 2 bad usage.
)",
                     program, model_name);
}

TrainSettings resolve_settings(const TrainingConfig& model, const std::string& model_name,
                               const CommandLine& line) {
  TrainSettings s;
  s.optimizer = model.optimizer;
  s.epochs = model.epochs;
  s.batch = model.batch_size;
  s.seed = model.seed;
  s.validation_count = model.validation_count;
  s.validation_fraction = model.validation_fraction;
  s.threads = default_thread_count();
  s.out_dir = "runs/" + model_name;
  if (line.data) s.data_dir = *line.data;
  if (line.out) s.out_dir = *line.out;
  if (line.epochs) s.epochs = *line.epochs;
  if (line.batch) s.batch = *line.batch;
  if (line.threads) s.threads = *line.threads;
  if (line.lr) s.optimizer.learning_rate = *line.lr;
  if (line.seed) s.seed = *line.seed;
  if (line.validation_count) s.validation_count = *line.validation_count;
  if (line.validation_fraction) s.validation_fraction = *line.validation_fraction;
  if (line.limit) s.limit = *line.limit;
  if (line.test_limit) s.test_limit = *line.test_limit;
  if (line.init) s.init_file = *line.init;
  if (line.resume) s.resume_file = *line.resume;
  if (line.format) s.format = *line.format;
  s.overwrite = line.overwrite;
  s.quiet = line.quiet;
  if (s.epochs < 1) throw UsageError(fmt::format("--epochs {}: need at least 1", s.epochs));
  if (s.batch < 1) throw UsageError(fmt::format("--batch {}: need at least 1", s.batch));
  if (s.threads < 1 || s.threads > 256)
    throw UsageError(fmt::format("--threads {}: need 1 to 256", s.threads));
  if (!(s.optimizer.learning_rate > 0) || !std::isfinite(s.optimizer.learning_rate))
    throw UsageError(
        fmt::format("--lr {}: need a positive finite number", s.optimizer.learning_rate));
  if (s.limit < 0) throw UsageError("--limit must not be negative");
  if (s.test_limit < 0) throw UsageError("--test-limit must not be negative");
  return s;
}

long validation_size(const TrainSettings& s, bool count_from_command_line, long available,
                     long full_size) {
  if (s.validation_count > 0) {
    if (count_from_command_line || available == full_size) return s.validation_count;
    return static_cast<long>(std::llround(static_cast<double>(s.validation_count) * available /
                                          static_cast<double>(full_size)));
  }
  return static_cast<long>(std::llround(s.validation_fraction * static_cast<double>(available)));
}

} // namespace cnn
