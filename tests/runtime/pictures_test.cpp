// Pictures: the colour maps, the sizes and normalisations of the filter grid, the feature maps
// and the lecture's figure, PNG bytes read back with stb_image, and unwritable paths.
#include "cnn/errors.hpp"
#include "cnn/pictures.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>

using Catch::Matchers::Contains;
using cnn::Picture;
using cnn::Rgb;

namespace {

// The PNG bytes decoded back to a picture (RGB).
Picture decoded(const std::string& png) {
  int width = 0, height = 0, channels = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(png.data()),
                            static_cast<int>(png.size()), &width, &height, &channels, 3),
      stbi_image_free);
  REQUIRE(pixels);
  Picture picture(width, height, {});
  picture.rgb.assign(pixels.get(), pixels.get() + picture.rgb.size());
  return picture;
}

} // namespace

TEST_CASE("grey clips to [0, 1] and rounds 255 t") {
  CHECK(cnn::grey(0) == Rgb{0, 0, 0});
  CHECK(cnn::grey(1) == Rgb{255, 255, 255});
  CHECK(cnn::grey(0.5) == Rgb{128, 128, 128});
  CHECK(cnn::grey(-3) == Rgb{0, 0, 0});
  CHECK(cnn::grey(7) == Rgb{255, 255, 255});
}

TEST_CASE("the diverging map is white at 0, blue at -1, red at +1, linear between") {
  CHECK(cnn::diverging(0) == Rgb{255, 255, 255});
  CHECK(cnn::diverging(-1) == Rgb{0, 0, 255});
  CHECK(cnn::diverging(1) == Rgb{255, 0, 0});
  CHECK(cnn::diverging(0.5) == Rgb{255, 128, 128});
  CHECK(cnn::diverging(-0.25) == Rgb{191, 191, 255});
  CHECK(cnn::diverging(-9) == Rgb{0, 0, 255});
}

TEST_CASE("zooms scale tiles up to their sizes and never down") {
  CHECK(cnn::filter_zoom(3, 3) == 14);
  CHECK(cnn::filter_zoom(5, 5) == 8);
  CHECK(cnn::filter_zoom(80, 3) == 1);
  CHECK(cnn::map_zoom(24, 24) == 3);
  CHECK(cnn::map_zoom(4, 4) == 16);
  CHECK(cnn::figure_zoom(28, 28) == 5);
}

TEST_CASE("the filter grid has a row per filter, a column per input channel, scaled by the "
          "largest weight") {
  // kernel (kh 2, kw 1, in 2, out 3): the largest |w| is 4.
  const float kernel[2 * 1 * 2 * 3] = {
      4,  0, -1, // tap 0, channel 0: filters 0, 1, 2
      2,  1, 0,  // tap 0, channel 1
      -4, 0, 0,  // tap 1, channel 0
      0,  0, -2, // tap 1, channel 1
  };
  const Picture picture = cnn::draw_filters(kernel, 2, 1, 2, 3);
  const int cell = cnn::filter_zoom(2, 1); // 20
  CHECK(picture.width == 2 * cell + cnn::kGap);
  CHECK(picture.height == 3 * 2 * cell + 2 * cnn::kGap);
  const Picture back = decoded(cnn::encode_png(picture));
  REQUIRE(back.width == picture.width);
  REQUIRE(back.height == picture.height);
  const auto cell_at = [&](int filter, int channel, int tap) {
    return back.at(channel * (cell + cnn::kGap) + cell / 2,
                   filter * (2 * cell + cnn::kGap) + tap * cell + cell / 2);
  };
  CHECK(cell_at(0, 0, 0) == cnn::diverging(1.0));   // 4 / 4
  CHECK(cell_at(0, 0, 1) == cnn::diverging(-1.0));  // -4 / 4
  CHECK(cell_at(0, 1, 0) == cnn::diverging(0.5));   // 2 / 4
  CHECK(cell_at(1, 1, 0) == cnn::diverging(0.25));  // 1 / 4
  CHECK(cell_at(2, 0, 0) == cnn::diverging(-0.25)); // -1 / 4
  CHECK(cell_at(2, 1, 1) == cnn::diverging(-0.5));  // -2 / 4
  CHECK(cell_at(1, 0, 1) == Rgb{255, 255, 255});    // 0
  CHECK(back.at(cell, 0) == cnn::kGapColour);       // between the columns
}

TEST_CASE("each feature map is scaled from its own minimum (black) to its maximum (white)") {
  // 2x2 maps, 3 channels: channel 0 runs 0..3, channel 1 is -10, 10 (twice), channel 2 is flat.
  const float maps[2 * 2 * 3] = {0, -10, 5, 1, 10, 5, 2, -10, 5, 3, 10, 5};
  const Picture picture = cnn::draw_feature_maps(maps, 2, 2, 3);
  const int zoom = cnn::map_zoom(2, 2); // 32
  // ceil(sqrt(3)) = 2 maps to a row: 2 rows.
  CHECK(picture.width == 2 * 2 * zoom + cnn::kGap);
  CHECK(picture.height == 2 * 2 * zoom + cnn::kGap);
  const Picture back = decoded(cnn::encode_png(picture));
  const auto pixel = [&](int map, int y, int x) {
    const int left = (map % 2) * (2 * zoom + cnn::kGap), top = (map / 2) * (2 * zoom + cnn::kGap);
    return back.at(left + x * zoom + zoom / 2, top + y * zoom + zoom / 2);
  };
  CHECK(pixel(0, 0, 0) == cnn::grey(0));
  CHECK(pixel(0, 0, 1) == cnn::grey(1.0 / 3));
  CHECK(pixel(0, 1, 0) == cnn::grey(2.0 / 3));
  CHECK(pixel(0, 1, 1) == cnn::grey(1));
  CHECK(pixel(1, 0, 0) == cnn::grey(0));
  CHECK(pixel(1, 0, 1) == cnn::grey(1));
  CHECK(pixel(2, 0, 0) == Rgb{0, 0, 0}); // one value throughout: black
  CHECK(pixel(2, 1, 1) == Rgb{0, 0, 0});
}

TEST_CASE("the lecture's figure shows input, labelled filter and clipped output in a row per "
          "filter") {
  // A 3x3 one-channel input, two 1x1 filters (8 and -1) and their outputs.
  const float input[9] = {0, 0.0625f, 0.5f, 0.75f, 1, 0.5f, 0, 0, 0};
  const float kernel[2] = {8, -1};
  float output[9 * 2];
  for (int i = 0; i < 9; ++i) {
    output[i * 2] = 8 * input[i];
    output[i * 2 + 1] = -input[i];
  }
  const Picture figure = cnn::draw_figure(input, 3, 3, 1, kernel, 1, 1, output, 3, 3, 2);
  const int zoom = cnn::figure_zoom(3, 3); // 43: 129 pixels
  const int side = 3 * zoom, gap = 8;
  CHECK(figure.width == side + gap + side + gap + side); // the 1x1 filter fills the row height
  CHECK(figure.height == 2 * side + gap);
  const Picture back = decoded(cnn::encode_png(figure));
  const int output_left = 2 * (side + gap);
  // Row 0: input pixel (0, 1) = 0.0625, filter 8 (red), output 0.5.
  CHECK(back.at(1 * zoom + 1, 1) == cnn::grey(0.0625));
  CHECK(back.at(side + gap + 1, 1) == cnn::diverging(1.0));
  CHECK(back.at(output_left + 1 * zoom + 1, 1) == cnn::grey(0.5));
  // Pixel (1, 1) = 1 gives 8, clipped to white; filter -1 gives -1, clipped to black.
  CHECK(back.at(output_left + zoom + 1, zoom + 1) == cnn::grey(1));
  // Each filter on its own scale: -1 is its largest |w|, full blue.
  const int row1 = side + gap;
  CHECK(back.at(side + gap + 1, row1 + 1) == cnn::diverging(-1.0));
  CHECK(back.at(output_left + zoom + 1, row1 + zoom + 1) == cnn::grey(0));
  // The weight is written in its cell, white on the full red and blue, in stb's easy font at
  // scale 3: "8" is 14 unit squares (three bars of 2, four short and two long uprights), every
  // one of them drawn.
  const auto white_in_tile = [&](int top) {
    int count = 0;
    for (int y = top; y < top + side; ++y)
      for (int x = side + gap; x < 2 * side + gap; ++x)
        count += back.at(x, y) == Rgb{255, 255, 255};
    return count;
  };
  CHECK(white_in_tile(0) == 14 * 9);
  CHECK(white_in_tile(row1) > 0);
}

TEST_CASE("a PNG that cannot be written names the file") {
  cnn::test::TempDir dir;
  const Picture picture(2, 2, {1, 2, 3});
  cnn::write_png(dir.file("ok.png"), picture);
  CHECK(decoded(cnn::encode_png(picture)).at(1, 1) == Rgb{1, 2, 3});
  CHECK(cnn::test::read_bytes(dir.file("ok.png")).size() > 8);
  REQUIRE_THROWS_AS(cnn::write_png(dir.file("missing/folder/x.png"), picture), cnn::DataError);
  REQUIRE_THROWS_WITH(cnn::write_png(dir.file("missing/folder/x.png"), picture),
                      Contains("missing/folder/x.png"));
}
