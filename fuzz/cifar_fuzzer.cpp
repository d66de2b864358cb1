// The CIFAR binary reader on any folder: the input's first byte picks CIFAR-10 or CIFAR-100
// (bit 0) and whether a class-names file is written (bit 1, its length the second byte, its text
// the bytes after); the rest is the test batch. A malformed folder is a DataError, never a crash.
#include "cnn/errors.hpp"
#include "cnn/readers.hpp"
#include "fuzz_input.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return -1;
  const bool cifar100 = (data[0] & 1) != 0;
  const bool names = (data[0] & 2) != 0;
  const std::size_t names_size = names ? std::min<std::size_t>(data[1], size - 2) : 0;
  const std::uint8_t* batch = data + 2 + names_size;
  const std::size_t batch_size = size - 2 - names_size;

  const auto dir = cnnc::fuzz::scratch_dir() / "cifar";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  cnnc::fuzz::write_file(dir / (cifar100 ? "test.bin" : "test_batch.bin"), batch, batch_size);
  if (names)
    cnnc::fuzz::write_file(dir / (cifar100 ? "fine_label_names.txt" : "batches.meta.txt"), data + 2,
                           names_size);
  const cnn::DataSpec spec{.height = 32, .width = 32, .channels = 3, .classes = 100};
  try {
    const cnn::Dataset set = cnn::read_cifar_split(dir.string(), cnn::Split::Test, spec);
    cnn::check_dataset(set, spec);
  } catch (const cnn::DataError&) {
  }
  return 0;
}
