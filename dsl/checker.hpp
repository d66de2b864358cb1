// The checker: syntax tree -> Model. Resolves every default, shape and parameter count, and
// reports every semantic error it can find (without cascading from earlier ones).
#pragma once

#include <string_view>
#include <vector>

#include "dsl/ast.hpp"
#include "dsl/diagnostic.hpp"
#include "dsl/model.hpp"

namespace cnnc {

// Upper bounds that keep every size and count far from integer overflow, and generated arrays
// within what a compiler and a machine can hold.
constexpr std::int64_t kMaxDimension = 1'000'000;    // any one size, count, stride or padding
constexpr std::int64_t kMaxElements = 2'147'483'647; // a tensor's elements, a model's parameters
// The generated code indexes a workspace array of `values * L` elements with int, and the
// runtime instantiates it at up to 64 lanes (cnn/lanes.hpp): an activation or any other
// workspace array holds at most this many values per lane.
constexpr std::int64_t kMaxLanes = 64;
constexpr std::int64_t kMaxLaneValues = kMaxElements / kMaxLanes; // 33,554,431

// `path` gives the default model name (the file's stem as a C++ identifier).
Model check(const ast::Program& program, std::string_view path,
            std::vector<Diagnostic>& diagnostics);

// "models/my-net.cnn" -> "my_net"; a leading digit gets a '_' in front.
std::string model_name_from_path(std::string_view path);

} // namespace cnnc
