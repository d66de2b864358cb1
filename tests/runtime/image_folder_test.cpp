// Image files and class folders: decoding and channel conversion, the two folder layouts, the
// order of classes and files, and broken images and folders with their messages.
#include "cnn/errors.hpp"
#include "cnn/readers.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fmt/format.h>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

using Catch::Matchers::Contains;
using namespace cnn::test;
namespace fs = std::filesystem;

namespace {

// An image whose channel c of pixel i is (seed * 40 + i * 3 + c * 50) % 256.
std::vector<std::uint8_t> pattern(int height, int width, int channels, int seed) {
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(height) * width * channels);
  for (std::size_t i = 0; i < pixels.size(); ++i)
    pixels[i] =
        static_cast<std::uint8_t>((seed * 40 + (i / channels) * 3 + (i % channels) * 50) % 256);
  return pixels;
}

void write_png(const std::string& path, int height, int width, int channels, int seed) {
  fs::create_directories(fs::path(path).parent_path());
  const auto pixels = pattern(height, width, channels, seed);
  REQUIRE(stbi_write_png(path.c_str(), width, height, channels, pixels.data(), width * channels));
}

void write_bmp(const std::string& path, int height, int width, int channels, int seed) {
  fs::create_directories(fs::path(path).parent_path());
  const auto pixels = pattern(height, width, channels, seed);
  REQUIRE(stbi_write_bmp(path.c_str(), width, height, channels, pixels.data()));
}

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  write_bytes(path, std::vector<std::uint8_t>(text.begin(), text.end()));
}

const cnn::DataSpec kRgb{4, 5, 3, 3, 0};

// The bytes of sample n.
std::vector<std::uint8_t> sample(const cnn::Samples& samples, std::size_t n) {
  const auto begin = samples.bytes.begin() + static_cast<std::ptrdiff_t>(n * samples.sample_size());
  return {begin, begin + static_cast<std::ptrdiff_t>(samples.sample_size())};
}

} // namespace

TEST_CASE("read_image decodes a PNG as it was written") {
  TempDir dir;
  write_png(dir.file("a.png"), 4, 5, 3, 1);
  const auto image = cnn::read_image(dir.file("a.png"), 3);
  CHECK(image.height == 4);
  CHECK(image.width == 5);
  CHECK(image.channels == 3);
  CHECK(image.pixels == pattern(4, 5, 3, 1));
}

TEST_CASE("read_image converts grey to RGB and RGB to grey, and drops alpha") {
  TempDir dir;
  write_png(dir.file("grey.png"), 2, 3, 1, 2);
  const auto rgb = cnn::read_image(dir.file("grey.png"), 3);
  const auto grey = pattern(2, 3, 1, 2);
  REQUIRE(rgb.pixels.size() == 18);
  for (std::size_t i = 0; i < grey.size(); ++i)
    CHECK((rgb.pixels[3 * i] == grey[i] && rgb.pixels[3 * i + 1] == grey[i] &&
           rgb.pixels[3 * i + 2] == grey[i]));

  write_png(dir.file("rgba.png"), 2, 3, 4, 3);
  const auto opaque = cnn::read_image(dir.file("rgba.png"), 3);
  const auto rgba = pattern(2, 3, 4, 3);
  REQUIRE(opaque.pixels.size() == 18);
  for (std::size_t i = 0; i < 6; ++i)
    for (std::size_t c = 0; c < 3; ++c) CHECK(opaque.pixels[3 * i + c] == rgba[4 * i + c]);

  // Pure grey RGB stays that grey.
  std::vector<std::uint8_t> flat(2 * 2 * 3, 77);
  REQUIRE(stbi_write_png(dir.file("flat.png").c_str(), 2, 2, 3, flat.data(), 6));
  CHECK(cnn::read_image(dir.file("flat.png"), 1).pixels == std::vector<std::uint8_t>(4, 77));
}

TEST_CASE("read_image reads BMP files") {
  TempDir dir;
  write_bmp(dir.file("a.bmp"), 3, 4, 3, 5);
  CHECK(cnn::read_image(dir.file("a.bmp"), 3).pixels == pattern(3, 4, 3, 5));
}

TEST_CASE("a file that does not decode is rejected naming it and stb's reason") {
  TempDir dir;
  write_text(dir.file("broken.png"), "not an image at all");
  CHECK_THROWS_WITH(cnn::read_image(dir.file("broken.png"), 3), Contains(dir.file("broken.png")) &&
                                                                    Contains("cannot decode") &&
                                                                    Contains("unknown image type"));
  write_png(dir.file("cut.png"), 8, 8, 3, 1);
  auto bytes = read_bytes(dir.file("cut.png"));
  bytes.resize(bytes.size() / 2);
  write_bytes(dir.file("cut.png"), bytes);
  CHECK_THROWS_WITH(cnn::read_image(dir.file("cut.png"), 3),
                    Contains(dir.file("cut.png")) && Contains("cannot decode"));
  CHECK_THROWS_WITH(cnn::read_image(dir.file("absent.png"), 3),
                    Contains(dir.file("absent.png")) && Contains("no such file"));
}

TEST_CASE("images are read as 1 or 3 channels only") {
  TempDir dir;
  write_png(dir.file("a.png"), 4, 5, 3, 1);
  CHECK_THROWS_WITH(cnn::read_image(dir.file("a.png"), 4),
                    Contains("expects 4 channels") && Contains("1 (grey) or 3 (RGB)"));
  CHECK_THROWS_WITH(cnn::read_image_files(dir.file("a.png"), {4, 5, 2, 3, 0}),
                    Contains("expects 2 channels"));
}

TEST_CASE("read_image_files reads one file, or a folder's image files sorted by name") {
  TempDir dir;
  write_png(dir.file("b.png"), 4, 5, 3, 2);
  write_bmp(dir.file("a.BMP"), 4, 5, 3, 1);
  write_png(dir.file("c.PNG"), 4, 5, 1, 3);
  write_text(dir.file("notes.txt"), "ignored");
  write_png(dir.file(".hidden.png"), 1, 1, 3, 0); // the wrong size, but skipped
  fs::create_directories(dir.file("sub.png"));    // a folder, skipped

  const auto one = cnn::read_image_files(dir.file("b.png"), kRgb);
  CHECK(one.path == dir.file("b.png"));
  CHECK(one.count == 1);
  CHECK(one.bytes == pattern(4, 5, 3, 2));

  const auto all = cnn::read_image_files(dir.str(), kRgb);
  CHECK(all.path == dir.str());
  REQUIRE(all.count == 3);
  CHECK((all.height == 4 && all.width == 5 && all.channels == 3));
  CHECK(sample(all, 0) == pattern(4, 5, 3, 1));
  CHECK(sample(all, 1) == pattern(4, 5, 3, 2));
  const auto grey = pattern(4, 5, 1, 3);
  CHECK(sample(all, 2)[3 * 7 + 2] == grey[7]);
}

TEST_CASE("a folder without image files is rejected, naming the extensions") {
  TempDir dir;
  write_text(dir.file("readme.md"), "no images here");
  CHECK_THROWS_WITH(cnn::read_image_files(dir.str(), kRgb),
                    Contains(dir.str()) && Contains("no image files") && Contains(".png"));
}

TEST_CASE("an image of another size than the model's names the file and both sizes") {
  TempDir dir;
  write_png(dir.file("a.png"), 28, 28, 1, 0);
  CHECK_THROWS_WITH(cnn::read_image_files(dir.file("a.png"), {32, 32, 1, 10, 0}),
                    Contains(dir.file("a.png") + ": image is 28x28, the model expects 32x32"));
  write_png(dir.file("b.png"), 2, 3, 1, 0);
  CHECK_THROWS_WITH(cnn::read_image_files(dir.file("b.png"), {3, 2, 1, 10, 0}),
                    Contains("image is 2x3, the model expects 3x2"));
}

TEST_CASE("train/<class> and test/<class>: classes are the sorted folder names, labels their "
          "index, ordered by class then file name") {
  TempDir dir;
  write_png(dir.file("train/dog/2.png"), 4, 5, 3, 4);
  write_png(dir.file("train/dog/1.png"), 4, 5, 3, 3);
  write_png(dir.file("train/cat/z.png"), 4, 5, 3, 2);
  write_png(dir.file("train/ant/x.jpg.png"), 4, 5, 3, 1);
  write_text(dir.file("train/ant/labels.csv"), "ignored");
  write_text(dir.file("train/README"), "a file beside the class folders, ignored");
  write_png(dir.file("test/cat/q.png"), 4, 5, 1, 5);
  CHECK(cnn::image_folder_has_split(dir.str(), cnn::Split::Train));
  CHECK(cnn::image_folder_has_split(dir.str(), cnn::Split::Test));

  const auto train = cnn::read_image_folder_split(dir.str(), cnn::Split::Train, kRgb);
  CHECK(train.class_names == std::vector<std::string>{"ant", "cat", "dog"});
  CHECK(train.targets.labels == std::vector<std::int32_t>{0, 1, 2, 2});
  CHECK(train.images.path == dir.file("train"));
  REQUIRE(train.size() == 4);
  for (int n = 0; n < 4; ++n) CHECK(sample(train.images, n) == pattern(4, 5, 3, n + 1));

  const auto test = cnn::read_image_folder_split(dir.str(), cnn::Split::Test, kRgb);
  CHECK(test.class_names == train.class_names);
  CHECK(test.targets.labels == std::vector<std::int32_t>{1});
}

TEST_CASE("class folders alone are the training split, and there is no test split") {
  TempDir dir;
  write_png(dir.file("zero/a.png"), 4, 5, 3, 1);
  write_png(dir.file("one/a.png"), 4, 5, 3, 2);
  write_png(dir.file(".git/a.png"), 4, 5, 3, 3); // a hidden folder is no class
  CHECK(cnn::image_folder_has_split(dir.str(), cnn::Split::Train));
  CHECK_FALSE(cnn::image_folder_has_split(dir.str(), cnn::Split::Test));
  const auto data = cnn::read_image_folder_split(dir.str(), cnn::Split::Train, kRgb);
  CHECK(data.class_names == std::vector<std::string>{"one", "zero"});
  CHECK(data.targets.labels == std::vector<std::int32_t>{0, 1});
  CHECK(sample(data.images, 0) == pattern(4, 5, 3, 2));
  CHECK_THROWS_WITH(cnn::read_image_folder_split(dir.str(), cnn::Split::Test, kRgb),
                    Contains(dir.file("test")) && Contains("missing"));
}

TEST_CASE("a test split's labels follow the training split's classes") {
  TempDir dir;
  for (const char* name : {"a", "b", "c"})
    write_png(dir.file(std::string("train/") + name + "/1.png"), 4, 5, 3, 0);
  write_png(dir.file("test/c/1.png"), 4, 5, 3, 0);
  write_png(dir.file("test/b/1.png"), 4, 5, 3, 0);
  const auto test = cnn::read_image_folder_split(dir.str(), cnn::Split::Test, kRgb);
  CHECK(test.targets.labels == std::vector<std::int32_t>{1, 2});
  CHECK(test.class_names == std::vector<std::string>{"a", "b", "c"});

  write_png(dir.file("test/d/1.png"), 4, 5, 3, 0);
  CHECK_THROWS_WITH(cnn::read_image_folder_split(dir.str(), cnn::Split::Test, kRgb),
                    Contains(dir.file("test/d")) && Contains("not among the training split's") &&
                        Contains("a, b, c"));
}

TEST_CASE("an empty class folder is rejected") {
  TempDir dir;
  write_png(dir.file("train/a/1.png"), 4, 5, 3, 0);
  write_text(dir.file("train/b/notes.txt"), "no images");
  CHECK_THROWS_WITH(cnn::read_image_folder_split(dir.str(), cnn::Split::Train, kRgb),
                    Contains(dir.file("train/b")) && Contains("empty class folder"));
}

TEST_CASE("a split without class folders is rejected") {
  TempDir dir;
  write_png(dir.file("train/1.png"), 4, 5, 3, 0);
  CHECK_THROWS_WITH(cnn::read_image_folder_split(dir.str(), cnn::Split::Train, kRgb),
                    Contains(dir.file("train")) && Contains("no class folders"));
}

TEST_CASE("more class folders than the model has classes are rejected") {
  TempDir dir;
  for (const char* name : {"a", "b", "c", "d"})
    write_png(dir.file(std::string(name) + "/1.png"), 4, 5, 3, 0);
  CHECK_THROWS_WITH(cnn::read_image_folder_split(dir.str(), cnn::Split::Train, kRgb),
                    Contains("4 class folders (a, b, c, d)") && Contains("model has 3 classes"));
}

TEST_CASE("a class folder with a broken or wrongly sized image names that file") {
  TempDir dir;
  write_png(dir.file("a/1.png"), 4, 5, 3, 0);
  write_png(dir.file("b/1.png"), 5, 4, 3, 0);
  CHECK_THROWS_WITH(cnn::read_image_folder_split(dir.str(), cnn::Split::Train, kRgb),
                    Contains(dir.file("b/1.png") + ": image is 5x4, the model expects 4x5"));
  write_text(dir.file("b/1.png"), "garbage");
  CHECK_THROWS_WITH(cnn::read_image_folder_split(dir.str(), cnn::Split::Train, kRgb),
                    Contains(dir.file("b/1.png")) && Contains("cannot decode"));
}

TEST_CASE("many images are read in file order, and the first bad file in that order is named") {
  TempDir dir;
  const cnn::DataSpec spec{2, 2, 1, 2, 0};
  for (int n = 0; n < 700; ++n)
    write_png(dir.file(fmt::format("{}/{:04}.png", n % 2 == 0 ? "even" : "odd", n)), 2, 2, 1, n);
  const auto data = cnn::read_image_folder_split(dir.str(), cnn::Split::Train, spec);
  REQUIRE(data.size() == 700);
  for (int n = 0; n < 700; ++n) {
    const int written = n < 350 ? 2 * n : 2 * (n - 350) + 1;
    CHECK(sample(data.images, n) == pattern(2, 2, 1, written));
    CHECK(data.targets.labels[n] == (n < 350 ? 0 : 1));
  }
  // One bad file in each half of the list: the earlier one is reported, every time.
  write_text(dir.file("odd/0501.png"), "garbage");
  write_text(dir.file("even/0300.png"), "garbage");
  for (int run = 0; run < 3; ++run)
    CHECK_THROWS_WITH(cnn::read_image_folder_split(dir.str(), cnn::Split::Train, spec),
                      Contains(dir.file("even/0300.png")));
}

TEST_CASE("the coloured MNIST's images decode as 32x32 RGB with ten classes") {
  const std::string root = std::string(CNNC_SOURCE_DIR) + "/data/colour-mnist";
  const char* override_root = std::getenv("CNNC_COLOUR_MNIST");
  const std::string dir = override_root ? override_root : root;
  if (!fs::exists(dir + "/train/0")) {
    WARN(dir << " not found (scripts/fetch-data --colour makes it); skipped");
    return;
  }
  const cnn::DataSpec spec{32, 32, 3, 10, 0};
  for (const char* split : {"train", "test"})
    for (int digit : {0, 7, 9}) {
      const std::string folder = dir + "/" + split + "/" + std::to_string(digit);
      std::vector<std::string> files;
      for (const auto& entry : fs::directory_iterator(folder)) files.push_back(entry.path());
      REQUIRE(files.size() > 100);
      std::sort(files.begin(), files.end());
      const auto image = cnn::read_image(files.front(), 3);
      CHECK((image.height == 32 && image.width == 32));
      // A digit in one colour on a background of another, far apart.
      const auto [low, high] = std::minmax_element(image.pixels.begin(), image.pixels.end());
      CHECK(*high - *low > 40);
      const auto samples = cnn::read_image_files(files.back(), spec);
      CHECK(samples.count == 1);
    }
  CHECK(cnn::image_folder_has_split(dir, cnn::Split::Train));
  const auto test = cnn::read_image_folder_split(dir, cnn::Split::Test, spec);
  CHECK(test.size() == 10000);
  CHECK(test.class_names ==
        std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  CHECK(std::count(test.targets.labels.begin(), test.targets.labels.end(), 0) == 980);
}
