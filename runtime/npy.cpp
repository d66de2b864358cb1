// NumPy .npy arrays (format versions 1.0 to 3.0): the header's dict literal parsed and every size
// checked against the file, then samples (N, H, W[, C]) or labels and targets read out.
#include "cnn/dataset.hpp"
#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"
#include "cnn/readers.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <limits>
#include <optional>

namespace cnn {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;
constexpr const char* kSampleTypes = "uint8 ('|u1'), float32 ('<f4') or float64 ('<f8')";
constexpr const char* kTargetTypes =
    "little-endian integers ('|u1', '<i4', '<i8', ...) for labels or float32/float64 ('<f4', "
    "'<f8') for real targets";

// An array as the header describes it, with the whole file kept for its data.
struct NpyArray {
  std::string path;
  std::string descr; // as written, for messages
  char kind = 0;     // 'u', 'i' or 'f'
  int item_size = 0; // bytes per value
  std::vector<std::size_t> shape;
  std::vector<std::uint8_t> file;
  std::size_t data_offset = 0;

  std::size_t count() const {
    std::size_t product = 1;
    for (std::size_t dim : shape) product *= dim; // checked against overflow when read
    return product;
  }
  const std::uint8_t* data() const { return file.data() + data_offset; }
};

std::string shape_text(const std::vector<std::size_t>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

// The header's Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3,)}:
// string keys; string, boolean, integer-tuple values. Anything else (a list for a structured
// dtype) is reported, not skipped.
class HeaderParser {
public:
  HeaderParser(const std::string& path, std::string_view text) : path_(path), text_(text) {
    while (!text_.empty() && (text_.back() == ' ' || text_.back() == '\n')) text_.remove_suffix(1);
  }

  struct Fields {
    std::optional<std::string> descr;
    std::optional<bool> fortran_order;
    std::optional<std::vector<std::size_t>> shape;
  };

  Fields parse() {
    Fields fields;
    expect('{');
    while (!peek('}')) {
      const std::string key = string();
      expect(':');
      if (key == "descr") {
        if (peek('['))
          fail("'descr' is a list (a structured dtype); expected one plain type such as '<f4'");
        fields.descr = string();
      } else if (key == "fortran_order") {
        fields.fortran_order = boolean();
      } else if (key == "shape") {
        fields.shape = tuple();
      } else {
        fail(fmt::format("unknown key '{}' (expected 'descr', 'fortran_order' and 'shape')", key));
      }
      if (!peek(',')) break;
      expect(',');
    }
    expect('}');
    skip_space();
    if (at_ < text_.size())
      fail(fmt::format("unexpected '{}' after the header's dict", text_[at_]));
    return fields;
  }

private:
  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(fmt::format("{}: bad .npy header: {} (header: {})", path_, what, text_));
  }

  void skip_space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\t' || text_[at_] == '\r'))
      ++at_;
  }
  bool peek(char c) {
    skip_space();
    return at_ < text_.size() && text_[at_] == c;
  }
  void expect(char c) {
    if (!peek(c))
      fail(at_ < text_.size() ? fmt::format("expected '{}' at '{}'", c, text_.substr(at_, 12))
                              : fmt::format("expected '{}' at the end", c));
    ++at_;
  }

  std::string string() {
    skip_space();
    if (at_ >= text_.size() || (text_[at_] != '\'' && text_[at_] != '"'))
      fail("expected a quoted string");
    const char quote = text_[at_++];
    const std::size_t end = text_.find(quote, at_);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string result(text_.substr(at_, end - at_));
    at_ = end + 1;
    return result;
  }

  bool boolean() {
    skip_space();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}})
      if (text_.substr(at_).starts_with(word)) {
        at_ += std::strlen(word);
        return value;
      }
    fail("'fortran_order' is not True or False");
  }

  std::size_t integer() {
    skip_space();
    if (at_ >= text_.size() || text_[at_] < '0' || text_[at_] > '9')
      fail("expected a non-negative integer in 'shape'");
    std::size_t value = 0;
    while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
      const std::size_t digit = static_cast<std::size_t>(text_[at_++] - '0');
      if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10)
        fail("a dimension of 'shape' overflows");
      value = value * 10 + digit;
    }
    if (at_ < text_.size() && text_[at_] == 'L') ++at_; // Python 2's long literals
    return value;
  }

  std::vector<std::size_t> tuple() {
    std::vector<std::size_t> dims;
    expect('(');
    while (!peek(')')) {
      dims.push_back(integer());
      if (!peek(',')) break;
      expect(',');
    }
    expect(')');
    return dims;
  }

  const std::string& path_;
  std::string_view text_;
  std::size_t at_ = 0;
};

std::uint32_t little_endian(const std::uint8_t* bytes, int size) {
  std::uint32_t value = 0;
  for (int i = size - 1; i >= 0; --i) value = value << 8 | bytes[i];
  return value;
}

// The descr's type: kind and item size, rejecting big-endian, object and unknown types.
void parse_descr(NpyArray& array, const char* accepted) {
  const std::string& descr = array.descr;
  const auto reject = [&](const std::string& why) {
    throw DataError(
        fmt::format("{}: dtype '{}' {}; expected {}", array.path, descr, why, accepted));
  };
  if (descr.size() >= 2 && descr[1] == 'O') reject("holds Python objects");
  if (descr.size() < 3) reject("is not a plain NumPy type");
  const char order = descr[0], kind = descr[1];
  const std::string size_text = descr.substr(2);
  if (kind != 'u' && kind != 'i' && kind != 'f') reject("is not an integer or float type");
  if (size_text != "1" && size_text != "2" && size_text != "4" && size_text != "8")
    reject("has an unsupported item size");
  array.kind = kind;
  array.item_size = size_text[0] - '0';
  if (kind == 'f' && array.item_size < 4) reject("is a half-precision float");
  // One-byte types have no byte order; numpy writes them with '|'.
  if (array.item_size > 1 && order == '>') reject("is big-endian");
  if (array.item_size > 1 && order != '<') reject("has no little-endian byte order");
  if (array.item_size == 1 && order != '|' && order != '<' && order != '>')
    reject("is not a plain NumPy type");
}

// Reads and checks the header, the dtype's form and the data size; the values are left in place.
NpyArray read_npy(const std::string& path, const char* accepted) {
  NpyArray array;
  array.path = path;
  array.file = read_file_bytes(path, false);
  const auto& file = array.file;
  if (file.size() < kMagicSize + 2 || std::memcmp(file.data(), kMagic, kMagicSize) != 0)
    throw DataError(
        fmt::format("{}: not a NumPy .npy file (it does not start with \\x93NUMPY)", path));
  const int major = file[6], minor = file[7];
  if (major < 1 || major > 3)
    throw DataError(
        fmt::format("{}: .npy format version {}.{}, expected 1.0, 2.0 or 3.0", path, major, minor));
  const std::size_t length_size = major == 1 ? 2 : 4;
  const std::size_t prefix = kMagicSize + 2 + length_size;
  if (file.size() < prefix)
    throw DataError(fmt::format("{}: truncated .npy header ({} bytes)", path, file.size()));
  const std::size_t header_length = little_endian(file.data() + 8, static_cast<int>(length_size));
  if (header_length > file.size() - prefix)
    throw DataError(fmt::format("{}: the .npy header claims {} bytes, but only {} follow", path,
                                header_length, file.size() - prefix));
  const std::string_view header(reinterpret_cast<const char*>(file.data() + prefix), header_length);
  const auto fields = HeaderParser(path, header).parse();
  if (!fields.descr || !fields.fortran_order || !fields.shape)
    throw DataError(fmt::format(
        "{}: bad .npy header: 'descr', 'fortran_order' and 'shape' are all required", path));
  array.descr = *fields.descr;
  array.shape = *fields.shape;
  array.data_offset = prefix + header_length;
  parse_descr(array, accepted);
  if (*fields.fortran_order)
    throw DataError(fmt::format("{}: the array is in Fortran (column-major) order; expected C "
                                "order (numpy.ascontiguousarray before numpy.save)",
                                path));

  std::size_t values = 1;
  for (std::size_t dim : array.shape)
    if (__builtin_mul_overflow(values, dim, &values))
      throw DataError(fmt::format("{}: shape {} holds more values than memory can address", path,
                                  shape_text(array.shape)));
  std::size_t expected = 0;
  if (__builtin_mul_overflow(values, static_cast<std::size_t>(array.item_size), &expected))
    throw DataError(fmt::format("{}: shape {} holds more bytes than memory can address", path,
                                shape_text(array.shape)));
  const std::size_t actual = file.size() - array.data_offset;
  if (actual < expected)
    throw DataError(fmt::format("{}: truncated: shape {} of '{}' needs {} bytes of data, but only "
                                "{} follow the header ({} missing)",
                                path, shape_text(array.shape), array.descr, expected, actual,
                                expected - actual));
  if (actual > expected)
    throw DataError(fmt::format("{}: {} trailing bytes after the {} bytes of shape {} of '{}'",
                                path, actual - expected, expected, shape_text(array.shape),
                                array.descr));
  return array;
}

template <typename T>
T load(const std::uint8_t* at) {
  T value;
  std::memcpy(&value, at, sizeof value);
  if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) {
    auto* bytes = reinterpret_cast<std::uint8_t*>(&value);
    for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(bytes[i], bytes[sizeof(T) - 1 - i]);
  }
  return value;
}

// The array's values as floats; NaN or infinity would stop training, so it is reported here.
std::vector<float> float_values(const NpyArray& array) {
  const std::size_t count = array.count();
  std::vector<float> values(count);
  const std::uint8_t* data = array.data();
  for (std::size_t i = 0; i < count; ++i) {
    const double value =
        array.item_size == 4 ? load<float>(data + 4 * i) : load<double>(data + 8 * i);
    values[i] = static_cast<float>(value);
    if (!std::isfinite(values[i]))
      throw DataError(fmt::format("{}: value {} (item {} of {}) is not a finite float32; expected "
                                  "finite numbers",
                                  array.path, value, i, count));
  }
  return values;
}

// Integer i as a class index; anything beyond int32 is reported here, the rest by check_targets.
std::int32_t label_value(const NpyArray& array, std::size_t i) {
  const std::uint8_t* at = array.data() + i * array.item_size;
  const bool is_signed = array.kind == 'i';
  std::int64_t value = 0;
  switch (array.item_size) {
  case 1:
    value = is_signed ? std::int64_t{load<std::int8_t>(at)} : std::int64_t{load<std::uint8_t>(at)};
    break;
  case 2:
    value =
        is_signed ? std::int64_t{load<std::int16_t>(at)} : std::int64_t{load<std::uint16_t>(at)};
    break;
  case 4:
    value =
        is_signed ? std::int64_t{load<std::int32_t>(at)} : std::int64_t{load<std::uint32_t>(at)};
    break;
  default:
    if (!is_signed && load<std::uint64_t>(at) > std::numeric_limits<std::uint32_t>::max())
      throw DataError(fmt::format("{}: label {} of item {} is out of range (not a class index)",
                                  array.path, load<std::uint64_t>(at), i));
    value = is_signed ? load<std::int64_t>(at) : std::int64_t(load<std::uint64_t>(at));
  }
  if (value < std::numeric_limits<std::int32_t>::min() ||
      value > std::numeric_limits<std::int32_t>::max())
    throw DataError(fmt::format("{}: label {} of item {} is out of range (not a class index)",
                                array.path, value, i));
  return static_cast<std::int32_t>(value);
}

std::string split_file(const std::string& dir, char axis, Split split) {
  return (std::filesystem::path(dir) /
          fmt::format("{}_{}.npy", axis, split == Split::Train ? "train" : "test"))
      .string();
}

void require_file(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error))
    throw DataError(fmt::format("{}: missing (a NumPy data folder holds x_train.npy, y_train.npy, "
                                "x_test.npy and y_test.npy)",
                                path));
}

} // namespace

Samples read_npy_samples(const std::string& path) {
  const NpyArray array = read_npy(path, kSampleTypes);
  if (array.kind != 'f' && !(array.kind == 'u' && array.item_size == 1))
    throw DataError(fmt::format("{}: dtype '{}' is not accepted for samples; expected {}", path,
                                array.descr, kSampleTypes));
  const auto& shape = array.shape;
  if (shape.size() != 3 && shape.size() != 4)
    throw DataError(fmt::format("{}: shape {}; expected samples of shape (N, H, W) or (N, H, W, C)",
                                path, shape_text(shape)));
  for (std::size_t axis = 1; axis < shape.size(); ++axis)
    if (shape[axis] == 0 || shape[axis] > 65536)
      throw DataError(fmt::format("{}: shape {}: each sample dimension must lie in 1 to 65536",
                                  path, shape_text(shape)));
  Samples samples;
  samples.path = path;
  samples.count = shape[0];
  samples.height = static_cast<int>(shape[1]);
  samples.width = static_cast<int>(shape[2]);
  samples.channels = shape.size() == 4 ? static_cast<int>(shape[3]) : 1;
  if (array.kind == 'f') {
    samples.floats = true;
    samples.values = float_values(array);
  } else {
    samples.bytes.assign(array.data(), array.data() + array.count());
  }
  return samples;
}

Targets read_npy_targets(const std::string& path) {
  const NpyArray array = read_npy(path, kTargetTypes);
  const auto& shape = array.shape;
  Targets targets;
  targets.path = path;
  if (array.kind == 'f') {
    if (shape.size() != 1 && shape.size() != 2)
      throw DataError(fmt::format("{}: shape {}; expected real targets of shape (N,) or (N, K)",
                                  path, shape_text(shape)));
    const std::size_t width = shape.size() == 2 ? shape[1] : 1;
    if (width == 0 || width > 65536)
      throw DataError(fmt::format("{}: shape {}: the target width must lie in 1 to 65536", path,
                                  shape_text(shape)));
    targets.width = static_cast<int>(width);
    targets.values = float_values(array);
    return targets;
  }
  if (shape.size() != 1 && !(shape.size() == 2 && shape[1] == 1))
    throw DataError(fmt::format("{}: shape {} of integers; expected labels of shape (N,) or (N, 1) "
                                "(one class index per sample)",
                                path, shape_text(shape)));
  targets.labels.resize(shape[0]);
  for (std::size_t i = 0; i < shape[0]; ++i) targets.labels[i] = label_value(array, i);
  return targets;
}

bool npy_has_split(const std::string& dir, Split split) {
  std::error_code error;
  return std::filesystem::exists(split_file(dir, 'x', split), error);
}

Dataset read_npy_split(const std::string& dir, Split split, const DataSpec& spec) {
  const std::string x_path = split_file(dir, 'x', split);
  const std::string y_path = split_file(dir, 'y', split);
  require_file(x_path);
  require_file(y_path);
  Dataset data;
  data.images = read_npy_samples(x_path);
  check_samples(data.images, spec);
  data.targets = read_npy_targets(y_path);
  check_dataset(data, spec);
  return data;
}

} // namespace cnn
