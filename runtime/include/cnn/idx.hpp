// The IDX format of MNIST: image files (magic 0x00000803) and label files (0x00000801), raw or
// gzip-compressed, checked thoroughly and kept as bytes until a batch needs floats.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnn {

struct IdxImages {
  std::string path;
  std::size_t count = 0;
  int rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels; // count * rows * cols, image after image, row-major
  std::size_t image_size() const { return static_cast<std::size_t>(rows) * cols; }
};

struct IdxLabels {
  std::string path;
  std::vector<std::uint8_t> labels;
};

// Images and their labels, checked to agree.
struct Dataset {
  IdxImages images;
  IdxLabels labels;
  std::size_t size() const { return images.count; }
};

// Each throws DataError naming the file and the problem: missing file, directory, wrong magic,
// wrong dimension count, zero-sized images, truncated data or trailing bytes.
IdxImages read_idx_images(const std::string& path);
IdxLabels read_idx_labels(const std::string& path);

// Reads both files and checks that the counts agree and every label is below `classes`.
Dataset read_dataset(const std::string& images_path, const std::string& labels_path, int classes);

// "<dir>/<name>" if it exists, else "<dir>/<name>.gz" if that exists; else throws DataError
// naming both candidates.
std::string find_data_file(const std::string& dir, const std::string& name);

// Reads the training or test pair (`split` is "train" or "t10k") of an MNIST-style folder.
Dataset read_mnist_split(const std::string& dir, const std::string& split, int classes);

} // namespace cnn
