// Pictures of filters, feature maps and the lecture's figure, and their PNG files (stb's
// writer, compiled here only).
#include "cnn/pictures.hpp"

#include "cnn/errors.hpp"
#include "cnn/file_io.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <stdexcept>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO // written through write_file_atomically
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#endif
#include <stb/stb_image_write.h>
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_easy_font.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace cnn {
namespace {

std::uint8_t channel(double value) {
  return static_cast<std::uint8_t>(std::lround(std::clamp(value, 0.0, 255.0)));
}

int ceil_div(int a, int b) {
  return (a + b - 1) / b;
}

// Cells of `cell` pixels, one per value of a rows x columns array.
template <class Colour>
Picture cells(int rows, int columns, int cell, Colour colour) {
  Picture picture(columns * cell, rows * cell, {});
  for (int y = 0; y < picture.height; ++y)
    for (int x = 0; x < picture.width; ++x) picture.set(x, y, colour(y / cell, x / cell));
  return picture;
}

// Tiles of equal size in a grid of `columns`, `gap` pixels of kGapColour between them.
Picture grid(const std::vector<Picture>& tiles, int columns, int gap) {
  if (tiles.empty()) return {};
  const int rows = ceil_div(static_cast<int>(tiles.size()), columns);
  const int tile_w = tiles.front().width, tile_h = tiles.front().height;
  Picture picture(columns * tile_w + (columns - 1) * gap, rows * tile_h + (rows - 1) * gap,
                  kGapColour);
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    const int row = static_cast<int>(i) / columns, column = static_cast<int>(i) % columns;
    picture.paste(tiles[i], column * (tile_w + gap), row * (tile_h + gap));
  }
  return picture;
}

float largest_magnitude(const float* values, std::size_t count) {
  float largest = 0;
  for (std::size_t i = 0; i < count; ++i) largest = std::max(largest, std::fabs(values[i]));
  return largest;
}

// Filter `k`'s tile for input channel `c`, each cell `cell` pixels.
Picture filter_tile(const float* kernel, int kernel_h, int kernel_w, int in_channels,
                    int out_channels, int c, int k, float scale, int cell) {
  return cells(kernel_h, kernel_w, cell, [&](int y, int x) {
    const float w =
        kernel[((static_cast<std::size_t>(y) * kernel_w + x) * in_channels + c) * out_channels + k];
    return diverging(scale > 0 ? w / scale : 0.0);
  });
}

// Text in stb's easy font (digits about 7 pixels high at scale 1), each of its quads a
// rectangle of `scale`-times-larger pixels, centred on (centre_x, centre_y).
void draw_text(Picture& picture, const std::string& text, int centre_x, int centre_y, int scale,
               Rgb colour) {
  std::string buffer = text;
  std::vector<char> vertices(text.size() * 2048 + 64); // a glyph has at most 32 quads of 64 bytes
  const int quads = stb_easy_font_print(0, 0, buffer.data(), nullptr, vertices.data(),
                                        static_cast<int>(vertices.size()));
  struct Vertex {
    float x, y, z;
    unsigned char colour[4];
  };
  static_assert(sizeof(Vertex) == 16);
  std::vector<Vertex> corners(static_cast<std::size_t>(4 * quads));
  std::memcpy(corners.data(), vertices.data(), corners.size() * sizeof(Vertex));
  float left = 1e9f, top = 1e9f, right = -1e9f, bottom = -1e9f;
  for (const Vertex& corner : corners) {
    left = std::min(left, corner.x);
    right = std::max(right, corner.x);
    top = std::min(top, corner.y);
    bottom = std::max(bottom, corner.y);
  }
  const int origin_x = centre_x - static_cast<int>(std::lround((left + right) * scale / 2));
  const int origin_y = centre_y - static_cast<int>(std::lround((top + bottom) * scale / 2));
  for (std::size_t q = 0; q < corners.size(); q += 4) {
    const Vertex* c = corners.data() + q;
    const float x0 = std::min({c[0].x, c[1].x, c[2].x, c[3].x});
    const float x1 = std::max({c[0].x, c[1].x, c[2].x, c[3].x});
    const float y0 = std::min({c[0].y, c[1].y, c[2].y, c[3].y});
    const float y1 = std::max({c[0].y, c[1].y, c[2].y, c[3].y});
    for (int y = static_cast<int>(y0 * scale); y < static_cast<int>(y1 * scale); ++y)
      for (int x = static_cast<int>(x0 * scale); x < static_cast<int>(x1 * scale); ++x)
        if (origin_x + x >= 0 && origin_x + x < picture.width && origin_y + y >= 0 &&
            origin_y + y < picture.height)
          picture.set(origin_x + x, origin_y + y, colour);
  }
}

// A weight as the lecture writes it: up to three significant digits ("-1", "8", "0.111").
std::string weight_text(float weight) {
  return fmt::format("{:.3g}", weight == 0 ? 0.0f : weight); // no "-0"
}

// Each cell of a filter's tile labelled with its weight, black on light colours and white on
// dark ones, as large as the widest label fits the cell (nothing when it does not).
void label_cells(Picture& tile, const float* kernel, int kernel_h, int kernel_w, int in_channels,
                 int out_channels, int c, int k, int cell) {
  std::vector<std::string> texts;
  int widest = 1;
  for (int tap = 0; tap < kernel_h * kernel_w; ++tap) {
    texts.push_back(
        weight_text(kernel[(static_cast<std::size_t>(tap) * in_channels + c) * out_channels + k]));
    widest = std::max(widest, stb_easy_font_width(texts.back().data()));
  }
  const int scale = std::min(3, (cell - 6) / widest);
  if (scale < 1) return;
  for (int tap = 0; tap < kernel_h * kernel_w; ++tap) {
    const int x = (tap % kernel_w) * cell + cell / 2, y = (tap / kernel_w) * cell + cell / 2;
    const Rgb under = tile.at(x, y);
    const bool dark = 0.299 * under.r + 0.587 * under.g + 0.114 * under.b < 128;
    draw_text(tile, texts[static_cast<std::size_t>(tap)], x, y, scale,
              dark ? Rgb{255, 255, 255} : Rgb{0, 0, 0});
  }
}

void append_png(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                             static_cast<std::size_t>(size));
}

} // namespace

Picture::Picture(int width, int height, Rgb background)
    : width(width), height(height),
      rgb(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3) {
  for (std::size_t i = 0; i < rgb.size(); i += 3) {
    rgb[i] = background.r;
    rgb[i + 1] = background.g;
    rgb[i + 2] = background.b;
  }
}

Rgb Picture::at(int x, int y) const {
  const std::size_t i = (static_cast<std::size_t>(y) * width + x) * 3;
  return {rgb[i], rgb[i + 1], rgb[i + 2]};
}

void Picture::set(int x, int y, Rgb colour) {
  const std::size_t i = (static_cast<std::size_t>(y) * width + x) * 3;
  rgb[i] = colour.r;
  rgb[i + 1] = colour.g;
  rgb[i + 2] = colour.b;
}

void Picture::paste(const Picture& tile, int x, int y) {
  for (int ty = 0; ty < tile.height; ++ty)
    for (int tx = 0; tx < tile.width; ++tx) set(x + tx, y + ty, tile.at(tx, ty));
}

Rgb grey(double t) {
  const std::uint8_t v = channel(255.0 * std::clamp(t, 0.0, 1.0));
  return {v, v, v};
}

Rgb diverging(double t) {
  t = std::clamp(t, -1.0, 1.0);
  if (t < 0) {
    const std::uint8_t v = channel(255.0 * (1.0 + t));
    return {v, v, 255};
  }
  const std::uint8_t v = channel(255.0 * (1.0 - t));
  return {255, v, v};
}

int filter_zoom(int kernel_h, int kernel_w) {
  return std::max(1, ceil_div(40, std::max(kernel_h, kernel_w)));
}

int map_zoom(int height, int width) {
  return std::max(1, ceil_div(64, std::max(height, width)));
}

int figure_zoom(int height, int width) {
  return std::max(1, ceil_div(128, std::max(height, width)));
}

Picture draw_filters(const float* kernel, int kernel_h, int kernel_w, int in_channels,
                     int out_channels) {
  const float scale = largest_magnitude(kernel, static_cast<std::size_t>(kernel_h) * kernel_w *
                                                    in_channels * out_channels);
  const int cell = filter_zoom(kernel_h, kernel_w);
  std::vector<Picture> tiles;
  for (int k = 0; k < out_channels; ++k)
    for (int c = 0; c < in_channels; ++c)
      tiles.push_back(
          filter_tile(kernel, kernel_h, kernel_w, in_channels, out_channels, c, k, scale, cell));
  return grid(tiles, in_channels, kGap);
}

Picture draw_feature_maps(const float* values, int height, int width, int channels) {
  const int zoom = map_zoom(height, width);
  std::vector<Picture> maps;
  for (int c = 0; c < channels; ++c) {
    const auto value = [&](int y, int x) {
      return values[(static_cast<std::size_t>(y) * width + x) * channels + c];
    };
    float low = value(0, 0), high = low;
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        low = std::min(low, value(y, x));
        high = std::max(high, value(y, x));
      }
    maps.push_back(cells(height, width, zoom, [&](int y, int x) {
      return high > low ? grey((static_cast<double>(value(y, x)) - low) / (high - low)) : grey(0);
    }));
  }
  const int columns = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(channels))));
  return grid(maps, columns, kGap);
}

Picture draw_image(const float* values, int height, int width, int channels, int zoom) {
  return cells(height, width, zoom, [&](int y, int x) {
    const float* pixel = values + (static_cast<std::size_t>(y) * width + x) * channels;
    if (channels == 3) return Rgb{grey(pixel[0]).r, grey(pixel[1]).r, grey(pixel[2]).r};
    double sum = 0;
    for (int c = 0; c < channels; ++c) sum += pixel[c];
    return grey(sum / channels);
  });
}

Picture draw_figure(const float* input, int in_h, int in_w, int in_c, const float* kernel,
                    int kernel_h, int kernel_w, const float* output, int out_h, int out_w,
                    int filters) {
  constexpr int kFigureGap = 8;
  const int zoom = figure_zoom(in_h, in_w);
  const Picture image = draw_image(input, in_h, in_w, in_c, zoom);
  const int row_height = std::max(in_h, out_h) * zoom;
  const int cell = std::max(1, row_height / kernel_h);
  const int tiles_width = in_c * kernel_w * cell + (in_c - 1) * kGap;
  const int width = image.width + tiles_width + out_w * zoom + 2 * kFigureGap;
  const int row_pitch = std::max(row_height, kernel_h * cell) + kFigureGap;
  Picture figure(width, filters * row_pitch - kFigureGap, kGapColour);
  for (int k = 0; k < filters; ++k) {
    const int top = k * row_pitch;
    figure.paste(image, 0, top);
    // Each filter on its own scale, the largest |w| of its weights, as the lecture shows it alone.
    float scale = 0;
    for (int tap = 0; tap < kernel_h * kernel_w; ++tap)
      for (int c = 0; c < in_c; ++c)
        scale = std::max(
            scale, std::fabs(kernel[(static_cast<std::size_t>(tap) * in_c + c) * filters + k]));
    for (int c = 0; c < in_c; ++c) {
      Picture tile = filter_tile(kernel, kernel_h, kernel_w, in_c, filters, c, k, scale, cell);
      label_cells(tile, kernel, kernel_h, kernel_w, in_c, filters, c, k, cell);
      figure.paste(tile, image.width + kFigureGap + c * (kernel_w * cell + kGap), top);
    }
    figure.paste(cells(out_h, out_w, zoom,
                       [&](int y, int x) {
                         return grey(
                             output[(static_cast<std::size_t>(y) * out_w + x) * filters + k]);
                       }),
                 image.width + kFigureGap + tiles_width + kFigureGap, top);
  }
  return figure;
}

std::string encode_png(const Picture& picture) {
  std::string bytes;
  if (picture.width <= 0 || picture.height <= 0 ||
      !stbi_write_png_to_func(append_png, &bytes, picture.width, picture.height, 3,
                              picture.rgb.data(), picture.width * 3))
    throw std::logic_error(
        fmt::format("cannot encode a {}x{} picture as PNG", picture.width, picture.height));
  return bytes;
}

void write_png(const std::string& path, const Picture& picture) {
  write_file_atomically(path, encode_png(picture));
}

} // namespace cnn
