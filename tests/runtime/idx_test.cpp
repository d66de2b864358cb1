// IDX reading: good files raw and gzipped, and every kind of bad file with its message.
#include "cnn/errors.hpp"
#include "cnn/idx.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using cnn::DataError;
using namespace cnn::test;

TEST_CASE("raw IDX images and labels are read with their dimensions and bytes") {
  TempDir dir;
  write_bytes(dir.file("images"), idx_images(3, 4, 5));
  write_bytes(dir.file("labels"), idx_labels({2, 0, 9}));
  const auto data = cnn::read_dataset(dir.file("images"), dir.file("labels"), 10);
  CHECK(data.size() == 3);
  CHECK(data.images.rows == 4);
  CHECK(data.images.cols == 5);
  REQUIRE(data.images.pixels.size() == 60);
  CHECK(data.images.pixels[20 + 3] == (1 * 7 + 3) % 256); // image 1, pixel 3
  CHECK(data.labels.labels == std::vector<std::uint8_t>{2, 0, 9});
}

TEST_CASE("gzipped IDX files are detected by their magic and inflated") {
  TempDir dir;
  const auto images = idx_images(50, 28, 28);
  write_gzip(dir.file("images.gz"), images);
  write_gzip(dir.file("labels.gz"), idx_labels(std::vector<std::uint8_t>(50, 4)));
  const auto data = cnn::read_dataset(dir.file("images.gz"), dir.file("labels.gz"), 10);
  CHECK(data.size() == 50);
  CHECK(data.images.pixels == std::vector<std::uint8_t>(images.begin() + 16, images.end()));
}

TEST_CASE("find_data_file prefers the raw name and falls back to .gz") {
  TempDir dir;
  write_bytes(dir.file("a.gz"), {1});
  CHECK(cnn::find_data_file(dir.str(), "a") == dir.file("a.gz"));
  write_bytes(dir.file("a"), {1});
  CHECK(cnn::find_data_file(dir.str(), "a") == dir.file("a"));
  CHECK_THROWS_WITH(cnn::find_data_file(dir.str(), "b"),
                    Contains("b") && Contains("missing") && Contains("fetch-data"));
  CHECK_THROWS_WITH(cnn::find_data_file(dir.file("nope"), "b"), Contains("no such data folder"));
}

TEST_CASE("a truncated image file is rejected naming the file and the sizes") {
  TempDir dir;
  auto bytes = idx_images(3, 4, 5);
  bytes.resize(bytes.size() - 7);
  write_bytes(dir.file("images"), bytes);
  CHECK_THROWS_WITH(cnn::read_idx_images(dir.file("images")),
                    Contains(dir.file("images")) && Contains("truncated") &&
                        Contains("3 images of 4x5") && Contains("53 bytes follow"));
}

TEST_CASE("a truncated gzip stream is rejected as truncated") {
  TempDir dir;
  write_gzip(dir.file("full.gz"), idx_images(20, 28, 28));
  auto packed = read_bytes(dir.file("full.gz"));
  packed.resize(packed.size() / 2);
  write_bytes(dir.file("half.gz"), packed);
  CHECK_THROWS_WITH(cnn::read_idx_images(dir.file("half.gz")),
                    Contains(dir.file("half.gz")) && Contains("truncated gzip"));
}

TEST_CASE("a header cut short is rejected") {
  TempDir dir;
  auto bytes = idx_images(1, 2, 2);
  bytes.resize(10);
  write_bytes(dir.file("images"), bytes);
  CHECK_THROWS_WITH(cnn::read_idx_images(dir.file("images")), Contains("truncated header"));
  write_bytes(dir.file("tiny"), {0, 0});
  CHECK_THROWS_WITH(cnn::read_idx_images(dir.file("tiny")), Contains("too short"));
}

TEST_CASE("trailing bytes after the declared data are rejected") {
  TempDir dir;
  auto bytes = idx_labels({1, 2, 3});
  bytes.push_back(0);
  bytes.push_back(0);
  write_bytes(dir.file("labels"), bytes);
  CHECK_THROWS_WITH(cnn::read_idx_labels(dir.file("labels")),
                    Contains(dir.file("labels")) && Contains("2 trailing bytes"));
}

TEST_CASE("a wrong magic number is rejected, saying what the file is") {
  TempDir dir;
  write_bytes(dir.file("labels"), idx_labels({1}));
  CHECK_THROWS_WITH(cnn::read_idx_images(dir.file("labels")), Contains("magic number 0x00000801") &&
                                                                  Contains("expected 0x00000803") &&
                                                                  Contains("this is a label file"));
  write_bytes(dir.file("junk"), {'h', 'e', 'l', 'l', 'o', '!', '!', '!'});
  CHECK_THROWS_WITH(cnn::read_idx_labels(dir.file("junk")),
                    Contains(dir.file("junk")) && Contains("magic number"));
}

TEST_CASE("zero image dimensions are rejected") {
  TempDir dir;
  write_bytes(dir.file("images"), idx_images(2, 0, 28));
  CHECK_THROWS_WITH(cnn::read_idx_images(dir.file("images")), Contains("image dimensions 0x28"));
}

TEST_CASE("image and label counts must agree") {
  TempDir dir;
  write_bytes(dir.file("images"), idx_images(3, 2, 2));
  write_bytes(dir.file("labels"), idx_labels({1, 2}));
  CHECK_THROWS_WITH(cnn::read_dataset(dir.file("images"), dir.file("labels"), 10),
                    Contains(dir.file("labels")) && Contains("2 labels") && Contains("3 images"));
}

TEST_CASE("a label at or above the class count is rejected with its position") {
  TempDir dir;
  write_bytes(dir.file("images"), idx_images(3, 2, 2));
  write_bytes(dir.file("labels"), idx_labels({1, 10, 2}));
  CHECK_THROWS_WITH(cnn::read_dataset(dir.file("images"), dir.file("labels"), 10),
                    Contains("label 10 of item 1") && Contains("10 classes"));
}

TEST_CASE("a directory or a missing file is rejected by name") {
  TempDir dir;
  CHECK_THROWS_WITH(cnn::read_idx_images(dir.str()),
                    Contains(dir.str()) && Contains("is a directory"));
  CHECK_THROWS_WITH(cnn::read_idx_labels(dir.file("absent")),
                    Contains(dir.file("absent")) && Contains("no such file"));
}
