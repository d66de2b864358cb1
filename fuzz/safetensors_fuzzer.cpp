// The safetensors reader on any file, then the weights and checkpoint loaders on what it
// accepts, for a small model (tiny_model.hpp): a malformed or mismatched file is a DataError,
// never a crash or a write outside the parameter and optimizer blocks.
#include "cnn/checkpoint.hpp"
#include "cnn/errors.hpp"
#include "cnn/optimizer.hpp"
#include "cnn/safetensors.hpp"
#include "cnn/weights.hpp"
#include "fuzz_input.hpp"
#include "tiny_model.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = (cnnc::fuzz::scratch_dir() / "input.safetensors").string();
  cnnc::fuzz::write_file(path, data, size);
  std::optional<cnn::Safetensors> file;
  try {
    file = cnn::read_safetensors(path);
  } catch (const cnn::DataError&) {
    return 0;
  }
  for (const auto& entry : file->entries)
    if (file->find(entry.name) == nullptr) cnnc::fuzz::fail("an entry that find() misses");

  const cnn::ModelTensors model = cnnc::fuzz::tiny_model();
  std::vector<float> params(model.param_count);
  try {
    cnn::load_weights(*file, model, params.data());
  } catch (const cnn::DataError&) {
  }
  try {
    cnn::checkpoint_epoch(*file);
  } catch (const cnn::DataError&) {
  }
  try {
    cnn::checkpoint_layer(*file);
  } catch (const cnn::DataError&) {
  }
  try {
    cnn::Optimizer optimizer(cnnc::fuzz::kTinyOptimizer, model.param_count, model.tensors);
    cnn::load_checkpoint(*file, model, params.data(), optimizer);
  } catch (const cnn::DataError&) {
  }
  return 0;
}
