// Image files through stb_image (PNG, JPEG, BMP, GIF, TGA, PNM), one at a time or as folders of
// class folders, the layout of Keras' image_dataset_from_directory and torchvision's ImageFolder.
#include "cnn/dataset.hpp"
#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"
#include "cnn/readers.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fmt/format.h>
#include <limits>
#include <memory>
#include <optional>
#include <thread>

// The only translation unit that compiles stb_image; static, so nothing clashes at link time.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO // files are read with read_file_bytes, so their errors name the file
#define STBI_NO_HDR
#define STBI_NO_PSD
#define STBI_NO_PIC
#include <stb/stb_image.h>

namespace cnn {
namespace {

namespace fs = std::filesystem;

constexpr const char* kExtensions = ".png, .jpg, .jpeg, .bmp, .gif, .tga, .pgm or .ppm";

bool is_folder(const fs::path& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

// Sorted by name (byte order), so every run sees the same order.
std::vector<fs::path> sorted(std::vector<fs::path> paths) {
  std::sort(paths.begin(), paths.end(),
            [](const fs::path& a, const fs::path& b) { return a.native() < b.native(); });
  return paths;
}

std::vector<fs::path> image_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error))
    if (is_image_name(it->path()) && it->is_regular_file(error)) files.push_back(it->path());
  if (error) throw DataError(fmt::format("{}: cannot list ({})", dir.string(), error.message()));
  return sorted(std::move(files));
}

std::vector<fs::path> class_folders(const fs::path& dir) {
  std::vector<fs::path> folders;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] != '.' && it->is_directory(error)) folders.push_back(it->path());
  }
  if (error) throw DataError(fmt::format("{}: cannot list ({})", dir.string(), error.message()));
  return sorted(std::move(folders));
}

void check_channels(const std::string& path, int channels) {
  if (channels != 1 && channels != 3)
    throw DataError(fmt::format("{}: the model expects {} channels; images are read as 1 (grey) "
                                "or 3 (RGB)",
                                path, channels));
}

struct Decoded {
  int height = 0, width = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels{nullptr, stbi_image_free}; // H, W, C
};

// Decodes `path` to `channels` (stb converts grey and RGB, and drops alpha). With `expected`
// (height, width), a mismatch is reported from the header alone, before decoding.
Decoded decode(const std::string& path, int channels, std::optional<std::pair<int, int>> expected) {
  const auto bytes = read_file_bytes(path, false);
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw DataError(fmt::format("{}: {} bytes, too large for an image file", path, bytes.size()));
  const int length = static_cast<int>(bytes.size());
  int width = 0, height = 0, file_channels = 0;
  if (!stbi_info_from_memory(bytes.data(), length, &width, &height, &file_channels))
    throw DataError(fmt::format("{}: cannot decode the image ({})", path, stbi_failure_reason()));
  if (expected && (height != expected->first || width != expected->second))
    throw DataError(fmt::format("{}: image is {}x{}, the model expects {}x{}", path, height, width,
                                expected->first, expected->second));
  Decoded image;
  image.pixels.reset(stbi_load_from_memory(bytes.data(), length, &image.width, &image.height,
                                           &file_channels, channels));
  if (!image.pixels)
    throw DataError(fmt::format("{}: cannot decode the image ({})", path, stbi_failure_reason()));
  if (expected && (image.height != expected->first || image.width != expected->second))
    throw DataError(fmt::format("{}: image decodes to {}x{}, its header says {}x{}", path,
                                image.height, image.width, height, width));
  return image;
}

// Decodes every file into its slot of `pixels`, each checked to be spec's size. Two threads
// share the list in halves once it is long enough; the error reported is the first in file order
// either way, so the outcome never depends on timing.
void decode_all(const std::vector<fs::path>& files, const DataSpec& spec,
                std::vector<std::uint8_t>& pixels) {
  const std::size_t sample_size =
      static_cast<std::size_t>(spec.height) * spec.width * spec.channels;
  pixels.resize(files.size() * sample_size);
  const auto decode_range = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const Decoded image =
          decode(files[i].string(), spec.channels, std::pair{spec.height, spec.width});
      std::memcpy(pixels.data() + i * sample_size, image.pixels.get(), sample_size);
    }
  };
  const bool two_threads = files.size() >= 512 && std::thread::hardware_concurrency() >= 2;
  if (!two_threads) return decode_range(0, files.size());
  const std::size_t half = files.size() / 2;
  std::exception_ptr second_error;
  std::thread second([&] {
    try {
      decode_range(half, files.size());
    } catch (...) {
      second_error = std::current_exception();
    }
  });
  std::exception_ptr first_error;
  try {
    decode_range(0, half);
  } catch (...) {
    first_error = std::current_exception();
  }
  second.join();
  if (first_error) std::rethrow_exception(first_error);
  if (second_error) std::rethrow_exception(second_error);
}

// Where a split's class folders are: DIR/train and DIR/test, or DIR itself as the only (train)
// split when it has neither.
std::optional<fs::path> split_folder(const std::string& dir, Split split) {
  const fs::path train = fs::path(dir) / "train", test = fs::path(dir) / "test";
  if (is_folder(train) || is_folder(test)) {
    const fs::path& folder = split == Split::Train ? train : test;
    return is_folder(folder) ? std::optional(folder) : std::nullopt;
  }
  if (split == Split::Train && is_folder(dir)) return fs::path(dir);
  return std::nullopt;
}

std::vector<std::string> names_of(const std::vector<fs::path>& folders) {
  std::vector<std::string> names;
  for (const auto& folder : folders) names.push_back(folder.filename().string());
  return names;
}

} // namespace

bool is_image_name(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  if (name.empty() || name[0] == '.') return false; // hidden files, like ls and Keras
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* accepted : {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga", ".pgm", ".ppm"})
    if (extension == accepted) return true;
  return false;
}

Image read_image(const std::string& path, int channels) {
  check_channels(path, channels);
  const Decoded decoded = decode(path, channels, std::nullopt);
  Image image{decoded.height, decoded.width, channels, {}};
  const std::size_t size = static_cast<std::size_t>(decoded.height) * decoded.width * channels;
  image.pixels.assign(decoded.pixels.get(), decoded.pixels.get() + size);
  return image;
}

Samples read_image_files(const std::string& path, const DataSpec& spec) {
  check_channels(path, spec.channels);
  std::vector<fs::path> files;
  if (is_folder(path)) {
    files = image_files(path);
    if (files.empty())
      throw DataError(fmt::format("{}: no image files (expected {} files)", path, kExtensions));
  } else {
    files.push_back(path);
  }
  Samples samples;
  samples.path = path;
  samples.count = files.size();
  samples.height = spec.height;
  samples.width = spec.width;
  samples.channels = spec.channels;
  decode_all(files, spec, samples.bytes);
  for (const auto& file : files) samples.names.push_back(file.string());
  check_samples(samples, spec);
  return samples;
}

bool image_folder_has_split(const std::string& dir, Split split) {
  return split_folder(dir, split).has_value();
}

Dataset read_image_folder_split(const std::string& dir, Split split, const DataSpec& spec) {
  const auto folder = split_folder(dir, split);
  if (!folder)
    throw DataError(
        fmt::format("{}: missing (an image folder holds train/<class>/ and "
                    "test/<class>/, or only <class>/ folders)",
                    (fs::path(dir) / (split == Split::Train ? "train" : "test")).string()));
  check_channels(folder->string(), spec.channels);
  const auto folders = class_folders(*folder);
  if (folders.empty())
    throw DataError(fmt::format("{}: no class folders (expected {}/<class>/<image files>)",
                                folder->string(), folder->string()));

  if (spec.classes > 0 && folders.size() > static_cast<std::size_t>(spec.classes))
    throw DataError(fmt::format("{}: {} class folders ({}), but the model has {} classes",
                                folder->string(), folders.size(),
                                fmt::join(names_of(folders), ", "), spec.classes));
  Dataset data;
  data.class_names = names_of(folders);
  // The test split's labels must mean what the training split's do, even when a class has no
  // test images: its folders are numbered by the training split's classes.
  std::vector<std::string> classes = data.class_names;
  if (split == Split::Test) {
    if (const auto train = split_folder(dir, Split::Train)) {
      classes = names_of(class_folders(*train));
      for (const auto& name : data.class_names)
        if (!std::binary_search(classes.begin(), classes.end(), name))
          throw DataError(fmt::format("{}: class '{}' is not among the training split's classes "
                                      "({})",
                                      (*folder / name).string(), name, fmt::join(classes, ", ")));
      data.class_names = classes;
    }
  }

  std::vector<fs::path> files;
  for (const auto& class_folder : folders) {
    const auto class_files = image_files(class_folder);
    if (class_files.empty())
      throw DataError(fmt::format("{}: an empty class folder (expected {} files)",
                                  class_folder.string(), kExtensions));
    const auto label =
        std::lower_bound(classes.begin(), classes.end(), class_folder.filename().string()) -
        classes.begin();
    files.insert(files.end(), class_files.begin(), class_files.end());
    data.targets.labels.insert(data.targets.labels.end(), class_files.size(),
                               static_cast<std::int32_t>(label));
  }
  data.images.path = data.targets.path = folder->string();
  data.images.count = files.size();
  data.images.height = spec.height;
  data.images.width = spec.width;
  data.images.channels = spec.channels;
  decode_all(files, spec, data.images.bytes);
  check_dataset(data, spec);
  return data;
}

} // namespace cnn
