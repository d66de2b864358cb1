// CIFAR-10 and CIFAR-100 binary batches on synthetic records: planar to interleaved pixels, the
// batches of a split in order, class names, and broken files with their messages.
#include "cnn/errors.hpp"
#include "cnn/readers.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using namespace cnn::test;

namespace {

// Pixel i of plane c (0 R, 1 G, 2 B) of image `seed`.
std::uint8_t pixel(int seed, int c, int i) {
  return static_cast<std::uint8_t>(seed * 31 + c * 7 + i * 3);
}

// `labels` records: the label bytes, then 1024 R, 1024 G and 1024 B bytes each.
std::vector<std::uint8_t> batch(const std::vector<std::vector<std::uint8_t>>& labels,
                                int first_seed = 0) {
  std::vector<std::uint8_t> bytes;
  int seed = first_seed;
  for (const auto& label : labels) {
    bytes.insert(bytes.end(), label.begin(), label.end());
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 1024; ++i) bytes.push_back(pixel(seed, c, i));
    ++seed;
  }
  return bytes;
}

void write_text(const std::string& path, const std::string& text) {
  write_bytes(path, std::vector<std::uint8_t>(text.begin(), text.end()));
}

const cnn::DataSpec kCifar10{32, 32, 3, 10, 0};
const cnn::DataSpec kCifar100{32, 32, 3, 100, 0};

} // namespace

TEST_CASE("CIFAR-10 records become 32x32x3 interleaved images with their labels") {
  TempDir dir;
  write_bytes(dir.file("test_batch.bin"), batch({{3}, {9}}));
  REQUIRE(cnn::cifar_has_split(dir.str(), cnn::Split::Test));
  const auto data = cnn::read_cifar_split(dir.str(), cnn::Split::Test, kCifar10);
  CHECK(data.images.path == dir.file("test_batch.bin"));
  CHECK(data.size() == 2);
  CHECK(data.images.height == 32);
  CHECK(data.images.width == 32);
  CHECK(data.images.channels == 3);
  CHECK_FALSE(data.images.floats);
  CHECK(data.targets.labels == std::vector<std::int32_t>{3, 9});
  REQUIRE(data.images.bytes.size() == 2 * 3072);
  // Image 1, row 2, column 5: pixel 69 of each plane, as R, G, B side by side.
  const std::size_t at = 3072 + (2 * 32 + 5) * 3;
  CHECK(data.images.bytes[at] == pixel(1, 0, 69));
  CHECK(data.images.bytes[at + 1] == pixel(1, 1, 69));
  CHECK(data.images.bytes[at + 2] == pixel(1, 2, 69));
}

TEST_CASE("CIFAR-10's training split is every data batch present, in number order") {
  TempDir dir;
  write_bytes(dir.file("data_batch_3.bin"), batch({{7}}, 30));
  write_bytes(dir.file("data_batch_1.bin"), batch({{1}, {2}}, 10));
  CHECK(cnn::cifar_has_split(dir.str(), cnn::Split::Train));
  CHECK_FALSE(cnn::cifar_has_split(dir.str(), cnn::Split::Test));
  const auto data = cnn::read_cifar_split(dir.str(), cnn::Split::Train, kCifar10);
  CHECK(data.images.path == dir.str());
  CHECK(data.targets.labels == std::vector<std::int32_t>{1, 2, 7});
  CHECK(data.images.bytes[2 * 3072] == pixel(30, 0, 0));
  CHECK(data.images.bytes[3072 + 1] == pixel(11, 1, 0));
}

TEST_CASE("CIFAR-10's class names come from batches.meta.txt, blank lines skipped") {
  TempDir dir;
  write_bytes(dir.file("data_batch_1.bin"), batch({{0}}));
  write_text(dir.file("batches.meta.txt"), "airplane\nautomobile\r\nbird\n\n\n");
  const auto data = cnn::read_cifar_split(dir.str(), cnn::Split::Train, kCifar10);
  CHECK(data.class_names == std::vector<std::string>{"airplane", "automobile", "bird"});
}

TEST_CASE("CIFAR-100 records carry coarse and fine labels; the fine label is used") {
  TempDir dir;
  write_bytes(dir.file("train.bin"), batch({{4, 72}, {1, 99}, {19, 0}}));
  write_bytes(dir.file("test.bin"), batch({{2, 50}}));
  write_text(dir.file("fine_label_names.txt"), "apple\naquarium_fish\n");
  const auto train = cnn::read_cifar_split(dir.str(), cnn::Split::Train, kCifar100);
  CHECK(train.targets.labels == std::vector<std::int32_t>{72, 99, 0});
  CHECK(train.images.bytes[3072 + 3 * 10 + 2] == pixel(1, 2, 10));
  CHECK(train.class_names == std::vector<std::string>{"apple", "aquarium_fish"});
  const auto test = cnn::read_cifar_split(dir.str(), cnn::Split::Test, kCifar100);
  CHECK(test.targets.labels == std::vector<std::int32_t>{50});
}

TEST_CASE("a CIFAR file that is not a whole number of records names the record size") {
  TempDir dir;
  auto bytes = batch({{1}, {2}});
  bytes.pop_back();
  write_bytes(dir.file("data_batch_1.bin"), bytes);
  CHECK_THROWS_WITH(cnn::read_cifar_split(dir.str(), cnn::Split::Train, kCifar10),
                    Contains(dir.file("data_batch_1.bin")) && Contains("6145 bytes") &&
                        Contains("3073-byte CIFAR-10 records"));
  TempDir hundred;
  write_bytes(hundred.file("train.bin"), batch({{1}}));
  CHECK_THROWS_WITH(cnn::read_cifar_split(hundred.str(), cnn::Split::Train, kCifar100),
                    Contains(hundred.file("train.bin")) && Contains("3074-byte CIFAR-100 records"));
}

TEST_CASE("an empty CIFAR batch is rejected") {
  TempDir dir;
  write_bytes(dir.file("test_batch.bin"), {});
  CHECK_THROWS_WITH(cnn::read_cifar_split(dir.str(), cnn::Split::Test, kCifar10),
                    Contains(dir.file("test_batch.bin")) && Contains("empty") &&
                        Contains("3073-byte"));
}

TEST_CASE("a CIFAR label out of the model's range names the file and the record") {
  TempDir dir;
  write_bytes(dir.file("data_batch_1.bin"), batch({{0}}));
  write_bytes(dir.file("data_batch_2.bin"), batch({{1}, {10}}));
  CHECK_THROWS_WITH(cnn::read_cifar_split(dir.str(), cnn::Split::Train, kCifar10),
                    Contains(dir.file("data_batch_2.bin")) && Contains("label 10 of record 1") &&
                        Contains("10 classes"));
}

TEST_CASE("CIFAR images are rejected by a model of another input shape") {
  TempDir dir;
  write_bytes(dir.file("test_batch.bin"), batch({{0}}));
  CHECK_THROWS_WITH(cnn::read_cifar_split(dir.str(), cnn::Split::Test, {28, 28, 1, 10, 0}),
                    Contains(dir.file("test_batch.bin")) && Contains("samples are 32x32x3") &&
                        Contains("the model expects 28x28x1"));
}

TEST_CASE("a missing CIFAR split names the files expected") {
  TempDir dir;
  write_bytes(dir.file("test_batch.bin"), batch({{0}}));
  CHECK_FALSE(cnn::cifar_has_split(dir.str(), cnn::Split::Train));
  CHECK_THROWS_WITH(cnn::read_cifar_split(dir.str(), cnn::Split::Train, kCifar10),
                    Contains(dir.str()) && Contains("data_batch_1.bin to data_batch_5.bin"));
  TempDir empty;
  CHECK_FALSE(cnn::cifar_has_split(empty.str(), cnn::Split::Train));
  CHECK_THROWS_WITH(cnn::read_cifar_split(empty.str(), cnn::Split::Train, kCifar10),
                    Contains("no CIFAR binary batches") && Contains("train.bin"));
}
