// The trainer command of a generated model (build/bin/<model>-train): train, evaluate,
// predict, summary and draw, with the exit codes 0 ok, 1 bad data or files, 2 bad usage.
#pragma once

#include "cnn/classification.hpp"
#include "cnn/draw.hpp"
#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"
#include "cnn/options.hpp"
#include "cnn/summary.hpp"
#include "cnn/training_run.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <new>

namespace cnn {

// The test split of --data, or an error saying the data has none.
template <class Model>
Dataset read_test_split(const CommandLine& line) {
  const std::string dir = line.data.value_or("data/mnist");
  const DataFormat format = line.format ? parse_format(*line.format) : DataFormat::Auto;
  if (!has_split(dir, format, Split::Test))
    throw DataError(fmt::format("{}: has no test split to evaluate on", dir));
  return read_split(dir, format, Split::Test, data_spec<Model>());
}

template <class Model>
int run_evaluate(const CommandLine& line, std::FILE* out, std::FILE* err) {
  const Dataset test_data = read_test_split<Model>(line);
  Trainer<Model> trainer(line.threads.value_or(default_thread_count()));
  load_weights(read_safetensors(*line.weights), describe<Model>(), trainer.params());
  const long limit = line.test_limit && *line.test_limit > 0 ? *line.test_limit
                                                             : static_cast<long>(test_data.size());
  const std::vector<std::uint32_t> items =
      sample_subset(test_data.size(), limit, Model::kTraining.seed);
  if (items.empty())
    throw DataError(fmt::format("{}: the test split is empty", test_data.images.path));
  if (test_data.targets.real()) {
    const auto test = trainer.evaluate(test_data, items);
    fmt::print(out, "Test: loss {:.4f} - mae {:.4f} ({} samples)\n", test.loss(), test.mae(),
               items.size());
    return 0;
  }
  std::vector<int> predicted;
  const auto test = trainer.evaluate(test_data, items, &predicted);
  const std::vector<std::string> names = class_names<Model>(test_data);
  ConfusionMatrix matrix(static_cast<int>(names.size()));
  for (std::size_t i = 0; i < items.size(); ++i)
    matrix.add(test_data.targets.labels[items[i]], predicted[i]);
  fmt::print(out, "Test: loss {:.4f} - acc {:.4f} ({} samples)\n\n{}", test.loss(), test.accuracy(),
             items.size(), classification_report(matrix, names));
  // Beside the weights by default ("." for a weights file named without a folder).
  const std::filesystem::path beside = std::filesystem::path(*line.weights).parent_path();
  const std::string folder = line.out.value_or(beside.empty() ? "." : beside.string());
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error)
    throw DataError(
        fmt::format("{}: cannot create the output folder ({})", folder, error.message()));
  const std::string problem = plot_confusion(
      folder, matrix, names,
      fmt::format("{}: confusion matrix on {}", Model::kName, test_data.images.path));
  if (!problem.empty())
    fmt::print(err, "note: {}\n", problem);
  else if (!line.quiet)
    fmt::print(out, "Wrote {0}/confusion.png, {0}/confusion.csv\n", folder);
  return 0;
}

template <class Model>
int run_predict(const CommandLine& line, std::FILE* out) {
  const DataSpec spec = data_spec<Model>();
  Dataset data;
  if (line.images) {
    data.images = read_samples(*line.images, spec);
    if (line.labels) data.targets = read_targets(*line.labels, spec, data.images.count);
  } else {
    data = read_test_split<Model>(line);
  }
  if (data.images.count == 0)
    throw DataError(fmt::format("{}: holds no samples", data.images.path));
  const bool has_truth = data.targets.count() > 0;
  Trainer<Model> trainer(line.threads.value_or(default_thread_count()));
  load_weights(read_safetensors(*line.weights), describe<Model>(), trainer.params());
  const std::vector<float> outputs = trainer.predict(data.images);
  const bool classifier = Model::kClassCount > 0;
  const std::vector<std::string> names = class_names<Model>(data);
  const bool named = data.images.names.size() == data.images.count;
  std::string csv = named ? "sample,file" : "sample";
  if (classifier) csv += ",class,name";
  if (has_truth) csv += data.targets.real() ? "" : ",true_class,true_name";
  for (int k = 0; k < Model::kOutputSize; ++k)
    csv += classifier && Model::kOutputSize > 1 ? fmt::format(",p_{}", names[k])
                                                : fmt::format(",y{}", k);
  if (has_truth && data.targets.real())
    for (int k = 0; k < Model::kOutputSize; ++k) csv += fmt::format(",target{}", k);
  csv += '\n';
  long correct = 0;
  for (std::size_t i = 0; i < data.images.count; ++i) {
    const float* p = outputs.data() + i * Model::kOutputSize;
    csv += std::to_string(i);
    if (named) csv.append(",").append(csv_field(data.images.names[i]));
    if (classifier) {
      const int best = predicted_class<1>(p, Model::kOutputSize, 0);
      csv += fmt::format(",{},{}", best, names[static_cast<std::size_t>(best)]);
      if (has_truth) {
        const int truth = data.targets.labels[i];
        correct += truth == best;
        csv += fmt::format(",{},{}", truth, names[static_cast<std::size_t>(truth)]);
      }
    }
    for (int k = 0; k < Model::kOutputSize; ++k) csv += fmt::format(",{:.6g}", p[k]);
    if (has_truth && data.targets.real())
      for (int k = 0; k < Model::kOutputSize; ++k)
        csv += fmt::format(",{:.6g}", data.targets.values[i * data.targets.width + k]);
    csv += '\n';
  }
  if (!line.output) {
    fmt::print(out, "{}", csv);
    return 0;
  }
  write_file_atomically(*line.output, csv);
  if (!line.quiet) {
    fmt::print(out, "Wrote {} predictions of {} to {}", data.images.count, data.images.path,
               *line.output);
    if (classifier && has_truth)
      fmt::print(out, " ({} of {} correct, acc {:.4f})", correct, data.images.count,
                 static_cast<double>(correct) / static_cast<double>(data.images.count));
    fmt::print(out, "\n");
  }
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
                               Model::kParamCount,
                               std::span<const TensorInfo>(Model::kTensors, Model::kTensorCount)));
      return 0;
    }
    if (line.command == "evaluate") return run_evaluate<Model>(line, out, err);
    if (line.command == "predict") return run_predict<Model>(line, out);
    if (line.command == "draw") return run_draw<Model>(line, out);
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
  } catch (const Interrupted& stop) {
    std::fflush(out);
    fmt::print(err, "\n{}: {}\n", program, stop.what());
    return stop.exit_code();
  } catch (const std::bad_alloc&) {
    std::fflush(out);
    fmt::print(err, "{}: error: out of memory\n", program);
    return 1;
  }
}

} // namespace cnn
