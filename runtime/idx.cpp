// The IDX format of MNIST: header checks, sizes, label ranges; every error names the file.
#include "cnn/idx.hpp"

#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"

#include <filesystem>
#include <fmt/format.h>

namespace cnn {
namespace {

constexpr std::uint32_t kImagesMagic = 0x00000803; // unsigned bytes, 3 dimensions
constexpr std::uint32_t kLabelsMagic = 0x00000801; // unsigned bytes, 1 dimension

std::uint32_t big_endian_u32(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return std::uint32_t{bytes[at]} << 24 | std::uint32_t{bytes[at + 1]} << 16 |
         std::uint32_t{bytes[at + 2]} << 8 | std::uint32_t{bytes[at + 3]};
}

// Checks the magic and returns the header's dimensions.
std::vector<std::uint32_t> read_header(const std::string& path,
                                       const std::vector<std::uint8_t>& bytes, std::uint32_t magic,
                                       const char* what) {
  if (bytes.size() < 4)
    throw DataError(fmt::format("{}: {} bytes, too short for an IDX header", path, bytes.size()));
  const std::uint32_t found = big_endian_u32(bytes, 0);
  if (found != magic) {
    std::string hint;
    if (found == kImagesMagic) hint = " (this is an image file)";
    if (found == kLabelsMagic) hint = " (this is a label file)";
    throw DataError(fmt::format("{}: magic number 0x{:08x}, expected 0x{:08x} for an IDX {} file{}",
                                path, found, magic, what, hint));
  }
  const std::size_t dims = magic & 0xff;
  if (bytes.size() < 4 + 4 * dims)
    throw DataError(fmt::format("{}: truncated header ({} bytes, {} expected)", path, bytes.size(),
                                4 + 4 * dims));
  std::vector<std::uint32_t> result;
  for (std::size_t i = 0; i < dims; ++i) result.push_back(big_endian_u32(bytes, 4 + 4 * i));
  return result;
}

void check_payload(const std::string& path, std::size_t actual, std::size_t expected,
                   const std::string& shape) {
  if (actual < expected)
    throw DataError(fmt::format("{}: truncated: header says {} ({} bytes of data) but only {} "
                                "bytes follow",
                                path, shape, expected, actual));
  if (actual > expected)
    throw DataError(fmt::format("{}: {} trailing bytes after the {} ({} bytes) the header declares",
                                path, actual - expected, shape, expected));
}

} // namespace

IdxImages read_idx_images(const std::string& path) {
  const auto bytes = read_file_bytes(path);
  const auto dims = read_header(path, bytes, kImagesMagic, "image");
  if (dims[1] == 0 || dims[2] == 0)
    throw DataError(
        fmt::format("{}: image dimensions {}x{}, expected both above 0", path, dims[1], dims[2]));
  if (dims[1] > 4096 || dims[2] > 4096)
    throw DataError(
        fmt::format("{}: image dimensions {}x{} are implausibly large", path, dims[1], dims[2]));
  IdxImages images;
  images.path = path;
  images.count = dims[0];
  images.rows = static_cast<int>(dims[1]);
  images.cols = static_cast<int>(dims[2]);
  const std::size_t header = 16;
  check_payload(path, bytes.size() - header, images.count * images.image_size(),
                fmt::format("{} images of {}x{}", images.count, images.rows, images.cols));
  images.pixels.assign(bytes.begin() + header, bytes.end());
  return images;
}

IdxLabels read_idx_labels(const std::string& path) {
  const auto bytes = read_file_bytes(path);
  const auto dims = read_header(path, bytes, kLabelsMagic, "label");
  const std::size_t header = 8;
  check_payload(path, bytes.size() - header, dims[0], fmt::format("{} labels", dims[0]));
  return IdxLabels{path, std::vector<std::uint8_t>(bytes.begin() + header, bytes.end())};
}

Dataset read_dataset(const std::string& images_path, const std::string& labels_path, int classes) {
  Dataset data{read_idx_images(images_path), read_idx_labels(labels_path)};
  if (data.images.count != data.labels.labels.size())
    throw DataError(fmt::format("{}: {} labels, but {} has {} images", labels_path,
                                data.labels.labels.size(), images_path, data.images.count));
  for (std::size_t i = 0; i < data.labels.labels.size(); ++i)
    if (data.labels.labels[i] >= classes)
      throw DataError(fmt::format("{}: label {} of item {} is out of range (the model has {} "
                                  "classes: 0 to {})",
                                  labels_path, data.labels.labels[i], i, classes, classes - 1));
  return data;
}

std::string find_data_file(const std::string& dir, const std::string& name) {
  const std::string raw = dir + "/" + name;
  const std::string gz = raw + ".gz";
  if (std::filesystem::exists(raw)) return raw;
  if (std::filesystem::exists(gz)) return gz;
  if (!std::filesystem::is_directory(dir))
    throw DataError(fmt::format("{}: no such data folder (run scripts/fetch-data)", dir));
  throw DataError(fmt::format("{}: missing (neither {} nor {}.gz exists; run scripts/fetch-data)",
                              raw, name, name));
}

Dataset read_mnist_split(const std::string& dir, const std::string& split, int classes) {
  return read_dataset(find_data_file(dir, split + "-images-idx3-ubyte"),
                      find_data_file(dir, split + "-labels-idx1-ubyte"), classes);
}

} // namespace cnn
