// Names the generated C++ uses as identifiers: model and layer names must not be C++ keywords
// or names the C++ standard reserves.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cnnc {

// Why `name` cannot be a C++ identifier of its own, or nullopt when it can.
std::optional<std::string> identifier_problem(std::string_view name);

} // namespace cnnc
