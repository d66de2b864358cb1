// Data sources behind one interface: format detection, split dispatch, and the checks of
// samples and targets against what the model declares.
#include "cnn/dataset.hpp"

#include "cnn/errors.hpp"
#include "cnn/readers.hpp"
#include "cnn/suggest.hpp"

#include <filesystem>
#include <fmt/format.h>

namespace cnn {
namespace {

namespace fs = std::filesystem;

bool exists(const std::string& dir, const std::string& name) {
  std::error_code error;
  return fs::exists(fs::path(dir) / name, error);
}

bool has_file_starting(const std::string& dir, const std::string& prefix) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error))
    if (entry.path().filename().string().starts_with(prefix)) return true;
  return false;
}

std::string shape_text(int h, int w, int c) {
  return fmt::format("{}x{}x{}", h, w, c);
}

} // namespace

const char* format_name(DataFormat format) {
  switch (format) {
  case DataFormat::Auto:
    return "auto";
  case DataFormat::Idx:
    return "idx";
  case DataFormat::Cifar:
    return "cifar";
  case DataFormat::ImageFolder:
    return "images";
  case DataFormat::Npy:
    return "npy";
  }
  return "auto";
}

DataFormat parse_format(const std::string& text) {
  std::vector<std::string> names;
  for (DataFormat format : {DataFormat::Auto, DataFormat::Idx, DataFormat::Cifar,
                            DataFormat::ImageFolder, DataFormat::Npy}) {
    if (text == format_name(format)) return format;
    names.push_back(format_name(format));
  }
  throw UsageError(fmt::format("--format {}: expected {}{}", text, fmt::join(names, ", "),
                               did_you_mean(text, names)));
}

DataFormat detect_format(const std::string& location) {
  std::error_code error;
  if (!fs::exists(location, error))
    throw DataError(fmt::format("{}: no such data folder", location));
  if (!fs::is_directory(location, error))
    throw DataError(
        fmt::format("{}: not a folder (--data names a folder of data files)", location));
  if (exists(location, "x_train.npy") || exists(location, "x_test.npy")) return DataFormat::Npy;
  if (exists(location, "data_batch_1.bin") || exists(location, "test_batch.bin") ||
      exists(location, "train.bin"))
    return DataFormat::Cifar;
  if (has_file_starting(location, "train-images") || has_file_starting(location, "t10k-images") ||
      has_file_starting(location, "test-images"))
    return DataFormat::Idx;
  for (const auto& entry : fs::directory_iterator(location, error))
    if (entry.is_directory()) return DataFormat::ImageFolder;
  throw DataError(fmt::format(
      "{}: cannot tell the data format: expected x_train.npy (NumPy), data_batch_1.bin or "
      "train.bin (CIFAR binary), train-images-* (IDX) or class folders (images); --format names "
      "it",
      location));
}

bool has_split(const std::string& location, DataFormat format, Split split) {
  if (format == DataFormat::Auto) format = detect_format(location);
  switch (format) {
  case DataFormat::Idx:
    return idx_has_split(location, split);
  case DataFormat::Npy:
    return npy_has_split(location, split);
  case DataFormat::Cifar:
    return cifar_has_split(location, split);
  case DataFormat::ImageFolder:
    return image_folder_has_split(location, split);
  case DataFormat::Auto:
    break;
  }
  return false;
}

Dataset read_split(const std::string& location, DataFormat format, Split split,
                   const DataSpec& spec) {
  if (format == DataFormat::Auto) format = detect_format(location);
  switch (format) {
  case DataFormat::Idx:
    return read_idx_split(location, split, spec);
  case DataFormat::Npy:
    return read_npy_split(location, split, spec);
  case DataFormat::Cifar:
    return read_cifar_split(location, split, spec);
  case DataFormat::ImageFolder:
    return read_image_folder_split(location, split, spec);
  case DataFormat::Auto:
    break;
  }
  throw DataError(fmt::format("{}: unknown data format", location));
}

Samples read_samples(const std::string& path, const DataSpec& spec) {
  std::error_code error;
  if (fs::is_directory(path, error)) return read_image_files(path, spec);
  const std::string extension = fs::path(path).extension().string();
  Samples samples;
  if (extension == ".npy")
    samples = read_npy_samples(path);
  else if (extension == ".png" || extension == ".jpg" || extension == ".jpeg" ||
           extension == ".bmp" || extension == ".PNG" || extension == ".JPG" ||
           extension == ".JPEG" || extension == ".BMP" || extension == ".gif" ||
           extension == ".tga" || extension == ".pgm" || extension == ".ppm")
    return read_image_files(path, spec);
  else
    samples = read_idx_samples(path);
  check_samples(samples, spec);
  return samples;
}

Targets read_targets(const std::string& path, const DataSpec& spec, std::size_t count) {
  Targets targets =
      fs::path(path).extension() == ".npy" ? read_npy_targets(path) : read_idx_targets(path);
  check_targets(targets, spec, count);
  return targets;
}

void check_samples(const Samples& samples, const DataSpec& spec) {
  if (samples.height != spec.height || samples.width != spec.width ||
      samples.channels != spec.channels)
    throw DataError(fmt::format("{}: samples are {}, the model expects {}", samples.path,
                                shape_text(samples.height, samples.width, samples.channels),
                                shape_text(spec.height, spec.width, spec.channels)));
  const std::size_t expected = samples.count * samples.sample_size();
  if ((samples.floats ? samples.values.size() : samples.bytes.size()) != expected)
    throw DataError(fmt::format("{}: holds {} values, expected {} ({} samples of {})", samples.path,
                                samples.floats ? samples.values.size() : samples.bytes.size(),
                                expected, samples.count,
                                shape_text(samples.height, samples.width, samples.channels)));
}

void check_targets(const Targets& targets, const DataSpec& spec, std::size_t count) {
  if (targets.real()) {
    if (spec.target_size == 0)
      throw DataError(fmt::format(
          "{}: holds real-valued targets ({} per sample), but the model is a classifier and "
          "needs integer class labels",
          targets.path, targets.width));
    if (targets.width != spec.target_size)
      throw DataError(fmt::format("{}: {} targets per sample, the model has {} outputs",
                                  targets.path, targets.width, spec.target_size));
  } else {
    if (spec.classes == 0)
      throw DataError(fmt::format(
          "{}: holds class labels, but the model needs {} real-valued targets per sample",
          targets.path, spec.target_size));
    for (std::size_t i = 0; i < targets.labels.size(); ++i)
      if (targets.labels[i] < 0 || targets.labels[i] >= spec.classes)
        throw DataError(fmt::format("{}: label {} of item {} is out of range (the model has {} "
                                    "classes: 0 to {})",
                                    targets.path, targets.labels[i], i, spec.classes,
                                    spec.classes - 1));
  }
  if (targets.count() != count)
    throw DataError(fmt::format("{}: {} {}, but there are {} samples", targets.path,
                                targets.count(), targets.real() ? "targets" : "labels", count));
}

void check_dataset(const Dataset& data, const DataSpec& spec) {
  check_samples(data.images, spec);
  check_targets(data.targets, spec, data.images.count);
}

} // namespace cnn
