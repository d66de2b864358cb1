// The per-format readers behind read_split / read_samples (dataset.hpp). Each checks its own
// format's structure, then the samples and targets against the model's DataSpec
// (check_dataset), and throws DataError naming the file and what was expected.
#pragma once

#include "cnn/dataset.hpp"

#include <filesystem>
#include <string>

namespace cnn {

// The shape, labels and targets of `data` against `spec`, and that the counts agree.
void check_dataset(const Dataset& data, const DataSpec& spec);
void check_samples(const Samples& samples, const DataSpec& spec);
void check_targets(const Targets& targets, const DataSpec& spec, std::size_t count);

// IDX: <dir>/{train,t10k,test}-images-* and -labels-* (raw or .gz); 3-D (N, H, W) or 4-D
// (N, H, W, C) images of unsigned bytes or floats; 1-D integer labels or 2-D float targets.
Dataset read_idx_split(const std::string& dir, Split split, const DataSpec& spec);
bool idx_has_split(const std::string& dir, Split split);
Samples read_idx_samples(const std::string& path);
Targets read_idx_targets(const std::string& path);

// NumPy: <dir>/x_train.npy, y_train.npy, x_test.npy, y_test.npy (keras.datasets' names).
// x: uint8 or float32/float64, (N, H, W) or (N, H, W, C); y: integer (N,) or (N, 1) labels, or
// float (N, K) targets.
Dataset read_npy_split(const std::string& dir, Split split, const DataSpec& spec);
bool npy_has_split(const std::string& dir, Split split);
Samples read_npy_samples(const std::string& path);
Targets read_npy_targets(const std::string& path);

// CIFAR binary: CIFAR-10 (data_batch_1..5.bin, test_batch.bin, batches.meta.txt) or CIFAR-100
// (train.bin, test.bin, fine_label_names.txt; the fine labels), 32x32x3.
Dataset read_cifar_split(const std::string& dir, Split split, const DataSpec& spec);
bool cifar_has_split(const std::string& dir, Split split);

// Image folders (Keras' image_dataset_from_directory, torchvision's ImageFolder):
// <dir>/train/<class>/* and <dir>/test/<class>/*, or only <dir>/<class>/* (a train split and no
// test split). Classes are the sorted folder names; PNG, JPEG, BMP, GIF, TGA, PNM files.
Dataset read_image_folder_split(const std::string& dir, Split split, const DataSpec& spec);
bool image_folder_has_split(const std::string& dir, Split split);
// Whether the file name has an image extension (any case) and is not hidden.
bool is_image_name(const std::filesystem::path& path);
// One image file, or every image file of a folder sorted by name, as bytes.
Samples read_image_files(const std::string& path, const DataSpec& spec);

} // namespace cnn
