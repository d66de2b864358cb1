// The trainer's command line: parsing (CLI11 splits the arguments and picks the command; the
// checks and messages are ours), --help, and settings resolution.
#include "cnn/options.hpp"

#include "cnn/dataset.hpp"
#include "cnn/errors.hpp"
#include "cnn/optimizer.hpp"
#include "cnn/suggest.hpp"
#include "cnn/thread_pool.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <map>
#include <string_view>
#include <vector>

namespace cnn {
namespace {

enum Command : unsigned { kTrain = 1, kEvaluate = 2, kPredict = 4, kSummary = 8 };

struct CommandName {
  Command command;
  std::string_view name;
};
constexpr CommandName kCommands[] = {
    {kTrain, "train"}, {kEvaluate, "evaluate"}, {kPredict, "predict"}, {kSummary, "summary"}};

// Every option and the commands it applies to; a flag has no value name.
struct OptionSpec {
  std::string_view name;
  std::string_view value_name;
  unsigned commands;
};
constexpr unsigned kReaders = kTrain | kEvaluate | kPredict;
constexpr OptionSpec kOptions[] = {
    {"--data", "DIR", kReaders},
    {"--format", "NAME", kReaders},
    {"--epochs", "N", kTrain},
    {"--batch", "N", kTrain},
    {"--lr", "X", kTrain},
    {"--threads", "N", kReaders},
    {"--seed", "S", kTrain},
    {"--validation", "N", kTrain},
    {"--limit", "N", kTrain},
    {"--test-limit", "N", kTrain | kEvaluate},
    {"--out", "DIR", kTrain | kEvaluate},
    {"--overwrite", "", kTrain},
    {"--init", "FILE", kTrain},
    {"--resume", "FILE", kTrain},
    {"--weights", "FILE", kEvaluate | kPredict},
    {"--images", "PATH", kPredict},
    {"--labels", "FILE", kPredict},
    {"--output", "FILE", kPredict},
    {"--quiet", "", kReaders},
};

const OptionSpec* find_option(std::string_view name) {
  for (const auto& spec : kOptions)
    if (spec.name == name) return &spec;
  return nullptr;
}

// The accepted range of every whole-number option, in one place: parse_command_line checks what
// the command line gives against it, resolve_settings what a checkpoint or the model supplied.
// The upper bounds keep a value from wrapping around when it is narrowed to its field's type.
struct Range {
  std::string_view option;
  long long min, max;
};
constexpr Range kRanges[] = {
    {"--epochs", 1, INT_MAX}, {"--batch", 1, INT_MAX},       {"--threads", 1, 256},
    {"--limit", 0, LONG_MAX}, {"--test-limit", 0, LONG_MAX}, {"--validation", 0, LONG_MAX},
};

// `text` is the value as the user wrote it, for the message.
void check_range(std::string_view option, long long value, std::string_view text) {
  for (const auto& range : kRanges) {
    if (range.option != option) continue;
    if (value >= range.min && value <= range.max) return;
    if (range.max <= 256)
      throw UsageError(fmt::format("{} {}: need {} to {}", option, text, range.min, range.max));
    if (value > range.max)
      throw UsageError(fmt::format("{} {}: need at most {}", option, text, range.max));
    if (range.min == 0) throw UsageError(fmt::format("{} {}: must not be negative", option, text));
    throw UsageError(fmt::format("{} {}: need at least {}", option, text, range.min));
  }
}

void check_learning_rate(double value, std::string_view text) {
  if (!(value > 0) || !std::isfinite(value))
    throw UsageError(fmt::format("--lr {}: need a positive finite number", text));
}

// A whole number, saturated to the range of long long so that check_range reports a huge value
// as too large rather than as malformed.
long long parse_whole(std::string_view option, const std::string& text) {
  long long value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (stop == end && error == std::errc::result_out_of_range)
    return text[0] == '-' ? LLONG_MIN : LLONG_MAX;
  if (stop != end || error != std::errc() || text.empty())
    throw UsageError(fmt::format("{}: '{}' is not a valid whole number", option, text));
  return value;
}

template <class Number>
Number parse_checked(std::string_view option, const std::string& text) {
  const long long value = parse_whole(option, text);
  check_range(option, value, text);
  return static_cast<Number>(value);
}

double parse_real(std::string_view option, const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (stop == end && error == std::errc::result_out_of_range) return HUGE_VAL;
  if (stop != end || error != std::errc() || text.empty())
    throw UsageError(fmt::format("{}: '{}' is not a valid number", option, text));
  return value;
}

std::uint64_t parse_seed(const std::string& text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (stop != end || error != std::errc() || text.empty())
    throw UsageError(fmt::format("--seed: '{}' is not a whole number from 0 to {}", text,
                                 std::numeric_limits<std::uint64_t>::max()));
  return value;
}

// The problem with the first argument `app` did not take, if any. `command` is null for the
// arguments before any command.
void check_left_over(const CLI::App& app, const CLI::App* command) {
  const auto extras = app.remaining();
  if (extras.empty()) return;
  const std::string& extra = extras.front();
  std::vector<std::string> command_names;
  for (const auto& known : kCommands) command_names.emplace_back(known.name);
  if (!command)
    throw UsageError(fmt::format("unknown command '{}'{}", extra, [&] {
      const std::string suggestion = did_you_mean(extra, command_names);
      return suggestion.empty() ? " (expected train, evaluate, predict or summary)" : suggestion;
    }()));
  const std::string name = command->get_name();
  if (extra.size() < 2 || extra[0] != '-') {
    for (const auto& known : command_names)
      if (known == extra)
        throw UsageError(fmt::format("unexpected argument '{}' (the command goes first)", extra));
    throw UsageError(fmt::format("unexpected argument '{}' (options start with --)", extra));
  }
  const std::string spelling = extra.substr(0, extra.find('='));
  if (find_option(spelling))
    throw UsageError(fmt::format("{} does not apply to the {} command", spelling, name));
  std::vector<std::string> own{"--help"};
  for (const auto& known : kCommands)
    if (known.name == name)
      for (const auto& spec : kOptions)
        if (spec.commands & known.command) own.emplace_back(spec.name);
  const std::string suggestion = spelling.starts_with("--") ? did_you_mean(spelling, own) : "";
  throw UsageError(fmt::format("unknown option '{}'{}", spelling, suggestion));
}

// The options that go together or exclude each other, and those a command needs.
void check_combinations(const CommandLine& line) {
  if ((line.command == "evaluate" || line.command == "predict") && !line.weights)
    throw UsageError(fmt::format("{} needs --weights FILE", line.command));
  if (line.command == "predict" && !line.images && !line.data)
    throw UsageError("predict needs --images PATH or --data DIR");
  if (line.command == "predict" && line.images && line.data)
    throw UsageError("predict takes --images PATH or --data DIR, not both");
  if (line.labels && !line.images)
    throw UsageError("--labels goes with --images (the --data folder brings its own labels)");
  if (line.init && line.resume) throw UsageError("--init and --resume exclude each other");
}

} // namespace

CommandLine parse_command_line(int argc, const char* const* argv) {
  std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  if (args.empty() || args.front().starts_with("-")) args.insert(args.begin(), "train");

  CLI::App app("", "trainer");
  app.set_help_flag();
  app.allow_extras();
  app.require_subcommand(0, 1);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  bool help = false;
  for (const auto& known : kCommands) {
    CLI::App* command = app.add_subcommand(std::string(known.name));
    command->set_help_flag();
    command->allow_extras();
    command->add_flag("-h,--help", help);
    for (const auto& spec : kOptions) {
      if (!(spec.commands & known.command)) continue;
      if (spec.value_name.empty())
        command->add_flag(std::string(spec.name));
      else
        command->add_option(std::string(spec.name))->type_name(std::string(spec.value_name));
    }
  }

  try {
    // CLI11 takes the arguments last first.
    std::reverse(args.begin(), args.end());
    app.parse(args);
  } catch (const CLI::ParseError& error) {
    // CLI11 names the option before a colon: "--epochs: 1 required N missing".
    const std::string what = error.what();
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) && what.starts_with("--"))
      throw UsageError(fmt::format("{} needs a value", what.substr(0, what.find(':'))));
    throw UsageError(what);
  }

  const auto chosen = app.get_subcommands();
  const CLI::App* command = chosen.empty() ? nullptr : chosen.front();
  CommandLine line;
  line.help = help;
  if (help) return line;
  check_left_over(app, nullptr);
  if (!command) throw UsageError("no command given");
  check_left_over(*command, command);

  line.command = command->get_name();
  std::map<std::string_view, std::string> given;
  for (const auto& spec : kOptions) {
    const CLI::Option* option = command->get_option_no_throw(std::string(spec.name));
    if (!option || option->count() == 0) continue;
    if (spec.value_name.empty())
      given[spec.name] = option->as<bool>() ? "true" : "false";
    else
      given[spec.name] = option->results().back();
  }
  auto text = [&](std::string_view name) -> const std::string* {
    const auto found = given.find(name);
    return found == given.end() ? nullptr : &found->second;
  };
  auto flag = [&](std::string_view name) { return text(name) && *text(name) == "true"; };
  auto string = [&](std::string_view name) -> std::optional<std::string> {
    if (const auto* value = text(name)) return *value;
    return std::nullopt;
  };

  line.data = string("--data");
  line.out = string("--out");
  line.init = string("--init");
  line.resume = string("--resume");
  line.weights = string("--weights");
  line.images = string("--images");
  line.labels = string("--labels");
  line.output = string("--output");
  if (const auto* value = text("--format")) line.format = format_name(parse_format(*value));
  line.quiet = flag("--quiet");
  line.overwrite = flag("--overwrite");
  if (const auto* value = text("--epochs")) line.epochs = parse_checked<int>("--epochs", *value);
  if (const auto* value = text("--batch")) line.batch = parse_checked<int>("--batch", *value);
  if (const auto* value = text("--threads")) line.threads = parse_checked<int>("--threads", *value);
  if (const auto* value = text("--limit")) line.limit = parse_checked<long>("--limit", *value);
  if (const auto* value = text("--test-limit"))
    line.test_limit = parse_checked<long>("--test-limit", *value);
  if (const auto* value = text("--lr")) {
    line.lr = parse_real("--lr", *value);
    check_learning_rate(*line.lr, *value);
  }
  if (const auto* value = text("--seed")) line.seed = parse_seed(*value);
  if (const auto* value = text("--validation")) {
    if (value->find_first_of(".eE") != std::string::npos) {
      const double fraction = parse_real("--validation", *value);
      if (!(fraction >= 0 && fraction < 1))
        throw UsageError(fmt::format("--validation: fraction {} is outside [0, 1)", *value));
      line.validation_fraction = fraction;
      line.validation_count = 0;
    } else {
      line.validation_count = parse_checked<long>("--validation", *value);
      line.validation_fraction = 0;
    }
  }
  check_combinations(line);
  return line;
}

std::string usage_text(const std::string& program, const std::string& model_name) {
  return fmt::format(R"(Usage: {0} [train] [options]      train model {1}
       {0} evaluate --weights FILE [options]
       {0} predict --weights FILE (--images PATH [--labels FILE] | --data DIR) [options]
       {0} summary

Options follow the command, as '--epochs 5' or '--epochs=5'.

Data: --data DIR names a folder whose format is detected from its contents:
  x_train.npy, y_train.npy (x_test.npy, y_test.npy)   NumPy arrays              (npy)
  data_batch_1.bin ... test_batch.bin, or train.bin    CIFAR binary              (cifar)
  train-images-*, train-labels-* (t10k-*), raw or .gz  IDX, as MNIST             (idx)
  one folder of images per class, under train/ and    an image folder           (images)
    test/ or directly in DIR
--format NAME says which instead: auto (the default: detect), idx, cifar, images or npy.

train (the model file's training section gives the defaults):
  --data DIR        the training data and its test split (default data/mnist; get MNIST
                    with scripts/fetch-data)
  --format NAME     the data's format (default auto)
  --epochs N        passes over the training set
  --batch N         samples per optimizer step
  --lr X            learning rate
  --threads N       worker threads, 1 to 256 (default: all cores); results are bit-identical
                    for the same seed and thread count
  --seed S          seed of the initialiser, validation split and shuffling
  --validation N    hold out N training samples for validation (or a fraction such as 0.2);
                    with --limit, a count from the model file is scaled to the same fraction
  --limit N         use only the first N training samples (quick runs)
  --test-limit N    evaluate on only the first N test samples
  --out DIR         where history.csv, the plot, weights and checkpoint go (default runs/{1})
  --overwrite       write into an --out folder that already holds a run
  --init FILE       start from these weights (a weights or checkpoint file) instead of the
                    initialiser
  --resume FILE     continue from a checkpoint.safetensors (same result as not stopping)
  --quiet           no progress output

evaluate: loss and accuracy of saved weights on the test split of --data.
  --weights FILE    the weights (or a checkpoint) to evaluate; required
  --data DIR, --format NAME, --threads N, --test-limit N, --quiet    as for train
  --out DIR         where the confusion-matrix picture goes (default: beside the weights)

predict: the model's outputs (class probabilities) for every sample, as CSV.
  --weights FILE    the weights (or a checkpoint) to predict with; required
  --images PATH     the samples: an IDX or .npy file, an image file or a folder of images
  --labels FILE     the true labels or targets of --images, to score the predictions
  --data DIR        instead of --images: the test split of DIR, with its labels
  --format NAME     the format of --data or --images (default auto)
  --output FILE.csv where the CSV goes (default: standard output)
  --threads N, --quiet    as for train

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
  s.threads = std::min(default_thread_count(), 256);
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
  // A checkpoint's settings and the model's defaults pass the same checks as the command line.
  for (const auto& [option, value] : {std::pair<std::string_view, long long>{"--epochs", s.epochs},
                                      {"--batch", s.batch},
                                      {"--threads", s.threads},
                                      {"--limit", s.limit},
                                      {"--test-limit", s.test_limit}})
    check_range(option, value, std::to_string(value));
  check_learning_rate(s.optimizer.learning_rate, fmt::format("{}", s.optimizer.learning_rate));
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
