// The table of layer statements.
#include "dsl/layer_syntax.hpp"

#include <array>

namespace cnnc {
namespace {

constexpr std::string_view kPoolUsage =
    "SIZE [stride=S|SHxSW] [padding=valid|same|P|PHxPW] [name=ID]";

const std::array<LayerSyntax, 6> kLayers = {{
    {LayerKind::Conv2D,
     {Slot::Units, Slot::Size},
     true,
     {"stride", "padding", "name", "init", "bias_init", "activation"},
     "FILTERS KxK [ACTIVATION] [stride=S|SHxSW] [padding=valid|same|P|PHxPW] [name=ID] "
     "[init=INIT] [bias_init=INIT]",
     "conv2d 10 5x5 relu"},
    {LayerKind::MaxPool,
     {Slot::Size},
     false,
     {"stride", "padding", "name"},
     kPoolUsage,
     "maxpool 2x2"},
    {LayerKind::AvgPool,
     {Slot::Size},
     false,
     {"stride", "padding", "name"},
     kPoolUsage,
     "avgpool 2x2"},
    {LayerKind::Flatten, {}, false, {"name"}, "no values, only [name=ID]", "flatten"},
    {LayerKind::Dense,
     {Slot::Units},
     true,
     {"name", "init", "bias_init", "activation"},
     "UNITS [ACTIVATION] [name=ID] [init=INIT] [bias_init=INIT]",
     "dense 100 relu"},
    {LayerKind::Activation,
     {Slot::Activation},
     false,
     {"name"},
     "ACTIVATION [name=ID]",
     "activation relu"},
}};

} // namespace

const LayerSyntax& layer_syntax(LayerKind kind) {
  for (const auto& syntax : kLayers) {
    if (syntax.kind == kind) return syntax;
  }
  return kLayers[0];
}

std::optional<LayerKind> layer_kind_of(std::string_view keyword) {
  for (const auto& syntax : kLayers) {
    if (cnnc::keyword(syntax.kind) == keyword) return syntax.kind;
  }
  return std::nullopt;
}

const char* slot_name(Slot slot, LayerKind kind) {
  switch (slot) {
  case Slot::Units:
    return kind == LayerKind::Conv2D ? "the filter count" : "the unit count";
  case Slot::Size:
    return kind == LayerKind::Conv2D ? "the kernel size" : "the pool size";
  case Slot::Activation:
    return "the activation";
  }
  return "?";
}

} // namespace cnnc
