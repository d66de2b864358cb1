// The .npy reader on any file, as samples and as targets, then checked against a model's data
// spec: a malformed file is a DataError, never a crash.
#include "cnn/errors.hpp"
#include "cnn/readers.hpp"
#include "fuzz_input.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = (cnnc::fuzz::scratch_dir() / "input.npy").string();
  cnnc::fuzz::write_file(path, data, size);
  const cnn::DataSpec spec{.height = 2, .width = 2, .channels = 1, .classes = 10, .target_size = 2};
  try {
    const cnn::Samples samples = cnn::read_npy_samples(path);
    cnn::check_samples(samples, spec);
  } catch (const cnn::DataError&) {
  }
  try {
    const cnn::Targets targets = cnn::read_npy_targets(path);
    cnn::check_targets(targets, spec, targets.count());
  } catch (const cnn::DataError&) {
  }
  return 0;
}
