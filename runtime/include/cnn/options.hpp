// The trainer's options: one table (options.cpp) says of each option its name, help, value type
// and range, the commands it applies to and where its value may come from. From it come the
// command-line parser (CLI11 stays inside options.cpp), the --help text, the settings a
// checkpoint stores, and resolve_settings, which takes the model file's training section, then a
// checkpoint's settings, then the command line, in one step and writing nothing back.
#pragma once

#include "cnn/model_info.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace cnn {

// Option values as text, by option name ("--epochs" -> "5"): one layer of settings.
using OptionTexts = std::map<std::string, std::string>;

struct CommandLine {
  std::string command = "train"; // train, evaluate, predict, summary, draw
  bool help = false, quiet = false;
  std::optional<std::string> data, out, init, resume, weights, images, output, format, labels;
  std::optional<std::string> image; // draw: one image file
  std::optional<long> sample;       // draw: a sample index of --data's test split
  bool overwrite = false;
  std::optional<int> epochs, batch, threads;
  std::optional<double> lr;
  std::optional<std::uint64_t> seed;
  std::optional<long> validation_count, limit, test_limit;
  std::optional<double> validation_fraction;
  std::optional<int> patience;
  bool no_augment = false;
  OptionTexts given; // every option given, as checked text: the command line's settings layer
};

// Commands train (the default when the first argument is an option or absent), evaluate,
// predict, summary and draw, each with its own options, as `--opt value` or `--opt=value`. Checks
// every value's range and which options go together. Throws UsageError saying what is wrong and
// what was expected, with a suggestion for a misspelt command or option.
CommandLine parse_command_line(int argc, const char* const* argv);

std::string usage_text(const std::string& program, const std::string& model_name);

// Everything a training run needs, after defaults and overrides are applied.
struct TrainSettings {
  std::string data_dir = "data/mnist";
  std::string out_dir;
  OptimizerConfig optimizer{};
  int epochs = 1, batch = 32, threads = 1;
  std::uint64_t seed = 0;
  long validation_count = 0;      // used when > 0
  double validation_fraction = 0; // else this, when > 0
  bool scale_validation = false;  // the count is the model file's: scale it with --limit
  long limit = 0;                 // first N training samples; 0 = all
  long test_limit = 0;            // first N test samples; 0 = all
  bool quiet = false;
  std::string init_file, resume_file;
  std::string format; // --format, "" for auto
  bool overwrite = false;
  ScheduleConfig schedule{};
  EarlyStoppingConfig early_stopping{};
  AugmentConfig augment{};
  OptionTexts texts; // the resolved value of every option that has one, for the checkpoint
};

// The settings of a run: the defaults, then the model file's training section, then `checkpoint`
// (the settings of the run being resumed), then the command line; a later layer wins. Every
// value goes through the checks of the command line whichever layer gave it, and a bad one throws
// UsageError naming the option ("--threads 0: need 1 to 256").
TrainSettings resolve_settings(const TrainingConfig& model, const std::string& model_name,
                               const CommandLine& line, const OptionTexts& checkpoint = {});

// The settings a checkpoint stores (metadata key -> text), and back. `held_out` replaces the
// validation setting by the number of samples the run held out, so a resumed run holds out the
// same ones.
std::map<std::string, std::string> checkpoint_settings(const TrainSettings& settings,
                                                       long held_out);
OptionTexts settings_from_checkpoint(const std::map<std::string, std::string>& metadata);

// Samples held out for validation out of `available` (after --limit). A count from the model
// file is scaled by the --limit fraction of `full_size`, so a quick run keeps the proportion.
long validation_size(const TrainSettings& settings, long available, long full_size);

} // namespace cnn
