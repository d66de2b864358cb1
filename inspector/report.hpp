// cnnc-inspect's output: the kernel table, the loop nests, the cost disagreements and a kernel's
// text.
#pragma once

#include <string>
#include <vector>

#include "inspector/analysis.hpp"

namespace cnnc::inspect {

// The table of every kernel (per sample, L lanes) and the totals, then the loop nests.
std::string format_listing(const Analysis& analysis, const std::string& display_path);

// "file:line:col: kernel: ..." for each kernel whose counted FLOPs disagree with its cost comment
// or the kLayers table (docs/inspect.md says which counts are compared).
std::vector<std::string> cost_disagreements(const Analysis& analysis);

// The kernel's comment and code as the header has them, dedented by the struct's indentation.
std::string kernel_text(const Kernel& kernel, const std::string& header_text);

} // namespace cnnc::inspect
