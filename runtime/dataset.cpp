// Data sources behind one interface: format detection and split dispatch (the checks against
// the model's DataSpec are in data_checks.cpp).
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
    throw DataError(fmt::format(
        "{}: no such data folder (scripts/fetch-data puts MNIST in data/mnist)", location));
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
  if (is_image_name(path)) return read_image_files(path, spec);
  Samples samples =
      fs::path(path).extension() == ".npy" ? read_npy_samples(path) : read_idx_samples(path);
  check_samples(samples, spec);
  return samples;
}

Targets read_targets(const std::string& path, const DataSpec& spec, std::size_t count) {
  Targets targets =
      fs::path(path).extension() == ".npy" ? read_npy_targets(path) : read_idx_targets(path);
  check_targets(targets, spec, count);
  return targets;
}

} // namespace cnn
