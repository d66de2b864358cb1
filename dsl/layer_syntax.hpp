// What each layer statement looks like: its positional values and its options. Adding a layer
// kind to the language means adding a row here and a shape rule in the checker.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "dsl/model.hpp"

namespace cnnc {

enum class Slot { Units, Size, Activation };

struct LayerSyntax {
  LayerKind kind;
  std::vector<Slot> slots;               // required positional values, in order
  bool activation_positional;            // an optional activation word may follow
  std::vector<std::string_view> options; // key=value options
  std::string_view usage;                // the statement's form, for messages
  std::string_view example;              // a correct statement, for messages
                                         // for messages
};

const LayerSyntax& layer_syntax(LayerKind kind);
std::optional<LayerKind> layer_kind_of(std::string_view keyword);
const char* slot_name(Slot slot, LayerKind kind);

} // namespace cnnc
