// The safetensors container (8-byte little-endian header length, JSON header, raw data), for
// float32 tensors: writing, and reading with every offset and size checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cnn {

struct TensorView {
  std::string name;
  std::vector<std::int64_t> shape;
  const float* data; // product of shape values
};

// Writes the tensors in the given order (data_offsets increasing) with `metadata` as
// __metadata__, atomically. Throws DataError naming the file on failure.
void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata);

struct SafetensorsEntry {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::size_t begin = 0, end = 0; // byte offsets into the data section
};

struct Safetensors {
  std::string path;
  std::map<std::string, std::string> metadata;
  std::vector<SafetensorsEntry> entries; // in header order
  std::vector<std::uint8_t> data;        // the data section

  const SafetensorsEntry* find(const std::string& name) const;
  // Copies an F32 entry's values (little-endian) into `out`; throws DataError naming the tensor
  // and the element when one is NaN or infinite (weights and optimizer state never are).
  void copy_f32(const SafetensorsEntry& entry, float* out) const;
};

// Reads and validates the container: header length within the file, JSON that parses, every
// entry with a known dtype, a shape and data_offsets that match it, offsets inside the data
// section without overlap, and no bytes left over. Throws DataError naming the file.
Safetensors read_safetensors(const std::string& path);

} // namespace cnn
