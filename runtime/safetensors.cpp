// The safetensors container: writer, and a reader that trusts nothing in the file.
#include "cnn/safetensors.hpp"

#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"
#include "cnn/json.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fmt/format.h>

namespace cnn {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; this writer copies memory as is");

constexpr std::uint64_t kMaxHeader = 100u << 20; // as the reference implementation

std::size_t dtype_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

} // namespace

void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::string header = "{\"__metadata__\":{";
  bool first = true;
  for (const auto& [key, value] : metadata) {
    header += fmt::format("{}{}:{}", first ? "" : ",", json::quote(key), json::quote(value));
    first = false;
  }
  header += "}";
  std::size_t offset = 0;
  for (const auto& tensor : tensors) {
    std::size_t count = 1;
    for (const auto d : tensor.shape) count *= static_cast<std::size_t>(d);
    header += fmt::format(",{}:{{\"dtype\":\"F32\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
                          json::quote(tensor.name), fmt::join(tensor.shape, ","), offset,
                          offset + 4 * count);
    offset += 4 * count;
  }
  header += "}";
  // Pad with spaces so the data section starts 8-byte aligned, as the format recommends.
  while ((8 + header.size()) % 8 != 0) header += ' ';

  std::string bytes(8, '\0');
  const std::uint64_t length = header.size();
  std::memcpy(bytes.data(), &length, 8);
  bytes += header;
  for (const auto& tensor : tensors) {
    std::size_t count = 1;
    for (const auto d : tensor.shape) count *= static_cast<std::size_t>(d);
    bytes.append(reinterpret_cast<const char*>(tensor.data), 4 * count);
  }
  write_file_atomically(path, bytes);
}

const SafetensorsEntry* Safetensors::find(const std::string& name) const {
  for (const auto& entry : entries)
    if (entry.name == name) return &entry;
  return nullptr;
}

void Safetensors::copy_f32(const SafetensorsEntry& entry, float* out) const {
  std::memcpy(out, data.data() + entry.begin, entry.end - entry.begin);
}

Safetensors read_safetensors(const std::string& path) {
  const auto bytes = read_file_bytes(path, /*inflate=*/false);
  auto fail = [&](const std::string& what) -> DataError {
    return DataError(fmt::format("{}: not a valid safetensors file: {}", path, what));
  };
  if (bytes.size() < 8)
    throw fail(fmt::format("{} bytes, too short for the 8-byte header length", bytes.size()));
  std::uint64_t length;
  std::memcpy(&length, bytes.data(), 8);
  if (length > kMaxHeader || length > bytes.size() - 8)
    throw fail(
        fmt::format("header length {} does not fit in the file's {} bytes", length, bytes.size()));
  const std::string_view header_text(reinterpret_cast<const char*>(bytes.data()) + 8, length);
  json::Value header;
  try {
    header = json::parse(header_text);
  } catch (const json::ParseError& error) {
    throw fail(fmt::format("header JSON: {}", error.what()));
  }
  if (header.kind != json::Value::Kind::Object)
    throw fail(fmt::format("header is {}, expected an object", json::kind_name(header.kind)));

  Safetensors file;
  file.path = path;
  for (const auto& [name, value] : header.fields) {
    if (name == "__metadata__") {
      if (value.kind != json::Value::Kind::Object) throw fail("__metadata__ is not an object");
      for (const auto& [key, text] : value.fields) {
        if (text.kind != json::Value::Kind::String)
          throw fail(fmt::format("__metadata__ value of '{}' is not a string", key));
        file.metadata[key] = text.text;
      }
      continue;
    }
    if (value.kind != json::Value::Kind::Object)
      throw fail(
          fmt::format("tensor '{}' is {}, expected an object", name, json::kind_name(value.kind)));
    SafetensorsEntry entry;
    entry.name = name;
    const auto* dtype = value.find("dtype");
    const auto* shape = value.find("shape");
    const auto* offsets = value.find("data_offsets");
    if (!dtype || dtype->kind != json::Value::Kind::String)
      throw fail(fmt::format("tensor '{}' has no dtype string", name));
    if (!shape || shape->kind != json::Value::Kind::Array)
      throw fail(fmt::format("tensor '{}' has no shape array", name));
    if (!offsets || offsets->kind != json::Value::Kind::Array || offsets->items.size() != 2)
      throw fail(fmt::format("tensor '{}' has no data_offsets pair", name));
    entry.dtype = dtype->text;
    const std::size_t element = dtype_size(entry.dtype);
    if (element == 0)
      throw fail(fmt::format("tensor '{}' has unknown dtype '{}'", name, entry.dtype));
    auto whole = [&](const json::Value& v, const char* what) {
      if (v.kind != json::Value::Kind::Number ||
          v.text.find_first_of("-.eE") != std::string::npos || v.text.size() > 15)
        throw fail(
            fmt::format("tensor '{}': {} '{}' is not a non-negative integer", name, what,
                        v.kind == json::Value::Kind::Number ? v.text : json::kind_name(v.kind)));
      return static_cast<std::uint64_t>(std::stoull(v.text));
    };
    std::uint64_t count = 1;
    for (const auto& d : shape->items) {
      const auto dim = whole(d, "dimension");
      entry.shape.push_back(static_cast<std::int64_t>(dim));
      count *= dim;
      if (count > bytes.size()) throw fail(fmt::format("tensor '{}' has an absurd shape", name));
    }
    entry.begin = whole(offsets->items[0], "offset");
    entry.end = whole(offsets->items[1], "offset");
    if (entry.end < entry.begin)
      throw fail(fmt::format("tensor '{}' ends (byte {}) before it begins (byte {})", name,
                             entry.end, entry.begin));
    if (entry.end - entry.begin != count * element)
      throw fail(fmt::format("tensor '{}' of shape {} and dtype {} needs {} bytes, its "
                             "data_offsets span {}",
                             name, shape_text(entry.shape), entry.dtype, count * element,
                             entry.end - entry.begin));
    file.entries.push_back(std::move(entry));
  }

  const std::size_t data_size = bytes.size() - 8 - length;
  auto sorted = file.entries;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.begin < b.begin; });
  std::size_t expected_begin = 0;
  for (const auto& entry : sorted) {
    if (entry.begin != expected_begin)
      throw fail(fmt::format("tensor '{}' starts at byte {}, expected {} (gap or overlap)",
                             entry.name, entry.begin, expected_begin));
    expected_begin = entry.end;
  }
  if (expected_begin > data_size)
    throw fail(fmt::format("truncated: the tensors need {} bytes of data, the file has {}",
                           expected_begin, data_size));
  if (expected_begin < data_size)
    throw fail(fmt::format("{} trailing bytes after the last tensor", data_size - expected_begin));
  file.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(8 + length), bytes.end());
  return file;
}

} // namespace cnn
