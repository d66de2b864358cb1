// IDX reading: good files raw and gzipped, 3-D and 4-D images of bytes or floats, labels and
// real-valued targets, and every kind of bad file with its message.
#include "cnn/dataset.hpp"
#include "cnn/errors.hpp"
#include "cnn/readers.hpp"
#include "temp_dir.hpp"

#include <bit>
#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using cnn::DataError;
using namespace cnn::test;

namespace {

cnn::DataSpec spec(int h, int w, int c, int classes = 10, int targets = 0) {
  cnn::DataSpec s;
  s.height = h;
  s.width = w;
  s.channels = c;
  s.classes = classes;
  s.target_size = targets;
  return s;
}

// An IDX file of big-endian floats (type 0x0D) with the given dimensions.
std::vector<std::uint8_t> idx_floats(const std::vector<std::uint32_t>& dims,
                                     const std::vector<float>& values) {
  std::vector<std::uint8_t> bytes{0, 0, 0x0D, static_cast<std::uint8_t>(dims.size())};
  for (auto d : dims) put_u32(bytes, d);
  for (float v : values) put_u32(bytes, std::bit_cast<std::uint32_t>(v));
  return bytes;
}

} // namespace

TEST_CASE("raw IDX images and labels are read with their dimensions and bytes") {
  TempDir dir;
  write_bytes(dir.file("train-images-idx3-ubyte"), idx_images(3, 4, 5));
  write_bytes(dir.file("train-labels-idx1-ubyte"), idx_labels({2, 0, 9}));
  const auto data = cnn::read_idx_split(dir.str(), cnn::Split::Train, spec(4, 5, 1));
  CHECK(data.size() == 3);
  CHECK(data.images.height == 4);
  CHECK(data.images.width == 5);
  CHECK(data.images.channels == 1);
  REQUIRE(data.images.bytes.size() == 60);
  CHECK(data.images.bytes[20 + 3] == (1 * 7 + 3) % 256); // image 1, pixel 3
  CHECK(data.targets.labels == std::vector<std::int32_t>{2, 0, 9});
}

TEST_CASE("gzipped IDX files are detected by their magic and inflated") {
  TempDir dir;
  const auto images = idx_images(50, 28, 28);
  write_gzip(dir.file("t10k-images-idx3-ubyte.gz"), images);
  write_gzip(dir.file("t10k-labels-idx1-ubyte.gz"), idx_labels(std::vector<std::uint8_t>(50, 4)));
  CHECK(cnn::idx_has_split(dir.str(), cnn::Split::Test));
  CHECK(!cnn::idx_has_split(dir.str(), cnn::Split::Train));
  const auto data = cnn::read_idx_split(dir.str(), cnn::Split::Test, spec(28, 28, 1));
  CHECK(data.size() == 50);
  CHECK(data.images.bytes == std::vector<std::uint8_t>(images.begin() + 16, images.end()));
}

TEST_CASE("4-D IDX images carry their channel count") {
  TempDir dir;
  std::vector<std::uint8_t> bytes{0, 0, 0x08, 4};
  for (std::uint32_t d : {2u, 3u, 3u, 3u}) put_u32(bytes, d);
  for (int i = 0; i < 54; ++i) bytes.push_back(static_cast<std::uint8_t>(i));
  write_bytes(dir.file("colour"), bytes);
  const auto samples = cnn::read_idx_samples(dir.file("colour"));
  CHECK(samples.count == 2);
  CHECK(samples.channels == 3);
  CHECK(samples.bytes[27] == 27);
  CHECK_NOTHROW(cnn::check_samples(samples, spec(3, 3, 3)));
  CHECK_THROWS_WITH(cnn::check_samples(samples, spec(3, 3, 1)),
                    Contains(dir.file("colour")) && Contains("samples are 3x3x3") &&
                        Contains("the model expects 3x3x1"));
}

TEST_CASE("float IDX images and real-valued targets are read as floats") {
  TempDir dir;
  write_bytes(dir.file("test-images-idx3-float"), idx_floats({2, 1, 2}, {0.5f, -1, 2, 3.25f}));
  write_bytes(dir.file("test-targets-idx2-float"), idx_floats({2, 2}, {1, 2, 3, 4}));
  const auto data = cnn::read_idx_split(dir.str(), cnn::Split::Test, spec(1, 2, 1, 0, 2));
  CHECK(data.images.floats);
  CHECK(data.images.values == std::vector<float>{0.5f, -1, 2, 3.25f});
  CHECK(data.targets.real());
  CHECK(data.targets.width == 2);
  CHECK(data.targets.values == std::vector<float>{1, 2, 3, 4});
  CHECK_THROWS_WITH(cnn::read_idx_split(dir.str(), cnn::Split::Test, spec(1, 2, 1, 10, 0)),
                    Contains("real-valued targets") && Contains("needs integer class labels"));
  CHECK_THROWS_WITH(cnn::read_idx_split(dir.str(), cnn::Split::Test, spec(1, 2, 1, 0, 3)),
                    Contains("2 targets per sample, the model has 3 outputs"));
}

TEST_CASE("a non-finite target is rejected with its position") {
  TempDir dir;
  write_bytes(dir.file("targets"),
              idx_floats({2, 1}, {1, std::numeric_limits<float>::quiet_NaN()}));
  CHECK_THROWS_WITH(cnn::read_idx_targets(dir.file("targets")),
                    Contains("target 0 of item 1 is nan"));
}

TEST_CASE("a missing split file is named, and two candidate files are ambiguous") {
  TempDir dir;
  write_bytes(dir.file("train-images-idx3-ubyte"), idx_images(1, 2, 2));
  CHECK_THROWS_WITH(cnn::read_idx_split(dir.str(), cnn::Split::Train, spec(2, 2, 1)),
                    Contains("no train labels file"));
  write_bytes(dir.file("train-images-v2"), idx_images(1, 2, 2));
  CHECK_THROWS_WITH(cnn::read_idx_split(dir.str(), cnn::Split::Train, spec(2, 2, 1)),
                    Contains("several files start with 'train-images'"));
  CHECK_THROWS_WITH(cnn::read_idx_split(dir.file("nope"), cnn::Split::Train, spec(2, 2, 1)),
                    Contains("no such data folder"));
}

TEST_CASE("a truncated image file is rejected naming the file and the sizes") {
  TempDir dir;
  auto bytes = idx_images(3, 4, 5);
  bytes.resize(bytes.size() - 7);
  write_bytes(dir.file("images"), bytes);
  CHECK_THROWS_WITH(cnn::read_idx_samples(dir.file("images")),
                    Contains(dir.file("images")) && Contains("truncated") &&
                        Contains("3x4x5 unsigned bytes") && Contains("53 bytes follow"));
}

TEST_CASE("a truncated gzip stream is rejected as truncated") {
  TempDir dir;
  write_gzip(dir.file("full.gz"), idx_images(20, 28, 28));
  auto packed = read_bytes(dir.file("full.gz"));
  packed.resize(packed.size() / 2);
  write_bytes(dir.file("half.gz"), packed);
  CHECK_THROWS_WITH(cnn::read_idx_samples(dir.file("half.gz")),
                    Contains(dir.file("half.gz")) && Contains("truncated gzip"));
}

TEST_CASE("a gzip file of several members is read whole, as gzip -d reads it") {
  TempDir dir;
  const auto images = idx_images(20, 28, 28);
  // `gzip -c head >f; gzip -c tail >>f`: two members, split inside the header.
  write_gzip(dir.file("head.gz"), {images.begin(), images.begin() + 10});
  write_gzip(dir.file("tail.gz"), {images.begin() + 10, images.end()});
  auto both = read_bytes(dir.file("head.gz"));
  const auto tail = read_bytes(dir.file("tail.gz"));
  both.insert(both.end(), tail.begin(), tail.end());
  write_bytes(dir.file("images.gz"), both);
  const auto samples = cnn::read_idx_samples(dir.file("images.gz"));
  CHECK(samples.count == 20);
  CHECK(samples.bytes == std::vector<std::uint8_t>(images.begin() + 16, images.end()));
}

TEST_CASE("bytes after the last gzip member are rejected, not ignored") {
  TempDir dir;
  write_gzip(dir.file("images.gz"), idx_images(20, 28, 28));
  auto bytes = read_bytes(dir.file("images.gz"));
  bytes.insert(bytes.end(), {'j', 'u', 'n', 'k'});
  write_bytes(dir.file("junk.gz"), bytes);
  CHECK_THROWS_WITH(cnn::read_idx_samples(dir.file("junk.gz")),
                    Contains(dir.file("junk.gz")) &&
                        Contains("4 bytes after the end of the gzip data are not another gzip "
                                 "member"));
}

TEST_CASE("a gzip file that inflates past its header's size stops there") {
  TempDir dir;
  // The header declares 1 image of 28x28 (800 bytes in all); the stream holds 64 MiB of zeros,
  // which deflate packs into about 64 KB. Reading stops at the declared size.
  auto bomb = idx_images(1, 28, 28);
  bomb.resize(std::size_t{64} << 20, 0);
  write_gzip(dir.file("bomb.gz"), bomb);
  REQUIRE(std::filesystem::file_size(dir.file("bomb.gz")) < std::size_t{1} << 20);
  CHECK_THROWS_WITH(cnn::read_idx_samples(dir.file("bomb.gz")),
                    Contains(dir.file("bomb.gz")) &&
                        Contains("inflates to more than the 800 bytes its header declares"));
  // A header that declares more than the stream holds is reported as truncated.
  auto short_data = idx_images(100, 28, 28);
  short_data.resize(16 + 28 * 28 * 50);
  write_gzip(dir.file("short.gz"), short_data);
  CHECK_THROWS_WITH(cnn::read_idx_samples(dir.file("short.gz")), Contains("truncated"));
}

TEST_CASE("a header cut short is rejected") {
  TempDir dir;
  auto bytes = idx_images(1, 2, 2);
  bytes.resize(10);
  write_bytes(dir.file("images"), bytes);
  CHECK_THROWS_WITH(cnn::read_idx_samples(dir.file("images")), Contains("truncated header"));
  write_bytes(dir.file("tiny"), {0, 0});
  CHECK_THROWS_WITH(cnn::read_idx_samples(dir.file("tiny")), Contains("too short"));
}

TEST_CASE("trailing bytes after the declared data are rejected") {
  TempDir dir;
  auto bytes = idx_labels({1, 2, 3});
  bytes.push_back(0);
  bytes.push_back(0);
  write_bytes(dir.file("labels"), bytes);
  CHECK_THROWS_WITH(cnn::read_idx_targets(dir.file("labels")),
                    Contains(dir.file("labels")) && Contains("2 trailing bytes"));
}

TEST_CASE("a wrong magic number is rejected, and labels are no images") {
  TempDir dir;
  write_bytes(dir.file("labels"), idx_labels({1}));
  CHECK_THROWS_WITH(cnn::read_idx_samples(dir.file("labels")),
                    Contains("1 dimensions (1); images need 3 (N, H, W) or 4 (N, H, W, C)"));
  write_bytes(dir.file("junk"), {'h', 'e', 'l', 'l', 'o', '!', '!', '!'});
  CHECK_THROWS_WITH(cnn::read_idx_targets(dir.file("junk")),
                    Contains(dir.file("junk")) && Contains("magic number"));
}

TEST_CASE("zero image dimensions are rejected") {
  TempDir dir;
  write_bytes(dir.file("images"), idx_images(2, 0, 28));
  CHECK_THROWS_WITH(cnn::read_idx_samples(dir.file("images")),
                    Contains("image dimensions 2x0x28 must each be 1 to 65536"));
}

TEST_CASE("image and label counts must agree") {
  TempDir dir;
  write_bytes(dir.file("train-images-idx3-ubyte"), idx_images(3, 2, 2));
  write_bytes(dir.file("train-labels-idx1-ubyte"), idx_labels({1, 2}));
  CHECK_THROWS_WITH(cnn::read_idx_split(dir.str(), cnn::Split::Train, spec(2, 2, 1)),
                    Contains(dir.file("train-labels-idx1-ubyte")) && Contains("2 labels") &&
                        Contains("3 samples"));
}

TEST_CASE("a label at or above the class count is rejected with its position") {
  TempDir dir;
  write_bytes(dir.file("train-images-idx3-ubyte"), idx_images(3, 2, 2));
  write_bytes(dir.file("train-labels-idx1-ubyte"), idx_labels({1, 10, 2}));
  CHECK_THROWS_WITH(cnn::read_idx_split(dir.str(), cnn::Split::Train, spec(2, 2, 1)),
                    Contains("label 10 of item 1") && Contains("10 classes"));
}

TEST_CASE("a directory or a missing file is rejected by name") {
  TempDir dir;
  CHECK_THROWS_WITH(cnn::read_idx_samples(dir.str()),
                    Contains(dir.str()) && Contains("is a directory"));
  CHECK_THROWS_WITH(cnn::read_idx_targets(dir.file("absent")),
                    Contains(dir.file("absent")) && Contains("no such file"));
}
