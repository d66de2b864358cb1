// The identifiers the generator makes from a layer's name, with the sizes of the arrays they
// name: what the checker compares with C++'s and the runtime's names and with each other, and
// checks against the limits of the types the generated code indexes with.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dsl/model.hpp"

namespace cnnc {

struct EmittedName {
  std::string name;
  std::int64_t values = 0; // an array's values (per lane when per_lane); 0 for a function
  bool per_lane = false;   // a workspace array of `values * L` elements
};

// "conv2d_1" + "kernel" -> "kConv2d1Kernel": the named offset of a parameter tensor.
std::string offset_constant(const std::string& layer, const std::string& role);

// Every identifier the generated code makes from the name of `model.layers[index]`, whose
// shapes are checked: its kernels, its workspace arrays, its parameters' offset constants.
std::vector<EmittedName> emitted_names(const Model& model, std::size_t index);

} // namespace cnnc
