// The list of layer emitters: adding a layer kind is one file in layers/ and one entry here.
#include <stdexcept>

#include "codegen/layers/layer.hpp"

namespace cnnc {

extern const LayerEmitter kConv2dEmitter;
extern const LayerEmitter kMaxPoolEmitter;
extern const LayerEmitter kAvgPoolEmitter;
extern const LayerEmitter kFlattenEmitter;
extern const LayerEmitter kDenseEmitter;
extern const LayerEmitter kActivationEmitter;

const LayerEmitter& emitter_for(LayerKind kind) {
  static const LayerEmitter* const emitters[] = {&kConv2dEmitter,  &kMaxPoolEmitter,
                                                 &kAvgPoolEmitter, &kFlattenEmitter,
                                                 &kDenseEmitter,   &kActivationEmitter};
  for (const LayerEmitter* emitter : emitters)
    if (emitter->kind == kind) return *emitter;
  throw std::logic_error("no emitter for this layer kind");
}

} // namespace cnnc
