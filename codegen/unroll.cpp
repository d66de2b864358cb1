// The unroll policy and the loops it shapes.
#include "codegen/unroll.hpp"

#include <fmt/core.h>

namespace cnnc {

std::vector<Loop> plan_loops(const std::vector<LoopSpec>& nest, std::int64_t body_statements,
                             std::int64_t budget) {
  if (budget <= 0) budget = kDefaultUnrollBudget;
  std::vector<Loop> plan;
  std::int64_t statements = body_statements < 1 ? 1 : body_statements;
  for (const auto& spec : nest) {
    const bool fixed = spec.always_unroll || spec.extent <= 1;
    plan.push_back({spec.var, spec.extent, fixed});
    if (fixed) statements *= spec.extent;
  }
  for (auto it = plan.rbegin(); it != plan.rend(); ++it) {
    if (it->unrolled) continue;
    // Saturate rather than overflow on huge nests: the budget is far below 2^62.
    if (statements > budget / it->extent) break;
    statements *= it->extent;
    it->unrolled = true;
  }
  return plan;
}

std::int64_t unrolled_statements(const std::vector<Loop>& nest, std::int64_t body_statements) {
  std::int64_t statements = body_statements;
  for (const auto& loop : nest)
    if (loop.unrolled) statements *= loop.extent;
  return statements;
}

void emit_loop(CodeWriter& out, const Loop& loop, Bindings& bindings,
               const std::function<void()>& body) {
  if (!loop.unrolled) {
    out.open_scope(fmt::format("for (int {0} = 0; {0} < {1}; ++{0})", loop.var, loop.extent));
    body();
    out.close_scope(fmt::format("for {}", loop.var));
    return;
  }
  for (int index = 0; index < loop.extent; ++index) {
    bindings[loop.var] = index;
    body();
  }
  bindings.erase(loop.var);
}

} // namespace cnnc
