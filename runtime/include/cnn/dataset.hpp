// Samples of any shape with class labels or real-valued targets: what every data reader (IDX,
// CIFAR binary, image folders, NumPy .npy) yields, checked against what the model declares.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnn {

// Images (or any H x W x C samples), one after the other, each row-major with the channel
// innermost (H, W, C), as Keras and NumPy hold them. Stored as bytes (a value v reads as
// v / 255, in [0, 1]) or as floats (read as they are); never both.
struct Samples {
  std::string path; // the file or folder they came from, for messages
  std::size_t count = 0;
  int height = 0, width = 0, channels = 0;
  std::vector<std::uint8_t> bytes; // count * sample_size() when stored as bytes
  std::vector<float> values;       // count * sample_size() when stored as floats
  bool floats = false;             // which of the two holds the data
  std::vector<std::string> names;  // each sample's file, for samples read from image files

  std::size_t sample_size() const { return static_cast<std::size_t>(height) * width * channels; }
};

// One class label per sample, or `width` real-valued targets per sample (regression).
struct Targets {
  std::string path;
  std::vector<std::int32_t> labels; // count values in [0, classes)
  std::vector<float> values;        // count * width, when real
  int width = 0;                    // real targets per sample; 0 for labels
  bool real() const { return width > 0; }
  std::size_t count() const {
    return real() ? values.size() / static_cast<std::size_t>(width) : labels.size();
  }
};

struct Dataset {
  Samples images;
  Targets targets;
  std::vector<std::string>
      class_names; // from the data (folder names, batches.meta.txt); may be empty
  std::size_t size() const { return images.count; }
};

// What a model needs of its data; readers check every sample and target against it.
struct DataSpec {
  int height = 0, width = 0, channels = 0;
  int classes = 0;     // labels must lie in [0, classes); 0: class labels are not accepted
  int target_size = 0; // real targets must have this width; 0: real targets are not accepted
};

enum class DataFormat { Auto, Idx, Cifar, ImageFolder, Npy };
enum class Split { Train, Test };

const char* format_name(DataFormat format); // "idx", "cifar", "images", "npy"
// Parses "auto", "idx", "cifar", "images", "npy"; throws UsageError otherwise.
DataFormat parse_format(const std::string& text);

// The format of the data at `location` (a folder): .npy arrays (x_train.npy), CIFAR binary
// batches (data_batch_1.bin, train.bin), IDX files (train-images-*), or class folders.
// Throws DataError naming the folder and what was looked for.
DataFormat detect_format(const std::string& location);

// Whether `location` holds the split (an image folder may have only class folders: no test).
bool has_split(const std::string& location, DataFormat format, Split split);

// Reads one split, checked against `spec`: sample shape (an image folder converts grey and RGB
// to spec.channels; other formats must match), labels in range, target width, counts that
// agree. Throws DataError naming the file and what was expected.
Dataset read_split(const std::string& location, DataFormat format, Split split,
                   const DataSpec& spec);

// Samples to predict from, without labels: an IDX or .npy array file, one image file (PNG,
// JPEG, BMP, ...), or a folder of image files (sorted by name). Checked against spec's shape.
Samples read_samples(const std::string& path, const DataSpec& spec);

// Labels or targets for `read_samples`: an IDX or .npy file. Checked against spec and count.
Targets read_targets(const std::string& path, const DataSpec& spec, std::size_t count);

// One image file decoded to height x width x `channels` bytes (grey and RGB converted; alpha
// dropped). Throws DataError naming the file for a file that does not decode.
struct Image {
  int height = 0, width = 0, channels = 0;
  std::vector<std::uint8_t> pixels; // H, W, C
};
Image read_image(const std::string& path, int channels);

} // namespace cnn
