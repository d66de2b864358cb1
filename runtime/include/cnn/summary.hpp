// The layers table of a generated model, printed from its kLayers.
#pragma once

#include "cnn/model_info.hpp"

#include <span>
#include <string>

namespace cnn {

// Name, kind, output shape, parameters and forward FLOPs per sample, then the totals; with
// the tensor table, also the trainable and non-trainable counts, as Keras prints them.
std::string summary_table(const std::string& model_name, std::span<const LayerInfo> layers,
                          std::size_t param_count, std::span<const TensorInfo> tensors = {});

} // namespace cnn
