// The trainer command of a generated model (build/bin/<model>-train): train, evaluate,
// predict and summary, with the exit codes 0 ok, 1 bad data or files, 2 bad usage.
#pragma once

#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"
#include "cnn/options.hpp"
#include "cnn/summary.hpp"
#include "cnn/training_run.hpp"

#include <filesystem>
#include <fmt/format.h>

namespace cnn {

template <class Model>
int run_evaluate(const CommandLine& line, std::FILE* out) {
  const std::string dir = line.data.value_or("data/mnist");
  const Dataset test_data = read_model_data<Model>(dir, "t10k");
  Trainer<Model> trainer(line.threads.value_or(default_thread_count()));
  load_weights(read_safetensors(*line.weights), describe<Model>(), trainer.params(), "optimizer.");
  std::vector<std::uint32_t> items(test_data.size());
  std::iota(items.begin(), items.end(), 0u);
  const auto test = trainer.evaluate(test_data, items);
  fmt::print(out, "Test: loss {:.4f} - acc {:.4f}\n", test.loss(), test.accuracy());
  return 0;
}

template <class Model>
int run_predict(const CommandLine& line, std::FILE* out) {
  const IdxImages images = read_idx_images(*line.images);
  if (images.rows != Model::kInputH || images.cols != Model::kInputW || Model::kInputC != 1)
    throw DataError(fmt::format("{}: images are {}x{}x1, model {} expects {}x{}x{}", images.path,
                                images.rows, images.cols, Model::kName, Model::kInputH,
                                Model::kInputW, Model::kInputC));
  Trainer<Model> trainer(line.threads.value_or(default_thread_count()));
  load_weights(read_safetensors(*line.weights), describe<Model>(), trainer.params(), "optimizer.");
  const auto outputs = trainer.predict(images);
  std::string csv = "image,class";
  for (int k = 0; k < Model::kOutputSize; ++k) csv += fmt::format(",p{}", k);
  csv += '\n';
  for (std::size_t i = 0; i < images.count; ++i) {
    const float* p = outputs.data() + i * Model::kOutputSize;
    int best = 0;
    for (int k = 1; k < Model::kOutputSize; ++k) best = p[k] > p[best] ? k : best;
    if (Model::kOutputSize == 1) best = p[0] > 0.5f ? 1 : 0;
    csv += fmt::format("{},{}", i, best);
    for (int k = 0; k < Model::kOutputSize; ++k) csv += fmt::format(",{:.6g}", p[k]);
    csv += '\n';
  }
  if (line.output)
    write_file_atomically(*line.output, csv);
  else
    fmt::print(out, "{}", csv);
  return 0;
}

// `out` and `err` are parameters so that tests can read what a run prints.
template <class Model>
int trainer_main(int argc, const char* const* argv, std::FILE* out = stdout,
                 std::FILE* err = stderr) {
  const std::string program = argc > 0 ? std::filesystem::path(argv[0]).filename().string()
                                       : std::string(Model::kName) + "-train";
  try {
    const CommandLine line = parse_command_line(argc, argv);
    if (line.help) {
      fmt::print(out, "{}", usage_text(program, Model::kName));
      return 0;
    }
    if (line.command == "summary") {
      fmt::print(out, "{}",
                 summary_table(Model::kName,
                               std::span<const LayerInfo>(Model::kLayers, Model::kLayerCount),
                               Model::kParamCount));
      return 0;
    }
    if (line.command == "evaluate") return run_evaluate<Model>(line, out);
    if (line.command == "predict") return run_predict<Model>(line, out);
    return run_training<Model>(line, out, err);
  } catch (const UsageError& error) {
    std::fflush(out);
    fmt::print(err, "{}: {}\nTry '{} --help'.\n", program, error.what(), program);
    return 2;
  } catch (const DataError& error) {
    std::fflush(out);
    fmt::print(err, "{}: error: {}\n", program, error.what());
    return 1;
  } catch (const TrainingDiverged& error) {
    std::fflush(out);
    fmt::print(err, "\n{}: error: {}\n", program, error.what());
    return 1;
  }
}

} // namespace cnn
