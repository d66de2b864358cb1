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

enum Command : unsigned { kTrain = 1, kEvaluate = 2, kPredict = 4, kSummary = 8, kDraw = 16 };

struct CommandName {
  Command command;
  std::string_view name;
};
constexpr CommandName kCommands[] = {{kTrain, "train"},
                                     {kEvaluate, "evaluate"},
                                     {kPredict, "predict"},
                                     {kSummary, "summary"},
                                     {kDraw, "draw"}};

// How an option's text is read and checked.
enum class Kind {
  Text,
  Flag,       // no value; "true" when given
  Whole,      // a whole number in [min, max]
  Rate,       // a positive finite number
  Seed,       // 0 to 2^64-1
  Validation, // a count, or a fraction when written with a point or an exponent
  Format,     // a data format name
};

// An option's value, read by its Kind.
struct Value {
  std::string text; // as written (Text, Format: the value itself)
  long long whole = 0;
  double real = 0;
  std::uint64_t seed = 0;
  bool flag = false, fraction = false;
};

// One option: everything about it but the code that acts on the resolved setting. A training
// setting has `to_settings`; `from_model` gives the model file's value ("" for none); a
// `checkpoint_key` says that checkpoints store it (under that metadata key), so a resumed run
// repeats it.
struct OptionRow {
  std::string_view name;
  std::string_view value_name; // "" for a flag
  unsigned commands;
  Kind kind;
  long long min, max; // Whole
  std::string_view checkpoint_key;
  void (*to_line)(CommandLine&, const Value&);
  void (*to_settings)(TrainSettings&, const Value&);
  std::string (*from_model)(const TrainingConfig&);
  std::string_view help; // the train command's --help lines, '\n' between lines
};

constexpr unsigned kReaders = kTrain | kEvaluate | kPredict;

std::string none(const TrainingConfig&) {
  return "";
}

// Every option, in --help order. The upper bounds keep a value from wrapping around when it is
// narrowed to its field's type.
const OptionRow kOptions[] = {
    {"--data", "DIR", kReaders | kDraw, Kind::Text, 0, 0, "data",
     [](CommandLine& l, const Value& v) { l.data = v.text; },
     [](TrainSettings& s, const Value& v) { s.data_dir = v.text; }, none,
     "the training data and its test split (default data/mnist; get MNIST\n"
     "with scripts/fetch-data)"},
    {"--format", "NAME", kReaders | kDraw, Kind::Format, 0, 0, "data_format",
     [](CommandLine& l, const Value& v) { l.format = v.text; },
     [](TrainSettings& s, const Value& v) { s.format = v.text == "auto" ? "" : v.text; }, none,
     "the data's format (default auto)"},
    {"--epochs", "N", kTrain, Kind::Whole, 1, INT_MAX, "epochs",
     [](CommandLine& l, const Value& v) { l.epochs = static_cast<int>(v.whole); },
     [](TrainSettings& s, const Value& v) { s.epochs = static_cast<int>(v.whole); },
     [](const TrainingConfig& m) { return std::to_string(m.epochs); },
     "passes over the training set"},
    {"--batch", "N", kTrain, Kind::Whole, 1, INT_MAX, "batch",
     [](CommandLine& l, const Value& v) { l.batch = static_cast<int>(v.whole); },
     [](TrainSettings& s, const Value& v) { s.batch = static_cast<int>(v.whole); },
     [](const TrainingConfig& m) { return std::to_string(m.batch_size); },
     "samples per optimizer step"},
    {"--lr", "X", kTrain, Kind::Rate, 0, 0, "lr",
     [](CommandLine& l, const Value& v) { l.lr = v.real; },
     [](TrainSettings& s, const Value& v) { s.optimizer.learning_rate = v.real; },
     [](const TrainingConfig& m) { return fmt::format("{}", m.optimizer.learning_rate); },
     "learning rate (where a schedule starts)"},
    {"--threads", "N", kReaders, Kind::Whole, 1, 256, "threads",
     [](CommandLine& l, const Value& v) { l.threads = static_cast<int>(v.whole); },
     [](TrainSettings& s, const Value& v) { s.threads = static_cast<int>(v.whole); }, none,
     "worker threads, 1 to 256 (default: all cores); results are bit-identical\n"
     "for the same seed and thread count"},
    {"--seed", "S", kTrain, Kind::Seed, 0, 0, "seed",
     [](CommandLine& l, const Value& v) { l.seed = v.seed; },
     [](TrainSettings& s, const Value& v) { s.seed = v.seed; },
     [](const TrainingConfig& m) { return std::to_string(m.seed); },
     "seed of the initialiser, validation split, shuffling and augmentation"},
    {"--validation", "N", kTrain, Kind::Validation, 0, LONG_MAX, "validation",
     [](CommandLine& l, const Value& v) {
       l.validation_count = v.fraction ? 0 : v.whole;
       l.validation_fraction = v.fraction ? v.real : 0;
     },
     [](TrainSettings& s, const Value& v) {
       s.validation_count = v.fraction ? 0 : static_cast<long>(v.whole);
       s.validation_fraction = v.fraction ? v.real : 0;
     },
     [](const TrainingConfig& m) {
       return m.validation_count > 0 || m.validation_fraction == 0
                  ? std::to_string(m.validation_count)
                  : fmt::format("{}", m.validation_fraction); // has a point or an e
     },
     "hold out N training samples for validation (or a fraction such as 0.2);\n"
     "with --limit, a count from the model file is scaled to the same fraction"},
    {"--limit", "N", kTrain, Kind::Whole, 0, LONG_MAX, "limit",
     [](CommandLine& l, const Value& v) { l.limit = static_cast<long>(v.whole); },
     [](TrainSettings& s, const Value& v) { s.limit = static_cast<long>(v.whole); }, none,
     "use only the first N training samples (quick runs)"},
    {"--test-limit", "N", kTrain | kEvaluate, Kind::Whole, 0, LONG_MAX, "",
     [](CommandLine& l, const Value& v) { l.test_limit = static_cast<long>(v.whole); },
     [](TrainSettings& s, const Value& v) { s.test_limit = static_cast<long>(v.whole); }, none,
     "evaluate on only the first N test samples"},
    {"--patience", "N", kTrain, Kind::Whole, 0, 1'000'000, "patience",
     [](CommandLine& l, const Value& v) { l.patience = static_cast<int>(v.whole); },
     [](TrainSettings& s, const Value& v) {
       s.early_stopping.patience = static_cast<int>(v.whole);
       if (s.early_stopping.enabled) return;
       s.early_stopping = {true, MonitorKind::ValLoss, s.early_stopping.patience, 0.0, true};
     },
     [](const TrainingConfig& m) {
       return m.early_stopping.enabled ? std::to_string(m.early_stopping.patience) : "";
     },
     "stop early after N epochs without a better val_loss (or the model's\n"
     "early_stopping monitor), keeping the best weights"},
    {"--no-augment", "", kTrain, Kind::Flag, 0, 0, "no_augment",
     [](CommandLine& l, const Value& v) { l.no_augment = v.flag; },
     [](TrainSettings& s, const Value& v) {
       if (v.flag) s.augment = {};
     },
     none, "train on the samples as they are, without the model's augment"},
    {"--out", "DIR", kTrain | kEvaluate | kDraw, Kind::Text, 0, 0, "",
     [](CommandLine& l, const Value& v) { l.out = v.text; },
     [](TrainSettings& s, const Value& v) { s.out_dir = v.text; }, none,
     "where history.csv, the plot, weights and checkpoint go (default\n"
     "runs/MODEL)"},
    {"--overwrite", "", kTrain, Kind::Flag, 0, 0, "",
     [](CommandLine& l, const Value& v) { l.overwrite = v.flag; },
     [](TrainSettings& s, const Value& v) { s.overwrite = v.flag; }, none,
     "write into an --out folder that already holds a run"},
    {"--init", "FILE", kTrain, Kind::Text, 0, 0, "",
     [](CommandLine& l, const Value& v) { l.init = v.text; },
     [](TrainSettings& s, const Value& v) { s.init_file = v.text; }, none,
     "start from these weights (a weights or checkpoint file) instead of the\n"
     "initialiser"},
    {"--resume", "FILE", kTrain, Kind::Text, 0, 0, "",
     [](CommandLine& l, const Value& v) { l.resume = v.text; },
     [](TrainSettings& s, const Value& v) { s.resume_file = v.text; }, none,
     "continue from a checkpoint.safetensors (same result as not stopping)"},
    {"--weights", "FILE", kEvaluate | kPredict | kDraw, Kind::Text, 0, 0, "",
     [](CommandLine& l, const Value& v) { l.weights = v.text; }, nullptr, none, ""},
    {"--images", "PATH", kPredict, Kind::Text, 0, 0, "",
     [](CommandLine& l, const Value& v) { l.images = v.text; }, nullptr, none, ""},
    {"--image", "FILE", kDraw, Kind::Text, 0, 0, "",
     [](CommandLine& l, const Value& v) { l.image = v.text; }, nullptr, none, ""},
    {"--sample", "N", kDraw, Kind::Whole, 0, LONG_MAX, "",
     [](CommandLine& l, const Value& v) { l.sample = static_cast<long>(v.whole); }, nullptr, none,
     ""},
    {"--labels", "FILE", kPredict, Kind::Text, 0, 0, "",
     [](CommandLine& l, const Value& v) { l.labels = v.text; }, nullptr, none, ""},
    {"--output", "FILE", kPredict, Kind::Text, 0, 0, "",
     [](CommandLine& l, const Value& v) { l.output = v.text; }, nullptr, none, ""},
    {"--quiet", "", kReaders | kDraw, Kind::Flag, 0, 0, "",
     [](CommandLine& l, const Value& v) { l.quiet = v.flag; },
     [](TrainSettings& s, const Value& v) { s.quiet = v.flag; }, none, "no progress output"},
};

const OptionRow* find_option(std::string_view name) {
  for (const auto& row : kOptions)
    if (row.name == name) return &row;
  return nullptr;
}

// `text` is the value as the user wrote it, for the message.
void check_range(const OptionRow& row, long long value, std::string_view text) {
  if (value >= row.min && value <= row.max) return;
  if (row.max <= 256)
    throw UsageError(fmt::format("{} {}: need {} to {}", row.name, text, row.min, row.max));
  if (value > row.max)
    throw UsageError(fmt::format("{} {}: need at most {}", row.name, text, row.max));
  if (row.min == 0) throw UsageError(fmt::format("{} {}: must not be negative", row.name, text));
  throw UsageError(fmt::format("{} {}: need at least {}", row.name, text, row.min));
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

// The value of `text` for `row`, checked as the command line checks it, whichever layer gave it.
Value read_value(const OptionRow& row, const std::string& text) {
  Value value;
  value.text = text;
  switch (row.kind) {
  case Kind::Text:
    break;
  case Kind::Flag:
    value.flag = text == "true";
    break;
  case Kind::Format:
    value.text = format_name(parse_format(text));
    break;
  case Kind::Whole:
    value.whole = parse_whole(row.name, text);
    check_range(row, value.whole, text);
    break;
  case Kind::Rate:
    value.real = parse_real(row.name, text);
    if (!(value.real > 0) || !std::isfinite(value.real))
      throw UsageError(fmt::format("{} {}: need a positive finite number", row.name, text));
    break;
  case Kind::Seed:
    value.seed = parse_seed(text);
    break;
  case Kind::Validation:
    if (text.find_first_of(".eE") != std::string::npos) {
      value.fraction = true;
      value.real = parse_real(row.name, text);
      if (!(value.real >= 0 && value.real < 1))
        throw UsageError(fmt::format("{}: fraction {} is outside [0, 1)", row.name, text));
    } else {
      value.whole = parse_whole(row.name, text);
      check_range(row, value.whole, text);
    }
    break;
  }
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
      return suggestion.empty() ? " (expected train, evaluate, predict, summary or draw)"
                                : suggestion;
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
      for (const auto& row : kOptions)
        if (row.commands & known.command) own.emplace_back(row.name);
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
  if (line.command == "draw" && line.image && line.data)
    throw UsageError("draw takes --image FILE or --data DIR, not both");
  if (line.sample && !line.data)
    throw UsageError("--sample goes with --data (it picks a sample of the test split)");
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
    for (const auto& row : kOptions) {
      if (!(row.commands & known.command)) continue;
      if (row.value_name.empty())
        command->add_flag(std::string(row.name));
      else
        command->add_option(std::string(row.name))->type_name(std::string(row.value_name));
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
  for (const auto& row : kOptions) {
    const CLI::Option* option = command->get_option_no_throw(std::string(row.name));
    if (!option || option->count() == 0) continue;
    const std::string text =
        row.value_name.empty() ? (option->as<bool>() ? "true" : "false") : option->results().back();
    const Value value = read_value(row, text);
    row.to_line(line, value);
    line.given[std::string(row.name)] = row.kind == Kind::Format ? value.text : text;
  }
  check_combinations(line);
  return line;
}

namespace {

// The train command's options in --help: each row's name, value and help lines.
std::string train_option_lines(const std::string& model_name) {
  std::string lines;
  for (const auto& row : kOptions) {
    if (!(row.commands & kTrain) || row.help.empty()) continue;
    std::string help(row.help);
    for (std::size_t at = help.find("MODEL"); at != std::string::npos; at = help.find("MODEL"))
      help.replace(at, 5, model_name);
    std::string label = fmt::format("  {} {}", row.name, row.value_name);
    std::size_t begin = 0;
    for (std::size_t end = help.find('\n');; end = help.find('\n', begin)) {
      lines += fmt::format("{:<20}{}\n", label, help.substr(begin, end - begin));
      if (end == std::string::npos) break;
      begin = end + 1;
      label.clear();
    }
  }
  return lines;
}

// The defaults that no layer has to give.
OptionTexts default_settings(const std::string& model_name) {
  return {{"--data", "data/mnist"},
          {"--threads", std::to_string(std::min(default_thread_count(), 256))},
          {"--out", "runs/" + model_name},
          {"--limit", "0"},
          {"--format", "auto"}};
}

} // namespace

std::string usage_text(const std::string& program, const std::string& model_name) {
  return fmt::format(R"(Usage: {0} [train] [options]      train model {1}
       {0} evaluate --weights FILE [options]
       {0} predict --weights FILE (--images PATH [--labels FILE] | --data DIR) [options]
       {0} summary
       {0} draw [--weights FILE] [--image FILE | --data DIR [--sample N]] [--out DIR]

Options follow the command, as '--epochs 5' or '--epochs=5'.

Data: --data DIR names a folder whose format is detected from its contents:
  x_train.npy, y_train.npy (x_test.npy, y_test.npy)   NumPy arrays              (npy)
  data_batch_1.bin ... test_batch.bin, or train.bin    CIFAR binary              (cifar)
  train-images-*, train-labels-* (t10k-*), raw or .gz  IDX, as MNIST             (idx)
  one folder of images per class, under train/ and    an image folder           (images)
    test/ or directly in DIR
--format NAME says which instead: auto (the default: detect), idx, cifar, images or npy.

train (the model file's training section gives the defaults; a resumed run takes the
checkpoint's settings, and the command line overrides both):
{2}
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

summary: the layers with their output shapes, parameter counts (trainable and not) and FLOPs.

draw: pictures (PNG) of what the network computes (docs/pictures.md): the filters of every
convolution, and for one input the feature maps of every layer with an image output and, for
fixed filters ('filter' lines), the lecture's figure: input | filter | output.
  --weights FILE    the weights (or a checkpoint); needed unless every weight is fixed
  --image FILE      the input: an image file (PNG, JPEG, ...) of the model's input size
  --data DIR        instead of --image: a sample of the test split of DIR
  --sample N        which sample of --data (default 0)
  --out DIR         where the pictures go (default: pictures/ beside the weights, or
                    runs/{1}/pictures)
  --format NAME, --quiet    as for train

Exit status: 0 ok, 1 bad data, files or a diverged run, 2 bad usage.
)",
                     program, model_name, train_option_lines(model_name));
}

TrainSettings resolve_settings(const TrainingConfig& model, const std::string& model_name,
                               const CommandLine& line, const OptionTexts& checkpoint) {
  TrainSettings s;
  // What only the model file says (the update rule, the schedule's shape, ...).
  s.optimizer = model.optimizer;
  s.schedule = model.schedule;
  s.early_stopping = model.early_stopping;
  s.augment = model.augment;
  OptionTexts from_model;
  for (const auto& row : kOptions)
    if (const std::string text = row.from_model(model); !text.empty())
      from_model[std::string(row.name)] = text;
  const OptionTexts defaults = default_settings(model_name);
  // Each option's text from the last layer that gives it: defaults, model, checkpoint, line.
  for (const auto& row : kOptions) {
    if (!row.to_settings) continue;
    const std::string name(row.name);
    const std::string* text = nullptr;
    const OptionTexts* source = nullptr;
    bool from_model_file = false;
    const OptionTexts* layers[] = {&defaults, &from_model, &checkpoint, &line.given};
    for (const OptionTexts* layer : layers) {
      const auto found = layer->find(name);
      if (found == layer->end()) continue;
      text = &found->second;
      source = layer;
      from_model_file = layer == &from_model;
    }
    if (!text) continue;
    Value value;
    try {
      value = read_value(row, *text);
    } catch (const UsageError& error) {
      // The user did not type a checkpoint's value: the file is wrong, not the command line.
      // The reason follows the option's name in the usage message ("--threads 0: need ...").
      if (source != &checkpoint) throw;
      const std::string_view usage = error.what();
      const auto colon = usage.find(": ");
      throw DataError(fmt::format("{}: the checkpoint's setting '{}' is '{}': {}",
                                  line.resume.value_or("checkpoint"), row.checkpoint_key, *text,
                                  colon == usage.npos ? usage : usage.substr(colon + 2)));
    }
    row.to_settings(s, value);
    if (!row.checkpoint_key.empty()) s.texts[name] = *text;
    if (row.kind == Kind::Validation) s.scale_validation = from_model_file;
  }
  return s;
}

std::map<std::string, std::string> checkpoint_settings(const TrainSettings& settings,
                                                       long held_out) {
  std::map<std::string, std::string> metadata;
  for (const auto& row : kOptions) {
    if (row.checkpoint_key.empty()) continue;
    const auto found = settings.texts.find(std::string(row.name));
    if (found != settings.texts.end()) metadata[std::string(row.checkpoint_key)] = found->second;
  }
  metadata["validation"] = std::to_string(held_out);
  return metadata;
}

OptionTexts settings_from_checkpoint(const std::map<std::string, std::string>& metadata) {
  OptionTexts texts;
  for (const auto& row : kOptions) {
    if (row.checkpoint_key.empty()) continue;
    const auto found = metadata.find(std::string(row.checkpoint_key));
    if (found != metadata.end()) texts[std::string(row.name)] = found->second;
  }
  return texts;
}

long validation_size(const TrainSettings& s, long available, long full_size) {
  if (s.validation_count > 0) {
    if (!s.scale_validation || available == full_size) return s.validation_count;
    return static_cast<long>(std::llround(static_cast<double>(s.validation_count) * available /
                                          static_cast<double>(full_size)));
  }
  return static_cast<long>(std::llround(s.validation_fraction * static_cast<double>(available)));
}

} // namespace cnn
