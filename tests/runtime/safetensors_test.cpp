// The safetensors container and model weights: round-trip, and rejection of corrupt files.
#include "cnn/errors.hpp"
#include "cnn/safetensors.hpp"
#include "cnn/weights.hpp"
#include "dense_model.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <limits>

using Catch::Matchers::Contains;
using cnn::DataError;
using namespace cnn::test;

namespace {

std::vector<float> counting(std::size_t n, float scale) {
  std::vector<float> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = scale * static_cast<float>(i) - 3.0f;
  return values;
}

// A file with the given header text and `data_bytes` bytes of data.
void write_raw(const std::string& path, const std::string& header, std::size_t data_bytes) {
  std::vector<std::uint8_t> bytes(8);
  const std::uint64_t length = header.size();
  std::memcpy(bytes.data(), &length, 8);
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.resize(bytes.size() + data_bytes, 0);
  write_bytes(path, bytes);
}

const cnn::ModelTensors dense = cnn::describe<cnn::dense::Model>();

} // namespace

TEST_CASE("weights round-trip through safetensors bit for bit, in kTensors order") {
  TempDir dir;
  const auto params = counting(cnn::dense::Model::kParamCount, 0.001f);
  cnn::save_weights(dir.file("w.safetensors"), dense, params.data());
  const auto file = cnn::read_safetensors(dir.file("w.safetensors"));
  REQUIRE(file.entries.size() == 2);
  CHECK(file.entries[0].name == "dense_1.kernel");
  CHECK(file.entries[0].shape == std::vector<std::int64_t>{784, 10});
  CHECK(file.entries[0].begin == 0);
  CHECK(file.entries[1].name == "dense_1.bias");
  CHECK(file.entries[1].dtype == "F32");
  CHECK(file.metadata.at("model") == "dense");
  std::vector<float> loaded(params.size());
  cnn::load_weights(file, dense, loaded.data());
  CHECK(std::memcmp(loaded.data(), params.data(), 4 * params.size()) == 0);
}

TEST_CASE("the header is padded so that the data starts 8-byte aligned") {
  TempDir dir;
  const float value = 1.5f;
  cnn::write_safetensors(dir.file("t"), {{"x", {1}, &value}}, {});
  const auto bytes = read_bytes(dir.file("t"));
  std::uint64_t length;
  std::memcpy(&length, bytes.data(), 8);
  CHECK((8 + length) % 8 == 0);
  CHECK(bytes.size() == 8 + length + 4);
}

TEST_CASE("a header length beyond the file is rejected") {
  TempDir dir;
  write_raw(dir.file("t"), "{}", 0);
  auto bytes = read_bytes(dir.file("t"));
  bytes[0] = 200;
  write_bytes(dir.file("t"), bytes);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("t")),
                    Contains(dir.file("t")) && Contains("header length 200"));
  write_bytes(dir.file("short"), {1, 2, 3});
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("short")), Contains("too short"));
}

TEST_CASE("a header that is not JSON is rejected with the position") {
  TempDir dir;
  write_raw(dir.file("t"), R"({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]})", 4);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("t")),
                    Contains(dir.file("t")) && Contains("header JSON: at byte 61: ") &&
                        Contains("unexpected end of input"));
  write_raw(dir.file("u"), R"([1, 2])", 0);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("u")), Contains("expected an object"));
  write_raw(dir.file("v"), "{\"x\xff\": 1}", 0);
  CHECK_THROWS_AS(cnn::read_safetensors(dir.file("v")), DataError); // not UTF-8
  write_raw(dir.file("w"), "", 0);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("w")), Contains("header JSON"));
}

TEST_CASE("a key that appears twice is rejected, not silently resolved") {
  TempDir dir;
  write_raw(dir.file("tensor"), R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                                    "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
            8);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("tensor")),
                    Contains(dir.file("tensor")) && Contains("key 'a' appears twice"));
  write_raw(dir.file("field"),
            R"({"a": {"dtype": "F32", "shape": [1], "dtype": "F64", "data_offsets": [0, 4]}})", 4);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("field")),
                    Contains("key 'dtype' appears twice in 'a'"));
  write_raw(dir.file("metadata"), R"({"__metadata__": {"model": "a", "model": "b"}})", 0);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("metadata")),
                    Contains("key 'model' appears twice in '__metadata__'"));
  // The same key in different objects is fine.
  write_raw(dir.file("fine"), R"({"__metadata__": {"dtype": "x"},
                                  "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
            4);
  CHECK(cnn::read_safetensors(dir.file("fine")).entries.size() == 1);
}

TEST_CASE("a shape whose byte size overflows 64 bits is rejected") {
  TempDir dir;
  // 2^14 * 2^50 * 4 bytes wraps around to 0, which would match data_offsets [0, 0].
  write_raw(
      dir.file("t"),
      R"({"x": {"dtype": "F32", "shape": [16384, 1125899906842624], "data_offsets": [0, 0]}})", 0);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("t")),
                    Contains("'x' of shape [16384, 1125899906842624] and dtype F32: its byte "
                             "size overflows"));
  write_raw(dir.file("u"),
            R"({"x": {"dtype": "U8", "shape": [18446744073709551615], "data_offsets": [0, 0]}})",
            0);
  CHECK_THROWS_WITH(
      cnn::read_safetensors(dir.file("u")),
      Contains("dimension 18446744073709551615 is not a non-negative 64-bit integer"));
  write_raw(dir.file("v"), R"({"x": {"dtype": "U8", "shape": [1e3], "data_offsets": [0, 1000]}})",
            1000);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("v")), Contains("dimension 1000.0 is not"));
}

TEST_CASE("__metadata__ holds strings only") {
  TempDir dir;
  write_raw(dir.file("t"), R"({"__metadata__": {"epoch": 3}})", 0);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("t")),
                    Contains("__metadata__ value of 'epoch' is not a string"));
  write_raw(dir.file("u"), R"({"__metadata__": ["a"]})", 0);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("u")),
                    Contains("__metadata__ is not an object"));
}

TEST_CASE("names and metadata with quotes, escapes and UTF-8 round-trip, in the given order") {
  TempDir dir;
  const float values[] = {1.0f, 2.0f, 3.0f};
  const std::map<std::string, std::string> metadata{{"history", "epoch,loss\n1,0.5\n"},
                                                    {"quote \"q\"", "tab\there \xc3\xa9 \\ \x01"}};
  cnn::write_safetensors(dir.file("t"), {{"z\"tensor", {1}, values}, {"a/b", {2}, values + 1}},
                         metadata);
  const auto file = cnn::read_safetensors(dir.file("t"));
  CHECK(file.metadata == metadata);
  REQUIRE(file.entries.size() == 2);
  CHECK(file.entries[0].name == "z\"tensor");
  CHECK(file.entries[1].name == "a/b");
  CHECK(file.entries[1].begin == 4);
  // The same input writes the same bytes.
  cnn::write_safetensors(dir.file("again"), {{"z\"tensor", {1}, values}, {"a/b", {2}, values + 1}},
                         metadata);
  CHECK(read_bytes(dir.file("t")) == read_bytes(dir.file("again")));
}

TEST_CASE("zero-size tensors may share an offset with the next tensor") {
  TempDir dir;
  write_raw(dir.file("t"), R"({"b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                              "a": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}})",
            4);
  CHECK(cnn::read_safetensors(dir.file("t")).entries.size() == 2);
}

TEST_CASE("data_offsets that disagree with the shape are rejected") {
  TempDir dir;
  write_raw(dir.file("t"), R"({"x": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}})",
            20);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("t")),
                    Contains("'x' of shape [2, 3] and dtype F32 needs 24 bytes"));
  write_raw(dir.file("u"), R"({"x": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}})", 4);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("u")), Contains("unknown dtype 'Q7'"));
  write_raw(dir.file("v"), R"({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", 4);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("v")),
                    Contains("dimension -1 is not a non-negative 64-bit integer"));
}

TEST_CASE("overlapping tensors and truncated or surplus data are rejected") {
  TempDir dir;
  const std::string two = R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                              "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})";
  write_raw(dir.file("overlap"), two, 12);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("overlap")), Contains("gap or overlap"));
  const std::string one = R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})";
  write_raw(dir.file("truncated"), one, 10);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("truncated")),
                    Contains("truncated") && Contains("need 16 bytes") && Contains("has 10"));
  write_raw(dir.file("surplus"), one, 20);
  CHECK_THROWS_WITH(cnn::read_safetensors(dir.file("surplus")), Contains("4 trailing bytes"));
}

TEST_CASE("weights of the wrong shape or name are rejected against the model") {
  TempDir dir;
  const auto kernel = counting(7840, 0.01f);
  const auto bias = counting(10, 1.0f);
  cnn::write_safetensors(
      dir.file("shape"),
      {{"dense_1.kernel", {10, 784}, kernel.data()}, {"dense_1.bias", {10}, bias.data()}}, {});
  std::vector<float> params(cnn::dense::Model::kParamCount);
  CHECK_THROWS_WITH(
      cnn::load_weights(cnn::read_safetensors(dir.file("shape")), dense, params.data()),
      Contains("'dense_1.kernel' has shape [10, 784], model dense expects [784, 10]"));
  cnn::write_safetensors(dir.file("missing"), {{"dense_1.kernel", {784, 10}, kernel.data()}}, {});
  CHECK_THROWS_WITH(
      cnn::load_weights(cnn::read_safetensors(dir.file("missing")), dense, params.data()),
      Contains("no tensor 'dense_1.bias'"));
  cnn::write_safetensors(dir.file("extra"),
                         {{"dense_1.kernel", {784, 10}, kernel.data()},
                          {"dense_1.bias", {10}, bias.data()},
                          {"dense_2.bias", {10}, bias.data()}},
                         {});
  CHECK_THROWS_WITH(
      cnn::load_weights(cnn::read_safetensors(dir.file("extra")), dense, params.data()),
      Contains("'dense_2.bias' does not belong to model dense"));
}

TEST_CASE("weights that are NaN or infinite are rejected with the tensor and the element") {
  TempDir dir;
  auto kernel = counting(7840, 0.01f);
  auto bias = counting(10, 1.0f);
  std::vector<float> params(cnn::dense::Model::kParamCount);
  kernel[1234] = std::numeric_limits<float>::quiet_NaN();
  cnn::write_safetensors(
      dir.file("nan"),
      {{"dense_1.kernel", {784, 10}, kernel.data()}, {"dense_1.bias", {10}, bias.data()}}, {});
  CHECK_THROWS_WITH(cnn::load_weights(cnn::read_safetensors(dir.file("nan")), dense, params.data()),
                    Contains(dir.file("nan")) &&
                        Contains("tensor 'dense_1.kernel' holds nan at element 1234") &&
                        Contains("must be finite"));
  kernel[1234] = 0.5f;
  bias[9] = -std::numeric_limits<float>::infinity();
  cnn::write_safetensors(
      dir.file("inf"),
      {{"dense_1.kernel", {784, 10}, kernel.data()}, {"dense_1.bias", {10}, bias.data()}}, {});
  CHECK_THROWS_WITH(cnn::load_weights(cnn::read_safetensors(dir.file("inf")), dense, params.data()),
                    Contains("tensor 'dense_1.bias' holds -inf at element 9 of 10"));
}
