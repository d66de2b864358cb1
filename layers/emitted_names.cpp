// The identifiers made from a layer's name, from the layer kinds' descriptors (the same buffer
// lists and tensors the generator reads) and the naming rules codegen/model.cpp follows.
#include "layers/emitted_names.hpp"

#include <cctype>

#include "layers/kernel.hpp"
#include "layers/layer_type.hpp"

namespace cnnc {

std::string offset_constant(const std::string& layer, const std::string& role) {
  std::string name = "k";
  bool upper = true;
  for (char ch : layer + "_" + role) {
    if (ch == '_') {
      upper = true;
      continue;
    }
    name += upper ? char(std::toupper(static_cast<unsigned char>(ch))) : ch;
    upper = false;
  }
  return name;
}

std::vector<EmittedName> emitted_names(const Model& model, std::size_t index) {
  const Layer& layer = model.layers[index];
  const std::string& base = layer.name;
  std::vector<EmittedName> names;
  if (layer.type->owns_output) {
    names.push_back({base + "_out", layer.output.size(), true});
    names.push_back({base + "_grad", layer.output.size(), true});
  }
  for (const char* kernel : {"_forward", "_backward", "_forward_one"})
    names.push_back({base + kernel});
  if (layer.type->batch_statistics) {
    for (const char* stage :
         {"_forward_sums", "_finish_forward", "_forward_batch", "_backward_sums",
          "_finish_backward", "_backward_batch", "_update_moving"})
      names.push_back({base + stage});
  }
  // The layer's kernels pass a gradient on unless no earlier layer computes anything.
  bool first = true;
  for (std::size_t i = 0; i < index; ++i)
    if (model.layers[i].type->owns_output) first = false;
  LayerContext context;
  context.model = &model;
  context.layer = &layer;
  context.index = int(index);
  context.input = "input";
  context.input_grad = first ? "" : "input_grad";
  for (const Buffer& buffer : layer.type->extra_buffers(context))
    names.push_back({buffer.name, buffer.size, true});
  if (const OneSampleKernel* one = layer.type->one_sample; one && one->serves(layer)) {
    for (const Buffer& buffer : one->scratch(context))
      names.push_back({buffer.name, buffer.size, false});
  }
  for (const TensorShape& tensor : layer.type->tensors(layer)) {
    names.push_back({offset_constant(base, tensor.role)});
    // Fixed values from the model file: an array beside the offset.
    if (!tensor.values.empty()) names.push_back({offset_constant(base, tensor.role) + "Values"});
  }
  return names;
}

} // namespace cnnc
