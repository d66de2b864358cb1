// The safetensors container: writer, and a reader that trusts nothing in the file. The header's
// JSON goes through nlohmann-json, with the checks the format needs on top.
#include "cnn/safetensors.hpp"

#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <tuple>

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

// ordered_json keeps the header's keys in file order, so entries come out in header order.
using Json = nlohmann::ordered_json;

const char* kind_name(const Json& value) {
  switch (value.type()) {
  case Json::value_t::null:
    return "null";
  case Json::value_t::boolean:
    return "a boolean";
  case Json::value_t::number_integer:
  case Json::value_t::number_unsigned:
  case Json::value_t::number_float:
    return "a number";
  case Json::value_t::string:
    return "a string";
  case Json::value_t::array:
    return "an array";
  case Json::value_t::object:
    return "an object";
  default:
    return "not a JSON value";
  }
}

// nlohmann-json keeps one value of a key that appears twice; a header that says two things about
// one tensor is ambiguous, so the parser's callback watches every object's keys.
class DuplicateKeys {
public:
  bool operator()(int depth, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      open_.emplace_back();
    } else if (event == Json::parse_event_t::object_end && !open_.empty()) {
      open_.pop_back();
    } else if (event == Json::parse_event_t::key && !open_.empty() && parsed.is_string()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_.back().keys.insert(key).second && problem_.empty())
        problem_ = open_.size() == 1 ? fmt::format("key '{}' appears twice", key)
                                     : fmt::format("key '{}' appears twice in '{}'", key,
                                                   open_[open_.size() - 2].last_key);
      open_.back().last_key = key;
    }
    if (depth > kMaxDepth && problem_.empty())
      problem_ = fmt::format("nesting deeper than {} levels", kMaxDepth);
    return true;
  }

  // The first duplicate key (or too deep a nesting), or "".
  const std::string& problem() const { return problem_; }

private:
  static constexpr int kMaxDepth = 64;
  struct Object {
    std::set<std::string> keys;
    std::string last_key;
  };
  std::vector<Object> open_;
  std::string problem_;
};

constexpr auto kLargest = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// a * b, or nothing when it does not fit in 64 bits.
std::optional<std::uint64_t> multiply(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::nullopt;
  return a * b;
}

} // namespace

void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  header["__metadata__"] = Json::object();
  for (const auto& [key, value] : metadata) header["__metadata__"][key] = value;
  std::uint64_t offset = 0;
  for (const auto& tensor : tensors) {
    if (header.contains(tensor.name))
      throw std::invalid_argument(
          fmt::format("write_safetensors: tensor '{}' given twice", tensor.name));
    std::uint64_t count = 1;
    for (const auto d : tensor.shape) count *= static_cast<std::uint64_t>(d);
    header[tensor.name] = {
        {"dtype", "F32"}, {"shape", tensor.shape}, {"data_offsets", {offset, offset + 4 * count}}};
    offset += 4 * count;
  }
  std::string header_text;
  try {
    header_text = header.dump();
  } catch (const Json::exception& error) { // a name or value that is not UTF-8
    throw DataError(fmt::format("{}: cannot write the header: {}", path, error.what()));
  }
  // Pad with spaces so the data section starts 8-byte aligned, as the format recommends.
  while ((8 + header_text.size()) % 8 != 0) header_text += ' ';

  std::string bytes(8, '\0');
  const std::uint64_t length = header_text.size();
  std::memcpy(bytes.data(), &length, 8);
  bytes += header_text;
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
  const std::size_t count = (entry.end - entry.begin) / sizeof(float);
  std::memcpy(out, data.data() + entry.begin, count * sizeof(float));
  for (std::size_t i = 0; i < count; ++i)
    if (!std::isfinite(out[i]))
      throw DataError(fmt::format("{}: tensor '{}' holds {} at element {} of {}; a model's "
                                  "weights must be finite numbers",
                                  path, entry.name, out[i], i, count));
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
  Json header;
  DuplicateKeys duplicates;
  try {
    header = Json::parse(header_text, std::ref(duplicates));
  } catch (const Json::parse_error& error) {
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 61: ".
    const std::string what = error.what();
    const auto cause = what.find(": ");
    throw fail(fmt::format("header JSON: at byte {}: {}", error.byte,
                           cause == std::string::npos ? what : what.substr(cause + 2)));
  } catch (const Json::exception& error) {
    throw fail(fmt::format("header JSON: {}", error.what()));
  }
  if (!duplicates.problem().empty()) throw fail("header JSON: " + duplicates.problem());
  if (!header.is_object())
    throw fail(fmt::format("header is {}, expected an object", kind_name(header)));

  Safetensors file;
  file.path = path;
  for (const auto& item : header.items()) {
    // Named copies, not structured bindings: C++20 lambdas cannot capture a binding.
    const std::string& name = item.key();
    const Json& value = item.value();
    if (name == "__metadata__") {
      if (!value.is_object()) throw fail("__metadata__ is not an object");
      for (const auto& [key, text] : value.items()) {
        if (!text.is_string())
          throw fail(fmt::format("__metadata__ value of '{}' is not a string", key));
        file.metadata[key] = text.get<std::string>();
      }
      continue;
    }
    if (!value.is_object())
      throw fail(fmt::format("tensor '{}' is {}, expected an object", name, kind_name(value)));
    SafetensorsEntry entry;
    entry.name = name;
    const auto dtype = value.find("dtype");
    const auto shape = value.find("shape");
    const auto offsets = value.find("data_offsets");
    if (dtype == value.end() || !dtype->is_string())
      throw fail(fmt::format("tensor '{}' has no dtype string", name));
    if (shape == value.end() || !shape->is_array())
      throw fail(fmt::format("tensor '{}' has no shape array", name));
    if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2)
      throw fail(fmt::format("tensor '{}' has no data_offsets pair", name));
    entry.dtype = dtype->get<std::string>();
    const std::size_t element = dtype_size(entry.dtype);
    if (element == 0)
      throw fail(fmt::format("tensor '{}' has unknown dtype '{}'", name, entry.dtype));
    // Only a non-negative integer literal that fits in 64 bits parses as number_unsigned; the
    // signed 64-bit bound keeps a dimension representable in SafetensorsEntry::shape.
    auto whole = [&](const Json& v, const char* what) {
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() > kLargest)
        throw fail(fmt::format("tensor '{}': {} {} is not a non-negative 64-bit integer", name,
                               what, v.is_number() ? v.dump() : kind_name(v)));
      return v.get<std::uint64_t>();
    };
    std::optional<std::uint64_t> size = element;
    for (const auto& d : *shape) {
      const auto dim = whole(d, "dimension");
      entry.shape.push_back(static_cast<std::int64_t>(dim));
      if (size) size = multiply(*size, dim);
    }
    if (!size)
      throw fail(fmt::format("tensor '{}' of shape {} and dtype {}: its byte size overflows", name,
                             shape_text(entry.shape), entry.dtype));
    const auto begin = whole((*offsets)[0], "offset");
    const auto end = whole((*offsets)[1], "offset");
    if (end < begin)
      throw fail(
          fmt::format("tensor '{}' ends (byte {}) before it begins (byte {})", name, end, begin));
    if (end - begin != *size)
      throw fail(fmt::format("tensor '{}' of shape {} and dtype {} needs {} bytes, its "
                             "data_offsets span {}",
                             name, shape_text(entry.shape), entry.dtype, *size, end - begin));
    entry.begin = static_cast<std::size_t>(begin);
    entry.end = static_cast<std::size_t>(end);
    file.entries.push_back(std::move(entry));
  }

  const std::size_t data_size = bytes.size() - 8 - length;
  auto sorted = file.entries;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
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
