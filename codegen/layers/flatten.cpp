// flatten: no code. Activations are stored (y, x, c) with the lanes innermost, which is already
// Keras' flattening order, so the output is the input's memory read as a vector.
#include "codegen/layers/layer.hpp"

namespace cnnc {
namespace {

std::vector<Buffer> no_buffers(const LayerContext&) {
  return {};
}
void no_code(CodeWriter&, const LayerContext&) {}
LayerCost no_cost(const Layer&, bool) {
  return {};
}

} // namespace

extern const LayerEmitter kFlattenEmitter{
    LayerKind::Flatten, false, no_buffers, no_code, no_code, no_cost};

} // namespace cnnc
