// A model's parameters in a safetensors file, checked against the model's tensor table.
#include "cnn/weights.hpp"

#include "cnn/errors.hpp"

#include <fmt/format.h>

namespace cnn {
namespace {

std::vector<std::int64_t> shape_of(const TensorInfo& tensor) {
  return std::vector<std::int64_t>(tensor.dims, tensor.dims + tensor.rank);
}

} // namespace

std::vector<TensorView> weight_views(const ModelTensors& model, const float* params) {
  std::vector<TensorView> views;
  for (const auto& tensor : model.tensors)
    views.push_back({tensor.name, shape_of(tensor), params + tensor.offset});
  return views;
}

void save_weights(const std::string& path, const ModelTensors& model, const float* params,
                  std::map<std::string, std::string> metadata) {
  metadata["model"] = model.name;
  metadata["format"] = "cnnc-weights";
  write_safetensors(path, weight_views(model, params), metadata);
}

void load_weights(const Safetensors& file, const ModelTensors& model, float* params) {
  const auto model_name = file.metadata.count("model") ? file.metadata.at("model") : "?";
  for (const auto& tensor : model.tensors) {
    const auto* entry = file.find(tensor.name);
    if (!entry)
      throw DataError(fmt::format("{}: has no tensor '{}' that model {} needs (saved by model {})",
                                  file.path, tensor.name, model.name, model_name));
    if (entry->dtype != "F32")
      throw DataError(fmt::format("{}: tensor '{}' has dtype {}, expected F32", file.path,
                                  tensor.name, entry->dtype));
    if (entry->shape != shape_of(tensor))
      throw DataError(fmt::format("{}: tensor '{}' has shape [{}], model {} expects [{}]",
                                  file.path, tensor.name, fmt::join(entry->shape, ", "), model.name,
                                  fmt::join(shape_of(tensor), ", ")));
  }
  const auto format = file.metadata.find("format");
  const bool checkpoint = format != file.metadata.end() && format->second == kCheckpointFormat;
  for (const auto& entry : file.entries) {
    bool known = false;
    for (const auto& tensor : model.tensors) known = known || entry.name == tensor.name;
    const bool allowed =
        checkpoint && (entry.name.starts_with("optimizer.") || entry.name.starts_with("best."));
    if (!known && !allowed)
      throw DataError(fmt::format("{}: tensor '{}' does not belong to model {}", file.path,
                                  entry.name, model.name));
  }
  for (const auto& tensor : model.tensors)
    file.copy_f32(*file.find(tensor.name), params + tensor.offset);
}

} // namespace cnn
