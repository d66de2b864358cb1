// Pictures of what a network computes, as PNG files: a convolution's filters as a grid of
// tiles, feature maps as a grid of grey maps, and the lecture's figure (input | filter |
// output). Plain arrays in, RGB pictures out; the colour maps and normalisations are
// docs/pictures.md's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cnn {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

// An RGB picture, 8 bits a channel, row by row.
struct Picture {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb; // height * width * 3

  Picture() = default;
  Picture(int width, int height, Rgb background);
  Rgb at(int x, int y) const;
  void set(int x, int y, Rgb colour);
  // Copies `tile` with its top-left corner at (x, y).
  void paste(const Picture& tile, int x, int y);
};

// The grey of a value in [0, 1]: round(255 * t), t clipped to [0, 1].
Rgb grey(double t);
// The diverging map of t in [-1, 1] (clipped): white at 0, blue (0, 0, 255) at -1, red (255, 0,
// 0) at +1, linear in between: t < 0 gives (255 (1 + t), 255 (1 + t), 255), t > 0 gives (255,
// 255 (1 - t), 255 (1 - t)), each rounded.
Rgb diverging(double t);

// The colour between tiles of a grid, and its width in pixels.
inline constexpr Rgb kGapColour{128, 128, 128};
inline constexpr int kGap = 2;

// How much a tile is scaled up (nearest neighbour): filter tiles to at least 40 pixels, feature
// maps to at least 64, the figure's images to at least 128, never down.
int filter_zoom(int kernel_h, int kernel_w);
int map_zoom(int height, int width);
int figure_zoom(int height, int width);

// A convolution kernel in Keras' layout (kh, kw, in_c, out_c) as a grid: a row per output
// channel (filter), a column per input channel, each tile kh x kw cells of filter_zoom pixels,
// kGap pixels of kGapColour between tiles. Colours: diverging(w / m), m the largest |w| of the
// whole kernel (all white when every weight is 0).
Picture draw_filters(const float* kernel, int kernel_h, int kernel_w, int in_channels,
                     int out_channels);

// Feature maps (h, w, c), channels innermost, as a grid of c grey maps, ceil(sqrt(c)) to a row,
// each scaled up by map_zoom, kGap pixels of kGapColour between them. Each map on its own
// scale: grey((v - min) / (max - min)) over that map; a map with one value throughout is black.
Picture draw_feature_maps(const float* values, int height, int width, int channels);

// An image (h, w, c) as the network sees it, scaled up by `zoom`: grey(v) for one channel, the
// three channels as red, green and blue for three, the mean of the channels otherwise.
Picture draw_image(const float* values, int height, int width, int channels, int zoom);

// The lecture's figure for fixed filters: a row per filter k, [input | the filter's tiles (one
// per input channel) | output channel k], 8 pixels of kGapColour between them. The input is
// drawn with draw_image, the output as grey(v) (clipped to [0, 1], as an image editor shows a
// filtered photograph), both scaled up by figure_zoom of the input; the tiles are coloured as
// draw_filters does but each filter on its own scale (m the largest |w| of that filter), each
// cell as large as fits the image's height and, when large enough, labelled with its weight
// (three significant digits, black on light cells, white on dark ones).
Picture draw_figure(const float* input, int in_h, int in_w, int in_c, const float* kernel,
                    int kernel_h, int kernel_w, const float* output, int out_h, int out_w,
                    int filters);

// The picture as PNG file bytes, and written atomically to `path` (DataError when it cannot be).
std::string encode_png(const Picture& picture);
void write_png(const std::string& path, const Picture& picture);

} // namespace cnn
