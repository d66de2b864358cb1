// Helpers of the one-sample kernels (layers/one_sample.hpp).
#include "layers/one_sample.hpp"

#include <fmt/core.h>

namespace cnnc {

std::string one_at(const std::string& buffer, const Affine& index, const Bindings& bindings) {
  return fmt::format("ws.{}[{}]", buffer, index.str(bindings));
}

void emit_vector_loops(CodeWriter& out, const std::string& var, int count,
                       const std::function<std::string(int first)>& statement) {
  for (int first = 0; first < count; first += kVectorValues) {
    const int size = count - first < kVectorValues ? count - first : kVectorValues;
    out.linef("CNNC_VECTOR for (int {0} = 0; {0} < {1}; ++{0}) {2}", var, size, statement(first));
  }
}

void emit_covering_blocks(CodeWriter& out, const Loop& loop, int count, int size,
                          Bindings& bindings, const std::function<void(const Affine&)>& body) {
  emit_loop(out, loop, bindings, [&] { body(Affine::var(loop.var) * size); });
  if (count % size != 0) {
    out.linef("// The last {} of {} items, overlapping the block before.", size, count);
    body(Affine(count - size));
  }
}

// The lane helpers write `ws.NAME[i * L + l]` inside `for (int l = 0; l < L; ++l)`: with L = 1
// that is the one-sample layout.
namespace {
void with_one_lane(CodeWriter& out, const std::function<void()>& body) {
  out.open_scope("");
  out.line("constexpr int L = 1;");
  body();
  out.close_scope();
}
} // namespace

std::string emit_one_window_source(CodeWriter& out, const LayerContext& context,
                                   const std::string& fill) {
  const Layer& layer = context.l();
  const std::int64_t budget = context.unroll_budget;
  if (!padded(layer)) return context.input;
  const std::string source = layer.name + "_padded";
  const Shape in = layer.input;
  const int row = in.width * in.channels;
  const std::int64_t padded_row = std::int64_t(padded_shape(layer).width) * in.channels;
  const Affine y = Affine::var("y"), i = Affine::var("i");
  Bindings b;
  const Loop fill_loop = plan_loops({{"i", int(padded_shape(layer).size())}}, 1, budget)[0];
  emit_loop(out, fill_loop, b, [&] { out.linef("{} = {};", one_at(source, i, b), fill); });
  const auto copy = plan_loops({{"y", in.height}, {"i", row}}, 1, budget);
  const Affine inside =
      (y + layer.padding.top) * padded_row + std::int64_t(layer.padding.left) * in.channels + i;
  emit_loop(out, copy[0], b, [&] {
    emit_loop(out, copy[1], b, [&] {
      out.linef("{} = {};", one_at(source, inside, b), one_at(context.input, y * row + i, b));
    });
  });
  return source;
}

void emit_one_softmax(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  if (layer.activation != Activation::Softmax) return;
  with_one_lane(out, [&] {
    emit_activation_forward(out, layer.activation, context.output, layer.output,
                            context.unroll_budget);
  });
}

} // namespace cnnc
