// CIFAR-10 and CIFAR-100 binary batches: fixed-size records of label bytes and 32x32 planar RGB,
// read into interleaved H, W, C bytes with the class names from the data set's text file.
#include "cnn/dataset.hpp"
#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"
#include "cnn/readers.hpp"

#include <filesystem>
#include <fmt/format.h>

namespace cnn {
namespace {

namespace fs = std::filesystem;

constexpr int kSide = 32;
constexpr int kPlane = kSide * kSide;
constexpr int kPixels = 3 * kPlane;

// The two variants differ in their file names and in the label bytes before each image.
struct Variant {
  const char* name;
  int label_bytes; // CIFAR-100 has a coarse then a fine label; the fine one is used
  const char* names_file;
};
constexpr Variant kCifar10{"CIFAR-10", 1, "batches.meta.txt"};
constexpr Variant kCifar100{"CIFAR-100", 2, "fine_label_names.txt"};

bool file_exists(const fs::path& path) {
  std::error_code error;
  return fs::exists(path, error);
}

fs::path cifar10_batch(const std::string& dir, int number) {
  return fs::path(dir) / fmt::format("data_batch_{}.bin", number);
}

bool is_cifar10(const std::string& dir) {
  for (int number = 1; number <= 5; ++number)
    if (file_exists(cifar10_batch(dir, number))) return true;
  return file_exists(fs::path(dir) / "test_batch.bin");
}

bool is_cifar100(const std::string& dir) {
  return file_exists(fs::path(dir) / "train.bin") || file_exists(fs::path(dir) / "test.bin");
}

// The files of a split, in order; an empty list when the split is absent.
std::vector<std::string> split_files(const std::string& dir, const Variant& variant, Split split) {
  std::vector<std::string> files;
  if (&variant == &kCifar10) {
    if (split == Split::Test) {
      if (file_exists(fs::path(dir) / "test_batch.bin"))
        files.push_back((fs::path(dir) / "test_batch.bin").string());
    } else {
      for (int number = 1; number <= 5; ++number)
        if (file_exists(cifar10_batch(dir, number)))
          files.push_back(cifar10_batch(dir, number).string());
    }
  } else {
    const fs::path path = fs::path(dir) / (split == Split::Train ? "train.bin" : "test.bin");
    if (file_exists(path)) files.push_back(path.string());
  }
  return files;
}

const Variant& variant_of(const std::string& dir) {
  if (is_cifar10(dir)) return kCifar10;
  if (is_cifar100(dir)) return kCifar100;
  throw DataError(fmt::format("{}: no CIFAR binary batches (expected data_batch_1.bin to "
                              "data_batch_5.bin and test_batch.bin for CIFAR-10, or train.bin and "
                              "test.bin for CIFAR-100)",
                              dir));
}

// Appends one batch file's records: labels, then each image from planar R, G, B to interleaved.
void read_batch(const std::string& path, const Variant& variant, const DataSpec& spec,
                Dataset& data) {
  const auto bytes = read_file_bytes(path, false);
  const std::size_t record = static_cast<std::size_t>(variant.label_bytes) + kPixels;
  const std::string record_text =
      fmt::format("{}-byte {} records ({} label byte{} + {} pixel bytes)", record, variant.name,
                  variant.label_bytes, variant.label_bytes == 1 ? "" : "s", kPixels);
  if (bytes.empty()) throw DataError(fmt::format("{}: empty, expected {}", path, record_text));
  if (bytes.size() % record != 0)
    throw DataError(
        fmt::format("{}: {} bytes is not a whole number of {}", path, bytes.size(), record_text));
  const std::size_t count = bytes.size() / record;
  const std::size_t first = data.images.count;
  data.images.count += count;
  data.images.bytes.resize(data.images.count * kPixels);
  for (std::size_t n = 0; n < count; ++n) {
    const std::uint8_t* in = bytes.data() + n * record;
    const int label = in[variant.label_bytes - 1];
    // Checked here too, so that the message names this file and the record within it.
    if (spec.classes > 0 && label >= spec.classes)
      throw DataError(fmt::format("{}: label {} of record {} is out of range (the model has {} "
                                  "classes: 0 to {})",
                                  path, label, n, spec.classes, spec.classes - 1));
    data.targets.labels.push_back(label);
    const std::uint8_t* planes = in + variant.label_bytes;
    std::uint8_t* out = data.images.bytes.data() + (first + n) * kPixels;
    for (int i = 0; i < kPlane; ++i) {
      out[3 * i] = planes[i];
      out[3 * i + 1] = planes[kPlane + i];
      out[3 * i + 2] = planes[2 * kPlane + i];
    }
  }
}

// One name a line; blank lines (batches.meta.txt ends with some) are skipped.
std::vector<std::string> read_class_names(const std::string& path) {
  if (!file_exists(path)) return {};
  const auto bytes = read_file_bytes(path, false);
  std::vector<std::string> names;
  std::string line;
  const auto finish = [&] {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    if (!line.empty()) names.push_back(line);
    line.clear();
  };
  for (std::uint8_t byte : bytes) {
    if (byte == '\n')
      finish();
    else
      line.push_back(static_cast<char>(byte));
  }
  finish();
  return names;
}

} // namespace

bool cifar_has_split(const std::string& dir, Split split) {
  if (!is_cifar10(dir) && !is_cifar100(dir)) return false;
  return !split_files(dir, variant_of(dir), split).empty();
}

Dataset read_cifar_split(const std::string& dir, Split split, const DataSpec& spec) {
  const Variant& variant = variant_of(dir);
  const auto files = split_files(dir, variant, split);
  if (files.empty()) {
    const bool ten = &variant == &kCifar10;
    const char* expected = split == Split::Train
                               ? (ten ? "data_batch_1.bin to data_batch_5.bin" : "train.bin")
                               : (ten ? "test_batch.bin" : "test.bin");
    throw DataError(fmt::format("{}: no {} {} split (expected {})", dir, variant.name,
                                split == Split::Train ? "training" : "test", expected));
  }
  Dataset data;
  data.images.path = data.targets.path = files.size() == 1 ? files[0] : dir;
  data.images.height = data.images.width = kSide;
  data.images.channels = 3;
  check_samples(data.images, spec); // before reading, for a model of another input shape
  for (const auto& file : files) read_batch(file, variant, spec, data);
  data.class_names = read_class_names((fs::path(dir) / variant.names_file).string());
  check_dataset(data, spec);
  return data;
}

} // namespace cnn
