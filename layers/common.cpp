// Helpers the layer kernels share: lane statements, indexing, channel blocks, fills, padded
// copies and activations.
#include <fmt/core.h>

#include "layers/kernel.hpp"

namespace cnnc {

bool padded(const Layer& layer) {
  return !(layer.padding == Padding{});
}

Shape padded_shape(const Layer& layer) {
  return Shape::image(layer.input.height + layer.padding.top + layer.padding.bottom,
                      layer.input.width + layer.padding.left + layer.padding.right,
                      layer.input.channels);
}

void emit_weighted(CodeWriter& out, const std::string& statement) {
  // Three broadcast weights, a block of up to 12 accumulators and the input fit in AVX2's 16
  // registers; fewer statements per loop would only cost compile time.
  constexpr std::size_t kWeightsPerLaneLoop = 3;
  out.lane(statement);
  if (out.pending_lanes() >= kWeightsPerLaneLoop) out.lane_break();
}

std::string indexed(const std::string& array, const Affine& index, const Bindings& bindings) {
  const Affine bound = index.bind(bindings);
  if (bound.is_constant() && bound.constant() == 0) return fmt::format("{}[l]", array);
  if (bound.is_constant()) return fmt::format("{}[{} * L + l]", array, bound.constant());
  return fmt::format("{}[({}) * L + l]", array, bound.str());
}

std::string at(const std::string& buffer, const Affine& index, const Bindings& bindings) {
  return indexed("ws." + buffer, index, bindings);
}

std::string param(const std::string& offset, const Affine& index, const Bindings& bindings) {
  const Affine bound = index.bind(bindings);
  if (bound.is_constant() && bound.constant() == 0) return fmt::format("params[{}]", offset);
  return fmt::format("params[{} + {}]", offset, bound.str());
}

Blocks split_blocks(int n, int max_block) {
  const int fewest = (n + max_block - 1) / max_block;
  // Prefer even blocks (a loop over them) of at least half the largest size.
  for (int size = max_block < n ? max_block : n; 2 * size >= max_block || size == n; --size) {
    if (n % size == 0) return {n / size, size, size};
  }
  const int size = (n + fewest - 1) / fewest;
  return {fewest, size, n - size * (fewest - 1)};
}

void emit_blocks(CodeWriter& out, const Blocks& blocks, const Loop& block_loop, Bindings& bindings,
                 const std::function<void(const Affine&, int)>& body) {
  if (blocks.count == 1) {
    body(Affine(0), blocks.size);
  } else if (blocks.even() && !block_loop.unrolled) {
    emit_loop(out, block_loop, bindings,
              [&] { body(Affine::var(block_loop.var) * blocks.size, blocks.size); });
  } else {
    for (int block = 0; block < blocks.count; ++block) {
      const int size = block + 1 == blocks.count ? blocks.last_size : blocks.size;
      body(Affine(std::int64_t(block) * blocks.size), size);
    }
  }
}

void emit_fill(CodeWriter& out, const std::string& buffer, std::int64_t count,
               const std::string& value, std::int64_t budget) {
  Bindings bindings;
  const auto nest = plan_loops({{"i", int(count)}}, 1, budget);
  emit_loop(out, nest[0], bindings, [&] {
    out.lane(fmt::format("{} = {};", at(buffer, Affine::var("i"), bindings), value));
  });
}

void emit_padded_copy(CodeWriter& out, const Layer& layer, const Shape& shape,
                      const std::string& plain, const std::string& padded, bool to_padded,
                      std::int64_t budget) {
  const std::int64_t row = std::int64_t(shape.width) * shape.channels;
  const std::int64_t padded_row =
      std::int64_t(shape.width + layer.padding.left + layer.padding.right) * shape.channels;
  Bindings bindings;
  const auto nest = plan_loops({{"y", shape.height}, {"i", int(row)}}, 1, budget);
  const Affine y = Affine::var("y"), i = Affine::var("i");
  const Affine plain_index = y * row + i;
  const Affine padded_index =
      (y + layer.padding.top) * padded_row + i + std::int64_t(layer.padding.left) * shape.channels;
  emit_loop(out, nest[0], bindings, [&] {
    emit_loop(out, nest[1], bindings, [&] {
      const std::string p = at(padded, padded_index, bindings);
      const std::string q = at(plain, plain_index, bindings);
      out.lane(to_padded ? fmt::format("{} = {};", p, q) : fmt::format("{} = {};", q, p));
    });
  });
}

namespace {

// Softmax over the channels of each position, in place.
void emit_softmax(CodeWriter& out, const std::string& buffer, const Shape& shape,
                  std::int64_t budget) {
  const int channels = shape.channels;
  const int positions = int(shape.height) * shape.width;
  Bindings bindings;
  const auto nest = plan_loops({{"p", positions}, {"k", channels}}, 3, budget);
  const Affine p = Affine::var("p"), k = Affine::var("k");
  emit_loop(out, nest[0], bindings, [&] {
    out.open_scope("");
    out.line("// Subtracting the largest value keeps exp finite for any logits.");
    out.line("T top[L];");
    out.lane(fmt::format("top[l] = {};", at(buffer, p * channels, bindings)));
    emit_loop(out, nest[1], bindings, [&] {
      const std::string x = at(buffer, p * channels + k, bindings);
      out.lane(fmt::format("{{ const T v = {}; top[l] = v > top[l] ? v : top[l]; }}", x));
    });
    out.line("T sum[L];");
    out.lane("sum[l] = T(0);");
    emit_loop(out, nest[1], bindings, [&] {
      const std::string x = at(buffer, p * channels + k, bindings);
      out.lane(fmt::format("{{ {0} = std::exp({0} - top[l]); sum[l] += {0}; }}", x));
    });
    out.line("T inverse[L];");
    out.lane("inverse[l] = T(1) / sum[l];");
    emit_loop(out, nest[1], bindings, [&] {
      out.lane(fmt::format("{} *= inverse[l];", at(buffer, p * channels + k, bindings)));
    });
    out.close_scope("softmax");
  });
}

} // namespace

void emit_activation_forward(CodeWriter& out, Activation activation, const std::string& buffer,
                             const Shape& shape, std::int64_t budget) {
  if (activation == Activation::Linear) return;
  if (activation == Activation::Softmax) return emit_softmax(out, buffer, shape, budget);
  Bindings bindings;
  const auto nest = plan_loops({{"i", int(shape.size())}}, 1, budget);
  emit_loop(out, nest[0], bindings, [&] {
    const std::string x = at(buffer, Affine::var("i"), bindings);
    switch (activation) {
    case Activation::Relu:
      out.lane(fmt::format("{{ const T v = {0}; {0} = v > T(0) ? v : T(0); }}", x));
      break;
    case Activation::Sigmoid:
      out.lane(fmt::format("{0} = T(1) / (T(1) + std::exp(-{0}));", x));
      break;
    case Activation::Tanh:
      out.lane(fmt::format("{0} = std::tanh({0});", x));
      break;
    default:
      break;
    }
  });
}

void emit_activation_backward(CodeWriter& out, Activation activation, const std::string& grad,
                              const std::string& output, const Shape& shape, std::int64_t budget) {
  if (activation == Activation::Linear) return;
  Bindings bindings;
  if (activation == Activation::Softmax) {
    // dz_k = p_k (g_k - sum_j g_j p_j): the softmax Jacobian applied to the gradient.
    const int channels = shape.channels;
    const auto nest =
        plan_loops({{"p", int(shape.height) * shape.width}, {"k", channels}}, 2, budget);
    const Affine p = Affine::var("p"), k = Affine::var("k");
    emit_loop(out, nest[0], bindings, [&] {
      out.open_scope("");
      out.line("T dot[L];");
      out.lane("dot[l] = T(0);");
      emit_loop(out, nest[1], bindings, [&] {
        out.lane(fmt::format("dot[l] += {} * {};", at(grad, p * channels + k, bindings),
                             at(output, p * channels + k, bindings)));
      });
      emit_loop(out, nest[1], bindings, [&] {
        const std::string g = at(grad, p * channels + k, bindings);
        out.lane(
            fmt::format("{0} = {1} * ({0} - dot[l]);", g, at(output, p * channels + k, bindings)));
      });
      out.close_scope("softmax jacobian");
    });
    return;
  }
  const auto nest = plan_loops({{"i", int(shape.size())}}, 1, budget);
  emit_loop(out, nest[0], bindings, [&] {
    const std::string g = at(grad, Affine::var("i"), bindings);
    const std::string y = at(output, Affine::var("i"), bindings);
    switch (activation) {
    case Activation::Relu:
      out.lane(fmt::format("{{ const T g = {0}; {0} = {1} > T(0) ? g : T(0); }}", g, y));
      break;
    case Activation::Sigmoid:
      out.lane(fmt::format("{0} *= {1} * (T(1) - {1});", g, y));
      break;
    case Activation::Tanh:
      out.lane(fmt::format("{0} *= T(1) - {1} * {1};", g, y));
      break;
    default:
      break;
    }
  });
}

void emit_reduce_block(CodeWriter& out, const std::string& accumulators, int count,
                       const std::string& offset, const Affine& first, const Bindings& bindings,
                       std::int64_t budget) {
  // A lane sum costs about as much as a dozen statements; only generous budgets unroll these.
  constexpr std::int64_t kLaneSumStatements = 16;
  const Loop loop = plan_loops({{"r", count}}, kLaneSumStatements, budget)[0];
  if (!loop.unrolled) {
    const Affine index = (first + Affine::var("r")).bind(bindings);
    out.linef("for (int r = 0; r < {}; ++r) grads[{} + {}] += lane_sum<T, L>({}[r]);", count,
              offset, index.str(), accumulators);
    return;
  }
  for (int r = 0; r < count; ++r)
    out.linef("grads[{} + {}] += lane_sum<T, L>({}[{}]);", offset, (first + r).str(bindings),
              accumulators, r);
}

} // namespace cnnc

namespace cnnc {

std::string apply_activation(Activation activation, const std::string& value) {
  switch (activation) {
  case Activation::Relu:
    return fmt::format("{0} > T(0) ? {0} : T(0)", value);
  case Activation::Sigmoid:
    return fmt::format("T(1) / (T(1) + std::exp(-{}))", value);
  case Activation::Tanh:
    return fmt::format("std::tanh({})", value);
  case Activation::Linear:
  case Activation::Softmax:
    break;
  }
  return value;
}

} // namespace cnnc

namespace cnnc {

std::string lane_pointer(const std::string& buffer, const Affine& index, const Bindings& bindings) {
  const Affine bound = index.bind(bindings);
  if (bound.is_constant() && bound.constant() == 0) return fmt::format("ws.{}", buffer);
  if (bound.is_constant()) return fmt::format("ws.{} + {} * L", buffer, bound.constant());
  return fmt::format("ws.{} + ({}) * L", buffer, bound.str());
}

} // namespace cnnc
