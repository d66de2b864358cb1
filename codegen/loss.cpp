// The losses and their gradients, as Keras computes them (probabilities clipped to
// [1e-7, 1 - 1e-7] inside the logarithms).
#include "codegen/loss.hpp"

#include <fmt/core.h>

#include "codegen/unroll.hpp"
#include "layers/kernel.hpp"

namespace cnnc {

bool loss_fuses(LossKind loss, Activation output_activation) {
  return (loss == LossKind::CategoricalCrossentropy && output_activation == Activation::Softmax) ||
         (loss == LossKind::BinaryCrossentropy && output_activation == Activation::Sigmoid);
}

namespace {

const char* const kClip = "const T p = p_raw < kLow ? kLow : (p_raw > kHigh ? kHigh : p_raw);";

void emit_clip_bounds(CodeWriter& out) {
  out.line("constexpr T kLow = T(1e-7), kHigh = T(1) - T(1e-7);");
}

} // namespace

void emit_loss(CodeWriter& out, const LossContext& context) {
  out.line("// Per-sample loss of the last forward for lanes [0, active); 0 for the others.");
  out.line("template <typename T, int L>");
  out.open_scope("static void loss(const Workspace<T, L>& ws, const T* target, int active, "
                 "T* loss_per_lane)");
  const bool logs = context.loss == LossKind::CategoricalCrossentropy ||
                    context.loss == LossKind::BinaryCrossentropy;
  if (logs) emit_clip_bounds(out);
  out.line("T sum[L];");
  out.lane("sum[l] = T(0);");
  Bindings b;
  const auto nest = plan_loops({{"k", context.outputs}}, 1, context.unroll_budget);
  const Affine k = Affine::var("k");
  emit_loop(out, nest[0], b, [&] {
    const std::string p = at(context.output, k, b);
    const std::string y = indexed("target", k, b);
    switch (context.loss) {
    case LossKind::CategoricalCrossentropy:
      out.lane(
          fmt::format("{{ const T p_raw = {}; {} sum[l] -= {} * std::log(p); }}", p, kClip, y));
      break;
    case LossKind::BinaryCrossentropy:
      out.lane(fmt::format("{{ const T p_raw = {}; {} const T y = {}; sum[l] -= y * "
                           "std::log(p) + (T(1) - y) * std::log(T(1) - p); }}",
                           p, kClip, y));
      break;
    case LossKind::MeanSquaredError:
      out.lane(fmt::format("{{ const T d = {} - {}; sum[l] += d * d; }}", p, y));
      break;
    case LossKind::MeanAbsoluteError:
      out.lane(fmt::format("sum[l] += std::abs({} - {});", p, y));
      break;
    }
  });
  const std::string scale = context.loss == LossKind::CategoricalCrossentropy
                                ? std::string()
                                : fmt::format(" / T({})", context.outputs);
  out.linef("for (int l = 0; l < L; ++l) loss_per_lane[l] = l < active ? sum[l]{} : T(0);", scale);
  out.close_scope("loss");
}

void emit_loss_gradient(CodeWriter& out, const LossContext& context) {
  out.line("// The gradient of the summed loss of lanes [0, active) w.r.t. the output layer;");
  out.line(context.fused ? "// fused with the output activation: w.r.t. its pre-activation."
                         : "// w.r.t. the output itself.");
  out.line("template <typename T, int L>");
  out.open_scope("static void loss_gradient(const T* target, int active, Workspace<T, L>& ws)");
  const bool logs = !context.fused && (context.loss == LossKind::CategoricalCrossentropy ||
                                       context.loss == LossKind::BinaryCrossentropy);
  if (logs) emit_clip_bounds(out);
  out.line("bool on[L];");
  out.line("for (int l = 0; l < L; ++l) on[l] = l < active;");
  const std::string per_output = fmt::format("T({})", context.outputs);
  Bindings b;
  const auto nest = plan_loops({{"k", context.outputs}}, 1, context.unroll_budget);
  const Affine k = Affine::var("k");
  emit_loop(out, nest[0], b, [&] {
    const std::string p = at(context.output, k, b);
    const std::string y = indexed("target", k, b);
    const std::string g = at(context.output_grad, k, b);
    std::string value;
    if (context.fused && context.loss == LossKind::CategoricalCrossentropy) {
      value = fmt::format("{} - {}", p, y);
    } else if (context.fused) {
      value = fmt::format("({} - {}) / {}", p, y, per_output);
    } else if (context.loss == LossKind::MeanSquaredError) {
      value = fmt::format("T(2) * ({} - {}) / {}", p, y, per_output);
    } else if (context.loss == LossKind::MeanAbsoluteError) {
      value =
          fmt::format("({0} > {1} ? T(1) : ({0} < {1} ? T(-1) : T(0))) / {2}", p, y, per_output);
    } else {
      // Outside the clip range the clipped probability is constant: no gradient.
      const std::string inside = fmt::format("({0} >= kLow && {0} <= kHigh)", p);
      value = context.loss == LossKind::CategoricalCrossentropy
                  ? fmt::format("{} ? -{} / {} : T(0)", inside, y, p)
                  : fmt::format("{0} ? -({1} / {2} - (T(1) - {1}) / (T(1) - {2})) / {3} : T(0)",
                                inside, y, p, per_output);
    }
    out.lane(fmt::format("{{ const T value = {}; {} = on[l] ? value : T(0); }}", value, g));
  });
  out.close_scope("loss_gradient");
}

} // namespace cnnc
