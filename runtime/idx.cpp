// The IDX format (MNIST's): images of 3 (N, H, W) or 4 (N, H, W, C) dimensions, labels and targets;
// elements of any IDX type; every error names the file.
#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"
#include "cnn/readers.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <optional>
#include <span>
#include <utility>

namespace cnn {
namespace {

namespace fs = std::filesystem;

enum IdxType : std::uint8_t {
  kU8 = 0x08,
  kI8 = 0x09,
  kI16 = 0x0B,
  kI32 = 0x0C,
  kF32 = 0x0D,
  kF64 = 0x0E
};

int element_size(std::uint8_t type) {
  switch (type) {
  case kU8:
  case kI8:
    return 1;
  case kI16:
    return 2;
  case kI32:
  case kF32:
    return 4;
  case kF64:
    return 8;
  }
  return 0;
}

const char* type_name(std::uint8_t type) {
  switch (type) {
  case kU8:
    return "unsigned byte";
  case kI8:
    return "signed byte";
  case kI16:
    return "short";
  case kI32:
    return "int";
  case kF32:
    return "float";
  case kF64:
    return "double";
  }
  return "unknown";
}

std::uint64_t big_endian(const std::uint8_t* at, int size) {
  std::uint64_t value = 0;
  for (int i = 0; i < size; ++i) value = value << 8 | at[i];
  return value;
}

// A whole IDX file: element type, dimensions, and the elements still as big-endian bytes.
struct IdxArray {
  std::string path;
  std::uint8_t type = 0;
  std::vector<std::uint64_t> dims;
  std::vector<std::uint8_t> bytes;
  std::size_t data_offset = 0;

  std::string shape() const { return fmt::format("{}", fmt::join(dims, "x")); }
  bool integral() const { return type != kF32 && type != kF64; }

  double element(std::size_t i) const {
    const int size = element_size(type);
    const std::uint64_t raw = big_endian(bytes.data() + data_offset + i * size, size);
    switch (type) {
    case kU8:
      return static_cast<double>(raw);
    case kI8:
      return static_cast<std::int8_t>(raw);
    case kI16:
      return static_cast<std::int16_t>(raw);
    case kI32:
      return static_cast<std::int32_t>(raw);
    case kF32:
      return std::bit_cast<float>(static_cast<std::uint32_t>(raw));
    default:
      return std::bit_cast<double>(raw);
    }
  }
};

// More elements than any real data set; a header beyond it is corrupt.
constexpr std::uint64_t kMaxElements = std::uint64_t{1} << 40;

// The size an IDX header declares: the header and its elements. A malformed header declares
// just what has been read, so that reading stops and read_idx reports the header.
std::optional<std::uint64_t> idx_declared_size(std::span<const std::uint8_t> head) {
  if (head.size() < 4) return std::nullopt;
  const int size = element_size(head[2]);
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(head[3]);
  if (head[0] != 0 || head[1] != 0 || size == 0 || head[3] < 1 || head[3] > 4) return head.size();
  if (head.size() < header) return std::nullopt;
  std::uint64_t elements = 1;
  for (std::size_t i = 4; i < header; i += 4) {
    const std::uint64_t dim = big_endian(head.data() + i, 4);
    if (dim != 0 && elements > kMaxElements / dim) return head.size();
    elements *= dim;
  }
  return header + elements * static_cast<std::uint64_t>(size);
}

IdxArray read_idx(const std::string& path) {
  IdxArray array;
  array.path = path;
  array.bytes = read_file_bytes(path, true, idx_declared_size);
  const auto& bytes = array.bytes;
  if (bytes.size() < 4)
    throw DataError(fmt::format("{}: {} bytes, too short for an IDX header", path, bytes.size()));
  array.type = bytes[2];
  const int rank = bytes[3];
  if (bytes[0] != 0 || bytes[1] != 0 || element_size(array.type) == 0 || rank < 1 || rank > 4)
    throw DataError(fmt::format("{}: magic number 0x{:08x} is not an IDX header (expected 0x0000 "
                                "then a type 0x08 to 0x0E and 1 to 4 dimensions)",
                                path, big_endian(bytes.data(), 4)));
  array.data_offset = 4 + 4 * static_cast<std::size_t>(rank);
  if (bytes.size() < array.data_offset)
    throw DataError(fmt::format("{}: truncated header ({} bytes, {} expected)", path, bytes.size(),
                                array.data_offset));
  std::uint64_t elements = 1;
  for (int i = 0; i < rank; ++i) {
    array.dims.push_back(big_endian(bytes.data() + 4 + 4 * i, 4));
  }
  for (const std::uint64_t dim : array.dims) {
    if (dim != 0 && elements > kMaxElements / dim)
      throw DataError(fmt::format("{}: dimensions {} are implausibly large", path, array.shape()));
    elements *= dim;
  }
  const std::uint64_t expected = elements * element_size(array.type);
  const std::size_t actual = bytes.size() - array.data_offset;
  const std::string what = fmt::format("{} {}s", array.shape(), type_name(array.type));
  if (actual < expected)
    throw DataError(fmt::format("{}: truncated: header says {} ({} bytes of data) but only {} "
                                "bytes follow",
                                path, what, expected, actual));
  if (actual > expected)
    throw DataError(fmt::format("{}: {} trailing bytes after the {} ({} bytes) the header declares",
                                path, actual - expected, what, expected));
  return array;
}

// The first existing file of <dir>/<prefix>* (raw or .gz), or "" when there is none; two
// different candidates are an error (which one is meant?).
std::string find_prefixed(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(prefix) && !name.ends_with(".tmp") && entry.is_regular_file())
      found.push_back(name);
  }
  std::sort(found.begin(), found.end());
  // "x" and "x.gz" are the same data; prefer the raw file.
  if (found.size() == 2 && found[1] == found[0] + ".gz") found.pop_back();
  if (found.size() > 1)
    throw DataError(fmt::format("{}: several files start with '{}' ({}); keep one", dir, prefix,
                                fmt::join(found, ", ")));
  return found.empty() ? "" : dir + "/" + found[0];
}

// The file prefix of a split: train-, and t10k- (MNIST's name) or test-.
std::string split_file(const std::string& dir, Split split, const std::string& what) {
  if (split == Split::Train) return find_prefixed(dir, "train-" + what);
  const std::string t10k = find_prefixed(dir, "t10k-" + what);
  return t10k.empty() ? find_prefixed(dir, "test-" + what) : t10k;
}

} // namespace

Samples read_idx_samples(const std::string& path) {
  IdxArray array = read_idx(path);
  if (array.dims.size() != 3 && array.dims.size() != 4)
    throw DataError(fmt::format("{}: {} dimensions ({}); images need 3 (N, H, W) or 4 (N, H, W, C)",
                                path, array.dims.size(), array.shape()));
  for (std::size_t i = 1; i < array.dims.size(); ++i)
    if (array.dims[i] == 0 || array.dims[i] > 65536)
      throw DataError(
          fmt::format("{}: image dimensions {} must each be 1 to 65536", path, array.shape()));
  Samples samples;
  samples.path = path;
  samples.count = array.dims[0];
  samples.height = static_cast<int>(array.dims[1]);
  samples.width = static_cast<int>(array.dims[2]);
  samples.channels = array.dims.size() == 4 ? static_cast<int>(array.dims[3]) : 1;
  const std::size_t n = samples.count * samples.sample_size();
  if (array.type == kU8) {
    // The file's buffer becomes the samples' (no second copy of the data set at its peak).
    samples.bytes = std::move(array.bytes);
    samples.bytes.erase(samples.bytes.begin(),
                        samples.bytes.begin() + static_cast<std::ptrdiff_t>(array.data_offset));
  } else if (!array.integral()) {
    samples.floats = true;
    samples.values.resize(n);
    for (std::size_t i = 0; i < n; ++i) samples.values[i] = static_cast<float>(array.element(i));
  } else {
    throw DataError(fmt::format("{}: images of {}s; expected unsigned bytes or floats", path,
                                type_name(array.type)));
  }
  return samples;
}

Targets read_idx_targets(const std::string& path) {
  const IdxArray array = read_idx(path);
  Targets targets;
  targets.path = path;
  const std::uint64_t count = array.dims[0];
  const bool column = array.dims.size() == 2 && array.dims[1] == 1;
  if (array.integral() && (array.dims.size() == 1 || column)) {
    targets.labels.resize(count);
    for (std::size_t i = 0; i < count; ++i)
      targets.labels[i] = static_cast<std::int32_t>(array.element(i));
    return targets;
  }
  if (!array.integral() && (array.dims.size() == 1 || array.dims.size() == 2)) {
    targets.width = array.dims.size() == 2 ? static_cast<int>(array.dims[1]) : 1;
    if (targets.width == 0)
      throw DataError(fmt::format("{}: targets of shape {} have no values", path, array.shape()));
    targets.values.resize(count * targets.width);
    for (std::size_t i = 0; i < targets.values.size(); ++i) {
      targets.values[i] = static_cast<float>(array.element(i));
      if (!std::isfinite(targets.values[i]))
        throw DataError(fmt::format("{}: target {} of item {} is {}", path, i % targets.width,
                                    i / targets.width, targets.values[i]));
    }
    return targets;
  }
  throw DataError(fmt::format("{}: {}s of shape {}; expected integer labels (N) or (N, 1), or "
                              "float targets (N, K)",
                              path, type_name(array.type), array.shape()));
}

bool idx_has_split(const std::string& dir, Split split) {
  return !split_file(dir, split, "images").empty();
}

Dataset read_idx_split(const std::string& dir, Split split, const DataSpec& spec) {
  const char* name = split == Split::Train ? "train" : "t10k (or test)";
  std::error_code error;
  if (!fs::is_directory(dir, error))
    throw DataError(fmt::format("{}: no such data folder (run scripts/fetch-data)", dir));
  const std::string images = split_file(dir, split, "images");
  if (images.empty())
    throw DataError(fmt::format("{}: has no {} images file ({}-images-*)", dir, name,
                                split == Split::Train ? "train" : "t10k"));
  std::string targets = split_file(dir, split, "labels");
  if (targets.empty()) targets = split_file(dir, split, "targets");
  if (targets.empty())
    throw DataError(fmt::format("{}: has no {} labels file ({}-labels-* or -targets-*)", dir, name,
                                split == Split::Train ? "train" : "t10k"));
  Dataset data;
  data.images = read_idx_samples(images);
  data.targets = read_idx_targets(targets);
  check_dataset(data, spec);
  return data;
}

} // namespace cnn
