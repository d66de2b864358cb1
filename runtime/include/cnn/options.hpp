// The trainer's command line: parsing into optional values, the --help text, and resolving the
// training settings (command line over checkpoint over the model file's training section).
// The parser (CLI11) stays inside options.cpp: this header is all a trainer needs.
#pragma once

#include "cnn/model_info.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace cnn {

struct CommandLine {
  std::string command = "train"; // train, evaluate, predict, summary
  bool help = false, quiet = false;
  std::optional<std::string> data, out, init, resume, weights, images, output, format, labels;
  bool overwrite = false;
  std::optional<int> epochs, batch, threads;
  std::optional<double> lr;
  std::optional<std::uint64_t> seed;
  std::optional<long> validation_count, limit, test_limit;
  std::optional<double> validation_fraction;
};

// Commands train (the default when the first argument is an option or absent), evaluate,
// predict and summary, each with its own options, as `--opt value` or `--opt=value`. Checks
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
  long limit = 0;                 // first N training images; 0 = all
  long test_limit = 0;            // first N test images; 0 = all
  bool quiet = false;
  std::string init_file, resume_file;
  std::string format; // --format, "" for auto
  bool overwrite = false;
};

// The model's training section, overridden by what the command line gives. Throws UsageError
// for values out of range (batch < 1, ...), with the same rules as parse_command_line.
TrainSettings resolve_settings(const TrainingConfig& model, const std::string& model_name,
                               const CommandLine& line);

// Samples held out for validation out of `available` (after --limit). A count from the model
// file is scaled by the --limit fraction of `full_size`, so a quick run keeps the proportion.
long validation_size(const TrainSettings& settings, bool count_from_command_line, long available,
                     long full_size);

} // namespace cnn
