// NumPy .npy reading: every accepted dtype and shape, header versions, keras.datasets' split
// folders, and every kind of bad file with its message.
#include "cnn/errors.hpp"
#include "cnn/readers.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstring>

using Catch::Matchers::Contains;
using namespace cnn::test;

namespace {

template <typename T>
std::vector<std::uint8_t> bytes_of(const std::vector<T>& values) {
  std::vector<std::uint8_t> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// A .npy file as numpy.save writes it: magic, version, header length, the dict padded with
// spaces and a newline to a multiple of 64 bytes, then the data.
std::vector<std::uint8_t> npy(const std::string& descr, const std::string& shape,
                              const std::vector<std::uint8_t>& data, int major = 1,
                              const std::string& fortran = "False") {
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
  const std::size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::vector<std::uint8_t> bytes{0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<std::uint8_t>(major),
                                  0};
  for (std::size_t i = 0; i < prefix - 8; ++i)
    bytes.push_back(static_cast<std::uint8_t>(header.size() >> (8 * i)));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

std::vector<std::uint8_t> iota_bytes(std::size_t count) {
  std::vector<std::uint8_t> bytes(count);
  for (std::size_t i = 0; i < count; ++i) bytes[i] = static_cast<std::uint8_t>(i % 256);
  return bytes;
}

const cnn::DataSpec kGrey{2, 3, 1, 10, 0};

} // namespace

TEST_CASE("uint8 samples of shape (N, H, W) are read as bytes with one channel") {
  TempDir dir;
  write_bytes(dir.file("x.npy"), npy("|u1", "(4, 2, 3)", iota_bytes(24)));
  const auto samples = cnn::read_npy_samples(dir.file("x.npy"));
  CHECK(samples.path == dir.file("x.npy"));
  CHECK(samples.count == 4);
  CHECK(samples.height == 2);
  CHECK(samples.width == 3);
  CHECK(samples.channels == 1);
  CHECK_FALSE(samples.floats);
  CHECK(samples.bytes == iota_bytes(24));
  CHECK(samples.values.empty());
}

TEST_CASE("float32 samples of shape (N, H, W, C) are read as floats with C channels") {
  TempDir dir;
  const std::vector<float> values{0.0f, 0.25f, 0.5f, 1.0f, -2.0f, 3.5f, 7.0f, 8.0f};
  write_bytes(dir.file("x.npy"), npy("<f4", "(2, 1, 2, 2)", bytes_of(values)));
  const auto samples = cnn::read_npy_samples(dir.file("x.npy"));
  CHECK(samples.count == 2);
  CHECK(samples.height == 1);
  CHECK(samples.width == 2);
  CHECK(samples.channels == 2);
  CHECK(samples.floats);
  CHECK(samples.values == values);
  CHECK(samples.bytes.empty());
}

TEST_CASE("float64 samples are read into floats") {
  TempDir dir;
  write_bytes(dir.file("x.npy"),
              npy("<f8", "(1, 1, 3)", bytes_of(std::vector<double>{0.5, -1, 2})));
  const auto samples = cnn::read_npy_samples(dir.file("x.npy"));
  CHECK(samples.floats);
  CHECK(samples.values == std::vector<float>{0.5f, -1.0f, 2.0f});
}

TEST_CASE("'<u1' is accepted for samples as well as '|u1'") {
  TempDir dir;
  write_bytes(dir.file("x.npy"), npy("<u1", "(1, 2, 2)", iota_bytes(4)));
  CHECK(cnn::read_npy_samples(dir.file("x.npy")).bytes == iota_bytes(4));
}

TEST_CASE("labels of every little-endian integer dtype are read, shaped (N,) or (N, 1)") {
  TempDir dir;
  const auto check = [&](const std::string& descr, const std::vector<std::uint8_t>& data) {
    INFO(descr);
    write_bytes(dir.file("y.npy"), npy(descr, "(3,)", data));
    const auto targets = cnn::read_npy_targets(dir.file("y.npy"));
    CHECK_FALSE(targets.real());
    CHECK(targets.labels == std::vector<std::int32_t>{2, 0, 9});
    write_bytes(dir.file("y.npy"), npy(descr, "(3, 1)", data));
    CHECK(cnn::read_npy_targets(dir.file("y.npy")).labels == std::vector<std::int32_t>{2, 0, 9});
  };
  check("|u1", bytes_of(std::vector<std::uint8_t>{2, 0, 9}));
  check("|i1", bytes_of(std::vector<std::int8_t>{2, 0, 9}));
  check("<u2", bytes_of(std::vector<std::uint16_t>{2, 0, 9}));
  check("<i2", bytes_of(std::vector<std::int16_t>{2, 0, 9}));
  check("<u4", bytes_of(std::vector<std::uint32_t>{2, 0, 9}));
  check("<i4", bytes_of(std::vector<std::int32_t>{2, 0, 9}));
  check("<u8", bytes_of(std::vector<std::uint64_t>{2, 0, 9}));
  check("<i8", bytes_of(std::vector<std::int64_t>{2, 0, 9}));
}

TEST_CASE("float targets of shape (N, K) have width K, and of shape (N,) width 1") {
  TempDir dir;
  write_bytes(dir.file("y.npy"),
              npy("<f4", "(2, 3)", bytes_of(std::vector<float>{1, 2, 3, 4, 5, 6})));
  const auto wide = cnn::read_npy_targets(dir.file("y.npy"));
  CHECK(wide.real());
  CHECK(wide.width == 3);
  CHECK(wide.count() == 2);
  CHECK(wide.values == std::vector<float>{1, 2, 3, 4, 5, 6});
  write_bytes(dir.file("y.npy"), npy("<f8", "(3,)", bytes_of(std::vector<double>{0.5, 1.5, 2.5})));
  const auto narrow = cnn::read_npy_targets(dir.file("y.npy"));
  CHECK(narrow.width == 1);
  CHECK(narrow.count() == 3);
  CHECK(narrow.values == std::vector<float>{0.5f, 1.5f, 2.5f});
}

TEST_CASE("format versions 2.0 and 3.0 with 4-byte header lengths are read") {
  TempDir dir;
  for (int major : {2, 3}) {
    write_bytes(dir.file("x.npy"), npy("|u1", "(2, 2, 2)", iota_bytes(8), major));
    CHECK(cnn::read_npy_samples(dir.file("x.npy")).bytes == iota_bytes(8));
  }
}

TEST_CASE("a NumPy split folder is read under keras.datasets' names and checked") {
  TempDir dir;
  write_bytes(dir.file("x_train.npy"), npy("|u1", "(3, 2, 3)", iota_bytes(18)));
  write_bytes(dir.file("y_train.npy"),
              npy("<i8", "(3,)", bytes_of(std::vector<std::int64_t>{1, 9, 0})));
  CHECK(cnn::npy_has_split(dir.str(), cnn::Split::Train));
  CHECK_FALSE(cnn::npy_has_split(dir.str(), cnn::Split::Test));
  const auto data = cnn::read_npy_split(dir.str(), cnn::Split::Train, kGrey);
  CHECK(data.size() == 3);
  CHECK(data.images.bytes == iota_bytes(18));
  CHECK(data.targets.labels == std::vector<std::int32_t>{1, 9, 0});
  CHECK(data.targets.path == dir.file("y_train.npy"));
  CHECK_THROWS_WITH(cnn::read_npy_split(dir.str(), cnn::Split::Test, kGrey),
                    Contains(dir.file("x_test.npy")) && Contains("missing"));
}

TEST_CASE("a split folder without its y file names the file expected") {
  TempDir dir;
  write_bytes(dir.file("x_test.npy"), npy("|u1", "(3, 2, 3)", iota_bytes(18)));
  CHECK(cnn::npy_has_split(dir.str(), cnn::Split::Test));
  CHECK_THROWS_WITH(cnn::read_npy_split(dir.str(), cnn::Split::Test, kGrey),
                    Contains(dir.file("y_test.npy")) && Contains("missing"));
}

TEST_CASE("truncated .npy data says how many bytes are missing") {
  TempDir dir;
  auto bytes = npy("<f4", "(2, 2, 2)", bytes_of(std::vector<float>(8, 1.0f)));
  bytes.resize(bytes.size() - 5);
  write_bytes(dir.file("x.npy"), bytes);
  CHECK_THROWS_WITH(cnn::read_npy_samples(dir.file("x.npy")),
                    Contains(dir.file("x.npy")) && Contains("truncated") && Contains("(2, 2, 2)") &&
                        Contains("needs 32 bytes") && Contains("only 27 follow") &&
                        Contains("5 missing"));
}

TEST_CASE("trailing bytes after a .npy array's data are rejected") {
  TempDir dir;
  auto bytes = npy("|u1", "(3,)", {1, 2, 3});
  bytes.push_back(0);
  write_bytes(dir.file("y.npy"), bytes);
  CHECK_THROWS_WITH(cnn::read_npy_targets(dir.file("y.npy")), Contains(dir.file("y.npy")) &&
                                                                  Contains("1 trailing bytes") &&
                                                                  Contains("(3,)"));
}

TEST_CASE("a Fortran-order array is rejected") {
  TempDir dir;
  write_bytes(dir.file("x.npy"), npy("|u1", "(1, 2, 2)", iota_bytes(4), 1, "True"));
  CHECK_THROWS_WITH(cnn::read_npy_samples(dir.file("x.npy")),
                    Contains(dir.file("x.npy")) && Contains("Fortran") && Contains("C order"));
}

TEST_CASE("big-endian, object and unsupported dtypes are rejected, naming what is accepted") {
  TempDir dir;
  const auto rejects = [&](const std::string& descr, const std::string& why) {
    INFO(descr);
    write_bytes(dir.file("x.npy"), npy(descr, "(1, 1, 1)", std::vector<std::uint8_t>(8, 0)));
    CHECK_THROWS_WITH(cnn::read_npy_samples(dir.file("x.npy")),
                      Contains(dir.file("x.npy")) && Contains("'" + descr + "'") && Contains(why) &&
                          Contains("float32"));
  };
  rejects(">f8", "big-endian");
  rejects("|O", "Python objects");
  rejects("|O8", "Python objects");
  rejects("<c8", "not an integer or float type");
  rejects("<U2", "not an integer or float type");
  rejects("|b1", "not an integer or float type");
  rejects("<f2", "half-precision");
  // Integers other than bytes are labels, not samples.
  write_bytes(dir.file("x.npy"), npy("<i4", "(1, 1, 1)", std::vector<std::uint8_t>(4, 0)));
  CHECK_THROWS_WITH(cnn::read_npy_samples(dir.file("x.npy")),
                    Contains("'<i4' is not accepted for samples") && Contains("uint8"));
}

TEST_CASE("a structured dtype is rejected") {
  TempDir dir;
  std::string header = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::vector<std::uint8_t> bytes{
      0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<std::uint8_t>(header.size()), 0};
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), 4, 0);
  write_bytes(dir.file("y.npy"), bytes);
  CHECK_THROWS_WITH(cnn::read_npy_targets(dir.file("y.npy")),
                    Contains(dir.file("y.npy")) && Contains("structured dtype"));
}

TEST_CASE("a header length beyond the end of the file is rejected") {
  TempDir dir;
  auto bytes = npy("|u1", "(1,)", {0});
  bytes[8] = 0xff;
  bytes[9] = 0x7f;
  write_bytes(dir.file("y.npy"), bytes);
  CHECK_THROWS_WITH(cnn::read_npy_targets(dir.file("y.npy")),
                    Contains(dir.file("y.npy")) && Contains("claims 32767 bytes") &&
                        Contains("only " + std::to_string(bytes.size() - 10) + " follow"));
}

TEST_CASE("a shape whose size overflows is rejected, not wrapped around") {
  TempDir dir;
  write_bytes(dir.file("x.npy"),
              npy("<f8", "(4294967296, 4294967296, 2)", std::vector<std::uint8_t>(8, 0)));
  CHECK_THROWS_WITH(cnn::read_npy_samples(dir.file("x.npy")),
                    Contains(dir.file("x.npy")) && Contains("more values than memory"));
  write_bytes(dir.file("x.npy"), npy("<f8", "(99999999999999999999,)", {}));
  CHECK_THROWS_WITH(cnn::read_npy_samples(dir.file("x.npy")), Contains("overflows"));
}

TEST_CASE("a file that is not .npy, or of an unknown version, is rejected") {
  TempDir dir;
  write_bytes(dir.file("x.npy"), {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0});
  CHECK_THROWS_WITH(cnn::read_npy_samples(dir.file("x.npy")),
                    Contains(dir.file("x.npy")) && Contains("not a NumPy .npy file"));
  write_bytes(dir.file("x.npy"), npy("|u1", "(1, 1, 1)", {0}, 4));
  CHECK_THROWS_WITH(cnn::read_npy_samples(dir.file("x.npy")), Contains("version 4.0"));
  CHECK_THROWS_WITH(cnn::read_npy_samples(dir.file("absent.npy")),
                    Contains(dir.file("absent.npy")) && Contains("no such file"));
}

TEST_CASE("a header that is not a dict literal is rejected, quoting it") {
  TempDir dir;
  write_bytes(dir.file("x.npy"), npy("|u1", "[1, 2]", {0, 0}));
  CHECK_THROWS_WITH(cnn::read_npy_samples(dir.file("x.npy")), Contains("bad .npy header") &&
                                                                  Contains("expected '('") &&
                                                                  Contains("'shape': [1, 2]"));
}

TEST_CASE("samples that are not (N, H, W) or (N, H, W, C) are rejected") {
  TempDir dir;
  write_bytes(dir.file("x.npy"), npy("|u1", "(2, 8)", iota_bytes(16)));
  CHECK_THROWS_WITH(cnn::read_npy_samples(dir.file("x.npy")),
                    Contains("shape (2, 8)") && Contains("(N, H, W) or (N, H, W, C)"));
  write_bytes(dir.file("x.npy"), npy("|u1", "(2, 0, 8)", {}));
  CHECK_THROWS_WITH(cnn::read_npy_samples(dir.file("x.npy")), Contains("1 to 65536"));
}

TEST_CASE("integer targets wider than one column are rejected as labels") {
  TempDir dir;
  write_bytes(dir.file("y.npy"), npy("|u1", "(2, 3)", iota_bytes(6)));
  CHECK_THROWS_WITH(cnn::read_npy_targets(dir.file("y.npy")),
                    Contains("shape (2, 3) of integers") && Contains("(N,) or (N, 1)"));
}

TEST_CASE("a label beyond int32 is rejected where it is read") {
  TempDir dir;
  write_bytes(dir.file("y.npy"),
              npy("<u8", "(2,)", bytes_of(std::vector<std::uint64_t>{1, 1ull << 40})));
  CHECK_THROWS_WITH(cnn::read_npy_targets(dir.file("y.npy")),
                    Contains("label 1099511627776 of item 1 is out of range"));
}

TEST_CASE("NaN in float samples is rejected with its position") {
  TempDir dir;
  write_bytes(dir.file("x.npy"), npy("<f4", "(1, 1, 3)", bytes_of(std::vector<float>{0, NAN, 1})));
  CHECK_THROWS_WITH(cnn::read_npy_samples(dir.file("x.npy")), Contains(dir.file("x.npy")) &&
                                                                  Contains("item 1 of 3") &&
                                                                  Contains("not a finite"));
}

TEST_CASE("samples of another shape or channel count than the model's are rejected") {
  TempDir dir;
  write_bytes(dir.file("x_train.npy"), npy("|u1", "(3, 2, 3, 3)", iota_bytes(54)));
  write_bytes(dir.file("y_train.npy"), npy("|u1", "(3,)", {0, 1, 2}));
  CHECK_THROWS_WITH(cnn::read_npy_split(dir.str(), cnn::Split::Train, kGrey),
                    Contains(dir.file("x_train.npy")) && Contains("samples are 2x3x3") &&
                        Contains("the model expects 2x3x1"));
}

TEST_CASE("a label at or above the model's class count is rejected with its position") {
  TempDir dir;
  write_bytes(dir.file("x_train.npy"), npy("|u1", "(3, 2, 3)", iota_bytes(18)));
  write_bytes(dir.file("y_train.npy"),
              npy("<i4", "(3,)", bytes_of(std::vector<std::int32_t>{0, 10, 2})));
  CHECK_THROWS_WITH(cnn::read_npy_split(dir.str(), cnn::Split::Train, kGrey),
                    Contains(dir.file("y_train.npy")) && Contains("label 10 of item 1") &&
                        Contains("10 classes"));
  write_bytes(dir.file("y_train.npy"),
              npy("<i4", "(3,)", bytes_of(std::vector<std::int32_t>{0, -1, 2})));
  CHECK_THROWS_WITH(cnn::read_npy_split(dir.str(), cnn::Split::Train, kGrey),
                    Contains("label -1 of item 1"));
}

TEST_CASE("x and y with different counts are rejected") {
  TempDir dir;
  write_bytes(dir.file("x_train.npy"), npy("|u1", "(3, 2, 3)", iota_bytes(18)));
  write_bytes(dir.file("y_train.npy"), npy("|u1", "(2,)", {0, 1}));
  CHECK_THROWS_WITH(cnn::read_npy_split(dir.str(), cnn::Split::Train, kGrey),
                    Contains(dir.file("y_train.npy")) && Contains("2 labels") &&
                        Contains("3 samples"));
}

TEST_CASE("real targets are checked against the model's output width") {
  TempDir dir;
  write_bytes(dir.file("x_train.npy"), npy("|u1", "(2, 2, 3)", iota_bytes(12)));
  write_bytes(dir.file("y_train.npy"),
              npy("<f4", "(2, 2)", bytes_of(std::vector<float>{1, 2, 3, 4})));
  CHECK_THROWS_WITH(cnn::read_npy_split(dir.str(), cnn::Split::Train, kGrey),
                    Contains("real-valued targets") && Contains("classifier"));
  const cnn::DataSpec regression{2, 3, 1, 0, 2};
  const auto data = cnn::read_npy_split(dir.str(), cnn::Split::Train, regression);
  CHECK(data.targets.width == 2);
  const cnn::DataSpec wider{2, 3, 1, 0, 3};
  CHECK_THROWS_WITH(cnn::read_npy_split(dir.str(), cnn::Split::Train, wider),
                    Contains("2 targets per sample, the model has 3 outputs"));
}
