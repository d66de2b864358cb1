// The names the generated code and its includes use, as space-separated lists
// (dsl/reserved_names.cpp says where each comes from).
#pragma once

#include <string_view>

namespace cnnc::reserved {

extern const std::string_view kMacros;
extern const std::string_view kRuntimeNames;
extern const std::string_view kGeneratedNames;

} // namespace cnnc::reserved
