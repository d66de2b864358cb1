// A model's parameters in a safetensors file: one tensor per kTensors entry, named and shaped
// as kTensors says; loading checks the file against the model. Layout: docs/weights.md.
#pragma once

#include "cnn/model_info.hpp"
#include "cnn/safetensors.hpp"

#include <map>
#include <span>
#include <string>
#include <vector>

namespace cnn {

// What the weights file needs to know about a model; see `describe<Model>()`.
struct ModelTensors {
  const char* name;
  std::span<const TensorInfo> tensors;
  std::size_t param_count;
};

template <class Model>
ModelTensors describe() {
  return {Model::kName, std::span<const TensorInfo>(Model::kTensors, Model::kTensorCount),
          Model::kParamCount};
}

// The parameter tensors as views into `params`, in kTensors order.
std::vector<TensorView> weight_views(const ModelTensors& model, const float* params);

// Writes params (kParamCount floats) with metadata {"model": name} plus `metadata`.
void save_weights(const std::string& path, const ModelTensors& model, const float* params,
                  std::map<std::string, std::string> metadata = {});

// Copies the model's tensors from `file`, a weights file or a checkpoint, into params after
// checking names, dtypes and shapes. Tensors the model does not have are an error, but for a
// checkpoint's optimizer state ("optimizer.*") and early stopping's best weights ("best.*").
void load_weights(const Safetensors& file, const ModelTensors& model, float* params);

// The metadata "format" of checkpoints.
inline constexpr const char* kCheckpointFormat = "cnnc-checkpoint";

} // namespace cnn
