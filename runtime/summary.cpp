// The layers table of a generated model.
#include "cnn/summary.hpp"

#include <fmt/format.h>

namespace cnn {
namespace {

std::string shape_text(const LayerInfo& layer) {
  if (layer.rank == 1) return fmt::format("({})", layer.out_dims[0]);
  return fmt::format("({}, {}, {})", layer.out_dims[0], layer.out_dims[1], layer.out_dims[2]);
}

std::string grouped(std::uint64_t value) { // 38390 -> 38,390
  std::string digits = std::to_string(value), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

} // namespace

std::string summary_table(const std::string& model_name, std::span<const LayerInfo> layers,
                          std::size_t param_count, std::span<const TensorInfo> tensors) {
  std::string out = fmt::format("Model: {}\n", model_name);
  const std::string rule(78, '-');
  out += fmt::format("{}\n{:<34}{:<16}{:>10}{:>18}\n{}\n", rule, "Layer (type)", "Output shape",
                     "Params", "Forward FLOPs", std::string(78, '='));
  std::uint64_t forward = 0, backward = 0;
  for (const auto& layer : layers) {
    out += fmt::format("{:<34}{:<16}{:>10}{:>18}\n", fmt::format("{} ({})", layer.name, layer.kind),
                       shape_text(layer), grouped(layer.params), grouped(layer.forward_flops));
    forward += layer.forward_flops;
    backward += layer.backward_flops;
  }
  out += fmt::format("{}\nTotal params: {}\n", std::string(78, '='), grouped(param_count));
  if (!tensors.empty()) {
    std::uint64_t fixed = 0;
    for (const auto& tensor : tensors)
      if (!tensor.trainable) fixed += tensor.size;
    out += fmt::format("Trainable params: {}\nNon-trainable params: {}\n",
                       grouped(param_count - fixed), grouped(fixed));
  }
  out += fmt::format("FLOPs per sample: {} forward, {} backward\n", grouped(forward),
                     grouped(backward));
  return out;
}

} // namespace cnn
