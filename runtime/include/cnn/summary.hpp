// The layers table of a generated model, printed from its kLayers.
#pragma once

#include "cnn/model_info.hpp"

#include <span>
#include <string>

namespace cnn {

// Name, kind, output shape, parameters and forward FLOPs per sample, then the totals.
std::string summary_table(const std::string& model_name, std::span<const LayerInfo> layers,
                          std::size_t param_count);

} // namespace cnn
