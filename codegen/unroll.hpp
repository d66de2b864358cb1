// The unroll policy: which loops of a kernel's nest are emitted as `for` loops and which are
// written out with their index fixed, within a budget of emitted statements.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "codegen/affine.hpp"
#include "codegen/code_writer.hpp"

namespace cnnc {

constexpr std::int64_t kDefaultUnrollBudget = 256;

struct LoopSpec {
  std::string var;
  int extent = 1;
  bool always_unroll = false; // the filter window: its taps become constant offsets
};

struct Loop {
  std::string var;
  int extent = 1;
  bool unrolled = false;
};

// Decides a nest given outermost first. Loops marked always_unroll, and loops of one trip, are
// unrolled; the others are unrolled from the innermost outward while the whole nest's emitted
// statements (body_statements times the unrolled extents) stay within `budget`; the first loop
// that does not fit, and every loop outside it, stays a loop.
std::vector<Loop> plan_loops(const std::vector<LoopSpec>& nest, std::int64_t body_statements,
                             std::int64_t budget);

// The statements the planned nest emits: body_statements times every unrolled extent.
std::int64_t unrolled_statements(const std::vector<Loop>& nest, std::int64_t body_statements);

// Emits `loop` around `body`: a `for` scope, or one copy of the body per index with the index
// bound in `bindings` (a comment names each copy's index when the body spans several lines).
void emit_loop(CodeWriter& out, const Loop& loop, Bindings& bindings,
               const std::function<void()>& body);

} // namespace cnnc
