// The trainer's draw command on generated models: the lecture's fixed filters (their output
// against a convolution by hand, their figure), the learned filters and feature maps of the
// lecture's network from a weights file, and every bad input with its message and exit code.
#include "lecture_filters/lecture_filters.hpp"
#include "mnist/mnist.hpp"

#include "cnn/init.hpp"
#include "cnn/pictures.hpp"
#include "cnn/weights.hpp"
#include "run_trainer.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

using Catch::Matchers::Contains;
using namespace cnn::test;
using Filters = cnn::lecture_filters::Model;
using Mnist = cnn::mnist::Model;

namespace {

struct Png {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;
  cnn::Rgb at(int x, int y) const {
    const std::size_t i = (static_cast<std::size_t>(y) * width + x) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

Png read_png(const std::string& path) {
  int channels = 0;
  Png png;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load(path.c_str(), &png.width, &png.height, &channels, 3), stbi_image_free);
  INFO(path);
  REQUIRE(pixels);
  png.rgb.assign(pixels.get(), pixels.get() + static_cast<std::size_t>(png.width) * png.height * 3);
  return png;
}

// A 28x28 grey picture: a bright square with a gradient and a dark stripe, as bytes.
std::vector<std::uint8_t> test_image() {
  std::vector<std::uint8_t> pixels(28 * 28);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) {
      const bool square = y >= 6 && y < 20 && x >= 8 && x < 22;
      const bool stripe = x == 14;
      pixels[static_cast<std::size_t>(y * 28 + x)] =
          static_cast<std::uint8_t>(stripe   ? 10
                                    : square ? 150 + 3 * y
                                             : 20 + x);
    }
  return pixels;
}

void write_grey_png(const std::string& path, int width, int height,
                    const std::vector<std::uint8_t>& pixels) {
  REQUIRE(stbi_write_png(path.c_str(), width, height, 1, pixels.data(), width));
}

// The lecture's 3x3 filters applied by hand with zero padding of 1 (same), filter k at (y, x).
double by_hand(const std::vector<std::uint8_t>& image, int k, int y, int x) {
  const double filters[4][9] = {{-1, -1, -1, -1, 8, -1, -1, -1, -1},
                                {0, -1, 0, -1, 5, -1, 0, -1, 0},
                                {1, 1, 1, 1, 1, 1, 1, 1, 1},
                                {1, 2, 1, 2, 4, 2, 1, 2, 1}};
  const double divide[4] = {1, 1, 9, 16};
  double sum = 0;
  for (int ky = 0; ky < 3; ++ky)
    for (int kx = 0; kx < 3; ++kx) {
      const int iy = y + ky - 1, ix = x + kx - 1;
      if (iy < 0 || iy >= 28 || ix < 0 || ix >= 28) continue;
      sum += filters[k][ky * 3 + kx] * image[static_cast<std::size_t>(iy * 28 + ix)] / 255.0;
    }
  return sum / divide[k];
}

// Weights for the lecture's network, as its initialiser draws them, saved to `path`.
void save_initial_weights(const std::string& path) {
  std::vector<float> params(Mnist::kParamCount);
  cnn::Rng rng(7);
  for (const auto& tensor : Mnist::kTensors)
    cnn::initialise_tensor(tensor, params.data() + tensor.offset, rng);
  cnn::save_weights(path, cnn::describe<Mnist>(), params.data());
}

} // namespace

TEST_CASE("the lecture's fixed filters compute the convolution by hand") {
  std::vector<float> params(Filters::kParamCount);
  cnn::Rng unused(0);
  for (const auto& tensor : Filters::kTensors) {
    REQUIRE(tensor.values != nullptr);
    REQUIRE_FALSE(tensor.trainable);
    cnn::initialise_tensor(tensor, params.data() + tensor.offset, unused);
  }
  const std::vector<std::uint8_t> image = test_image();
  std::vector<float> input(image.size());
  for (std::size_t i = 0; i < image.size(); ++i) input[i] = image[i] / 255.0f;
  auto ws = std::make_unique<Filters::ForwardWorkspace<float, 1>>();
  Filters::forward<float, 1>(params.data(), input.data(), *ws);
  const float* output = Filters::layer_output(*ws, 0);
  REQUIRE(output == ws->output);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x)
      for (int k = 0; k < 4; ++k) {
        INFO("filter " << k << " at (" << y << ", " << x << ")");
        REQUIRE(output[(y * 28 + x) * 4 + k] == Approx(by_hand(image, k, y, x)).margin(1e-5));
      }
}

TEST_CASE("draw writes the fixed filters, the feature maps and the lecture's figure") {
  TempDir dir;
  const std::vector<std::uint8_t> image = test_image();
  write_grey_png(dir.file("image.png"), 28, 28, image);
  const auto run = run_trainer<Filters>(
      {"draw", "--image", dir.file("image.png"), "--out", dir.file("pictures")});
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.out,
             Contains("filters_lecture.png (42x174)") && Contains("figure_lecture.png (434x584)") &&
                 Contains("feature_maps_lecture.png (170x170)") && Contains("input.png (84x84)"));
  const Png filters = read_png(dir.file("pictures/filters_lecture.png"));
  CHECK(filters.width == 42);
  CHECK(filters.height == 4 * 42 + 3 * cnn::kGap);
  // The edge filter's centre is the kernel's largest weight (8): full red; its corner -1/8.
  CHECK(filters.at(21, 21) == cnn::diverging(1.0));
  CHECK(filters.at(7, 7) == cnn::diverging(-1.0 / 8));
  const Png maps = read_png(dir.file("pictures/feature_maps_lecture.png"));
  CHECK(maps.width == 2 * 84 + cnn::kGap);
  CHECK(maps.height == 2 * 84 + cnn::kGap);
  CHECK(read_png(dir.file("pictures/input.png")).width == 84);

  // Each row of the figure: the input, the filter, and its output as grey(clipped value).
  const Png figure = read_png(dir.file("pictures/figure_lecture.png"));
  REQUIRE(figure.width == 140 + 8 + 3 * 46 + 8 + 140);
  REQUIRE(figure.height == 4 * (140 + 8) - 8);
  const int output_left = 140 + 8 + 3 * 46 + 8;
  for (int k = 0; k < 4; ++k)
    for (const auto& [y, x] : {std::pair{0, 0}, {6, 8}, {10, 14}, {12, 13}, {19, 21}, {27, 27}}) {
      INFO("filter " << k << " at (" << y << ", " << x << ")");
      CHECK(figure.at(output_left + x * 5 + 2, k * 148 + y * 5 + 2) ==
            cnn::grey(by_hand(image, k, y, x)));
      CHECK(figure.at(x * 5 + 2, k * 148 + y * 5 + 2) ==
            cnn::grey(image[static_cast<std::size_t>(y * 28 + x)] / 255.0));
    }
}

TEST_CASE("draw pictures the learned filters and feature maps of the lecture's network") {
  TempDir dir;
  save_initial_weights(dir.file("weights.safetensors"));
  write_synthetic_data(dir.str());
  const auto run = run_trainer<Mnist>(
      {"draw", "--weights", dir.file("weights.safetensors"), "--data", dir.str(), "--sample", "3"});
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  // By default, into pictures/ beside the weights.
  const std::string out = dir.file("pictures/");
  const Png first = read_png(out + "filters_conv2d_1.png");
  CHECK(first.width == 40); // 5x5 cells of 8 pixels, one input channel
  CHECK(first.height == 10 * 40 + 9 * cnn::kGap);
  const Png second = read_png(out + "filters_conv2d_2.png");
  CHECK(second.width == 10 * 40 + 9 * cnn::kGap);
  CHECK(second.height == 20 * 40 + 19 * cnn::kGap);
  const Png maps = read_png(out + "feature_maps_conv2d_1.png"); // 10 maps: 4 a row, 3 rows
  CHECK(maps.width == 4 * 72 + 3 * cnn::kGap);
  CHECK(maps.height == 3 * 72 + 2 * cnn::kGap);
  const Png pooled = read_png(out + "feature_maps_max_pooling2d_2.png"); // 20 of 4x4: 5 a row
  CHECK(pooled.width == 5 * 64 + 4 * cnn::kGap);
  CHECK(pooled.height == 4 * 64 + 3 * cnn::kGap);
  CHECK_THAT(run.out, Contains("feature_maps_conv2d_2.png") &&
                          Contains("feature_maps_max_pooling2d_1.png") &&
                          Contains(dir.str() + " (sample 3)"));
  CHECK_FALSE(std::filesystem::exists(out + "figure_conv2d_1.png")); // no fixed filters
  CHECK_FALSE(std::filesystem::exists(out + "feature_maps_dense_1.png"));

  SECTION("without an input, only the filters") {
    const auto filters_only = run_trainer<Mnist>(
        {"draw", "--weights", dir.file("weights.safetensors"), "--out", dir.file("only")});
    REQUIRE(filters_only.status == 0);
    CHECK(std::filesystem::exists(dir.file("only/filters_conv2d_2.png")));
    CHECK_FALSE(std::filesystem::exists(dir.file("only/input.png")));
  }
}

TEST_CASE("draw refuses an image of the wrong size, naming both sizes") {
  TempDir dir;
  write_grey_png(dir.file("wide.png"), 30, 20, std::vector<std::uint8_t>(600, 9));
  const auto run =
      run_trainer<Filters>({"draw", "--image", dir.file("wide.png"), "--out", dir.file("out")});
  CHECK(run.status == 1);
  CHECK_THAT(run.err, Contains(dir.file("wide.png") + ": image is 20x30, the model expects 28x28"));
  CHECK_FALSE(std::filesystem::exists(dir.file("out"))); // nothing written
}

TEST_CASE("draw refuses samples of the wrong channel count, naming both shapes") {
  TempDir dir;
  std::vector<std::uint8_t> idx;
  put_u32(idx, 0x00000804); // unsigned bytes, 4 dimensions: 1 x 28 x 28 x 3
  for (const std::uint32_t d : {1u, 28u, 28u, 3u}) put_u32(idx, d);
  idx.resize(idx.size() + 28 * 28 * 3, 50);
  write_bytes(dir.file("colour-idx3-ubyte"), idx);
  const auto run = run_trainer<Filters>(
      {"draw", "--image", dir.file("colour-idx3-ubyte"), "--out", dir.file("out")});
  CHECK(run.status == 1);
  CHECK_THAT(run.err, Contains("samples are 28x28x3, the model expects 28x28x1"));
}

TEST_CASE("draw needs weights for a model that learns them, and names a missing file") {
  const auto missing_option = run_trainer<Mnist>({"draw"});
  CHECK(missing_option.status == 2);
  CHECK_THAT(missing_option.err, Contains("draw needs --weights FILE: model mnist has trained "
                                          "weights"));
  TempDir dir;
  const auto missing_file =
      run_trainer<Mnist>({"draw", "--weights", dir.file("nowhere.safetensors")});
  CHECK(missing_file.status == 1);
  CHECK_THAT(missing_file.err, Contains(dir.file("nowhere.safetensors")));
}

TEST_CASE("draw says so when the output folder cannot be made") {
  TempDir dir;
  write_bytes(dir.file("a-file"), {1, 2, 3});
  const auto run = run_trainer<Filters>({"draw", "--out", dir.file("a-file/pictures")});
  CHECK(run.status == 1);
  CHECK_THAT(run.err, Contains(dir.file("a-file/pictures") + ": cannot create the output folder"));
}

TEST_CASE("draw refuses a sample index beyond the data and conflicting inputs") {
  TempDir dir;
  write_synthetic_data(dir.str());
  save_initial_weights(dir.file("weights.safetensors"));
  const auto beyond = run_trainer<Mnist>({"draw", "--weights", dir.file("weights.safetensors"),
                                          "--data", dir.str(), "--sample", "200"});
  CHECK(beyond.status == 1);
  CHECK_THAT(beyond.err, Contains("--sample 200: the test split of " + dir.str() +
                                  " has 200 samples (0 to 199)"));
  const auto both = run_trainer<Filters>({"draw", "--image", "x.png", "--data", dir.str()});
  CHECK(both.status == 2);
  CHECK_THAT(both.err, Contains("draw takes --image FILE or --data DIR, not both"));
  const auto sample_alone = run_trainer<Filters>({"draw", "--sample", "1"});
  CHECK(sample_alone.status == 2);
  CHECK_THAT(sample_alone.err, Contains("--sample goes with --data"));
}

TEST_CASE("draw takes one image: a folder of several or a file that does not decode is refused") {
  TempDir dir;
  std::filesystem::create_directories(dir.file("two"));
  write_grey_png(dir.file("two/a.png"), 28, 28, test_image());
  write_grey_png(dir.file("two/b.png"), 28, 28, test_image());
  const auto several = run_trainer<Filters>({"draw", "--image", dir.file("two")});
  CHECK(several.status == 1);
  CHECK_THAT(several.err, Contains(dir.file("two") + ": holds 2 samples; draw takes one image"));
  write_bytes(dir.file("broken.png"), {0x89, 'P', 'N', 'G', 1, 2, 3});
  const auto broken = run_trainer<Filters>({"draw", "--image", dir.file("broken.png")});
  CHECK(broken.status == 1);
  CHECK_THAT(broken.err, Contains(dir.file("broken.png") + ": cannot decode the image"));
}

TEST_CASE("the trainer's summary counts trainable and non-trainable parameters as Keras does") {
  const auto fixed = run_trainer<Filters>({"summary"});
  REQUIRE(fixed.status == 0);
  CHECK_THAT(fixed.out, Contains("Total params: 40\nTrainable params: 0\nNon-trainable params: "
                                 "40\n"));
  const auto learnt = run_trainer<Mnist>({"summary"});
  REQUIRE(learnt.status == 0);
  CHECK_THAT(learnt.out, Contains("Total params: 38,390\nTrainable params: 38,390\nNon-trainable "
                                  "params: 0\n"));
}
