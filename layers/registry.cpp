// The list of layer kinds. Adding a kind is one file in layers/ defining its LayerType, and one
// line here.
#include <fmt/core.h>

#include <stdexcept>

#include "layers/layer_type.hpp"

#define CNNC_LAYER_TYPES(X)                                                                        \
  X(kConv2d)                                                                                       \
  X(kDepthwiseConv2d)                                                                              \
  X(kMaxPool)                                                                                      \
  X(kAvgPool)                                                                                      \
  X(kGlobalAvgPool)                                                                                \
  X(kFlatten)                                                                                      \
  X(kDense)                                                                                        \
  X(kActivation)

namespace cnnc {

#define CNNC_DECLARE(type) extern const LayerType type;
CNNC_LAYER_TYPES(CNNC_DECLARE)
#undef CNNC_DECLARE

std::span<const LayerType* const> layer_types() {
#define CNNC_ADDRESS(type) &type,
  static const LayerType* const types[] = {CNNC_LAYER_TYPES(CNNC_ADDRESS)};
#undef CNNC_ADDRESS
  return types;
}

const LayerType* layer_type_named(std::string_view keyword) {
  for (const LayerType* type : layer_types())
    if (type->keyword == keyword) return type;
  return nullptr;
}

const std::string& LayerContext::offset(std::string_view role) const {
  for (const auto& [name, constant] : offsets)
    if (name == role) return constant;
  throw std::logic_error(fmt::format("layer {} has no '{}' tensor", layer->name, role));
}

std::vector<Buffer> no_buffers(const LayerContext&) {
  return {};
}

void no_code(CodeWriter&, const LayerContext&) {}

std::vector<TensorShape> no_tensors(const Layer&) {
  return {};
}

std::string no_description(const Layer&) {
  return {};
}

std::string window_description(const Layer& layer) {
  const Padding& p = layer.padding;
  const std::string padding = p == Padding{} ? "valid"
                                             : fmt::format("top {}, bottom {}, left {}, right {}",
                                                           p.top, p.bottom, p.left, p.right);
  return fmt::format("window {}x{}, stride {}x{}, padding {}", layer.kernel_h, layer.kernel_w,
                     layer.stride_h, layer.stride_w, padding);
}

} // namespace cnnc
