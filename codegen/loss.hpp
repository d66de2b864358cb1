// The losses: the per-lane loss of the last forward, and its gradient w.r.t. the output layer
// (fused with softmax or sigmoid when they meet their cross-entropy).
#pragma once

#include <string>

#include "codegen/code_writer.hpp"
#include "dsl/model.hpp"

namespace cnnc {

// Softmax with categorical cross-entropy, or sigmoid with binary cross-entropy: the gradient
// w.r.t. the pre-activation is then simply (p - y) (divided by K for binary cross-entropy).
bool loss_fuses(LossKind loss, Activation output_activation);

struct LossContext {
  LossKind loss = LossKind::CategoricalCrossentropy;
  bool fused = false;
  int outputs = 0;
  std::string output;      // workspace buffer of the model's output
  std::string output_grad; // workspace buffer the gradient goes to
  std::int64_t unroll_budget = 0;
};

// `template <typename T, int L> static void loss(const Workspace<T, L>& ws, const T* target,
// int active, T* loss_per_lane)`.
void emit_loss(CodeWriter& out, const LossContext& context);
// `template <typename T, int L> static void loss_gradient(const T* target, int active,
// Workspace<T, L>& ws)`: the gradient w.r.t. the output (or the fused pre-activation).
void emit_loss_gradient(CodeWriter& out, const LossContext& context);

} // namespace cnnc
