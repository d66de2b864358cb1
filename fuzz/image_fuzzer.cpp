// The image-folder reader (PNG, JPEG, BMP, ... through stb_image) on any file: as one class's
// only image, and as a file to predict from, in grey and in RGB. A file that does not decode or
// does not fit is a DataError, never a crash.
#include "cnn/errors.hpp"
#include "cnn/readers.hpp"
#include "fuzz_input.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto dir = cnnc::fuzz::scratch_dir() / "images";
  const auto file = dir / "train" / "a" / "image.png";
  cnnc::fuzz::write_file(file, data, size);
  for (const int channels : {1, 3}) {
    const cnn::DataSpec spec{.height = 8, .width = 8, .channels = channels, .classes = 2};
    try {
      const cnn::Dataset set = cnn::read_image_folder_split(dir.string(), cnn::Split::Train, spec);
      cnn::check_dataset(set, spec);
    } catch (const cnn::DataError&) {
    }
    try {
      cnn::check_samples(cnn::read_image_files(file.string(), spec), spec);
    } catch (const cnn::DataError&) {
    }
  }
  return 0;
}
