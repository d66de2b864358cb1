// Training a model with fixed filters (tests/codegen/models/fixed_filters.cnn: a trained conv2d,
// then fixed filters, then a dense layer): the trainer starts the fixed tensors from the model
// file's values, the optimizer leaves them alone while the others learn, and the weights file
// keeps them.
#include "fixed_filters/fixed_filters.hpp"

#include "cnn/weights.hpp"
#include "run_trainer.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>

using namespace cnn::test;
using Fixed = cnn::fixed_filters::Model;

namespace {

// `count` 7x7 images in three classes: class c is a bright row at 2c + 1 over faint noise.
void write_split(const std::string& dir, const std::string& split, std::uint32_t count) {
  std::vector<std::uint8_t> images, labels;
  put_u32(images, 0x00000803);
  for (const std::uint32_t d : {count, 7u, 7u}) put_u32(images, d);
  put_u32(labels, 0x00000801);
  put_u32(labels, count);
  std::uint32_t state = 3;
  for (std::uint32_t n = 0; n < count; ++n) {
    const int label = static_cast<int>(n % 3);
    labels.push_back(static_cast<std::uint8_t>(label));
    for (int y = 0; y < 7; ++y)
      for (int x = 0; x < 7; ++x) {
        state = state * 1664525u + 1013904223u;
        images.push_back(static_cast<std::uint8_t>(y == 2 * label + 1 ? 220 : state >> 27));
      }
  }
  write_bytes(dir + "/" + split + "-images-idx3-ubyte", images);
  write_bytes(dir + "/" + split + "-labels-idx1-ubyte", labels);
}

// The tensor `name` of a weights file, as floats.
std::vector<float> tensor(const cnn::Safetensors& file, const std::string& name) {
  const cnn::SafetensorsEntry* entry = file.find(name);
  REQUIRE(entry);
  std::vector<float> values((entry->end - entry->begin) / sizeof(float));
  std::memcpy(values.data(), file.data.data() + entry->begin, entry->end - entry->begin);
  return values;
}

} // namespace

TEST_CASE("training leaves fixed filters at the model file's values while the rest learns") {
  STATIC_REQUIRE_FALSE(Fixed::kTensors[2].trainable); // conv2d_2.kernel
  STATIC_REQUIRE_FALSE(Fixed::kTensors[3].trainable); // conv2d_2.bias
  TempDir dir;
  write_split(dir.str(), "train", 300);
  write_split(dir.str(), "t10k", 60);
  const auto run = run_trainer<Fixed>({"--data", dir.str(), "--out", dir.file("run"), "--epochs",
                                       "2", "--threads", "1", "--quiet"});
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  const cnn::Safetensors weights = cnn::read_safetensors(dir.file("run/weights.safetensors"));
  for (int t = 0; t < Fixed::kTensorCount; ++t) {
    const cnn::TensorInfo& info = Fixed::kTensors[t];
    const std::vector<float> saved = tensor(weights, info.name);
    REQUIRE(saved.size() == info.size);
    if (info.values) {
      INFO(info.name << " is fixed");
      CHECK(std::vector<float>(info.values, info.values + info.size) == saved);
    }
  }
  // The trained tensors moved away from their start: the dense bias starts at zeros.
  const std::vector<float> bias = tensor(weights, "dense_1.bias");
  CHECK(std::any_of(bias.begin(), bias.end(), [](float b) { return b != 0; }));
  // Filter 2's bias is 0.25, filter 3's -0.5 (the model file's bias=).
  CHECK(tensor(weights, "conv2d_2.bias") == std::vector<float>{0, 0.25f, -0.5f});
}
