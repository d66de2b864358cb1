// dense: forward (accumulators for a block of units, the inputs streamed once per block) and
// backward (bias, kernel and input gradients); kernel layout (in, out) as Keras. It needs a
// vector input.
#include <fmt/core.h>

#include "layers/one_sample.hpp"
#include "layers/rules.hpp"

namespace cnnc {
namespace {

// The kernel gradient's register block: inputs x units, 4 x 48 (12 vectors of 16 floats).
constexpr int kDenseGradInputs = 4;
constexpr int kDenseGradUnits = 3 * kVectorValues;

void dense_forward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const int inputs = int(layer.input.size());
  const Blocks blocks = split_blocks(layer.units, kMaxAccumulators);
  const auto nest =
      plan_loops({{"ob", blocks.count}, {"i", inputs}}, blocks.size, context.unroll_budget);
  const Affine i = Affine::var("i");
  Bindings b;
  emit_blocks(out, blocks, nest[0], b, [&](const Affine& start, int size) {
    out.open_scope("");
    out.linef("T acc[{}][L];", size);
    for (int o = 0; o < size; ++o)
      out.lane(fmt::format("acc[{}][l] = {};", o,
                           layer.use_bias ? param(context.offset("bias"), start + o, b) : "T(0)"));
    out.lane_break();
    emit_loop(out, nest[1], b, [&] {
      const std::string x = at(context.input, i, b);
      for (int o = 0; o < size; ++o)
        emit_weighted(
            out, fmt::format("acc[{}][l] += {} * {};", o,
                             param(context.offset("kernel"), i * layer.units + start + o, b), x));
    });
    out.lane_break();
    for (int o = 0; o < size; ++o)
      out.lane(fmt::format("{} = {};", at(context.output, start + o, b),
                           apply_activation(layer.activation, fmt::format("acc[{}][l]", o))));
    out.close_scope("block of units");
  });
  if (layer.activation == Activation::Softmax)
    emit_activation_forward(out, layer.activation, context.output, layer.output,
                            context.unroll_budget);
}

void dense_backward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const std::int64_t budget = context.unroll_budget;
  const int inputs = int(layer.input.size());
  if (!context.loss_fused)
    emit_activation_backward(out, layer.activation, context.output_grad, context.output,
                             layer.output, budget);
  const Affine i = Affine::var("i"), o = Affine::var("o");
  Bindings b;
  if (layer.use_bias) {
    out.open_scope("");
    out.line("// The bias gradient: each unit's lanes summed.");
    const Loop units = plan_loops({{"r", layer.units}}, 16, budget)[0];
    emit_loop(out, units, b, [&] {
      const Affine r = Affine::var("r").bind(b);
      out.linef("grads[{}{}] += lane_sum<T, L>({});", context.offset("bias"),
                r.is_constant() && r.constant() == 0 ? "" : " + " + r.str(),
                lane_pointer(context.output_grad, Affine::var("r"), b));
    });
    out.close_scope();
  }
  // dW[i][o] += sum_l x[i][l] g[o][l]: a matrix product whose depth is the lanes. With the
  // gradient transposed (lanes outermost), a block of inputs times a few vectors of units
  // accumulates in registers: at each lane, one broadcast per input and one load per vector of
  // units feed inputs x vectors FMAs. Each weight still sums its lanes in order, from its
  // gradient so far.
  out.open_scope("");
  out.linef("alignas(64) T transposed[L][{}];", layer.units);
  const auto transpose = plan_loops({{"o", layer.units}}, 1, budget);
  emit_loop(out, transpose[0], b, [&] {
    out.lane(fmt::format("transposed[l][{}] = {};", o.str(b), at(context.output_grad, o, b)));
  });
  const Blocks input_rows = split_blocks(inputs, kDenseGradInputs);
  const int full_chunks = layer.units / kDenseGradUnits, rest = layer.units % kDenseGradUnits;
  const Loop row_loop = plan_loops({{"ib", input_rows.count}}, 64, budget)[0];
  emit_blocks(out, input_rows, row_loop, b, [&](const Affine& first_input, int rows) {
    auto chunk = [&](const Affine& first_unit, int units) {
      auto gradient = [&](int row, int from) {
        return fmt::format("grads[{} + {}]", context.offset("kernel"),
                           ((first_input + row) * layer.units + first_unit + o + from).str(b));
      };
      out.open_scope("");
      out.linef("alignas(64) T acc[{}][{}];", rows, units);
      for (int row = 0; row < rows; ++row)
        emit_vector_loops(out, "o", units, [&](int from) {
          return fmt::format("acc[{}][o + {}] = {};", row, from, gradient(row, from));
        });
      out.open_scope("for (int l = 0; l < L; ++l)");
      for (int row = 0; row < rows; ++row)
        emit_vector_loops(out, "o", units, [&](int from) {
          return fmt::format("acc[{}][o + {}] += {} * transposed[l][{}];", row, from,
                             at(context.input, first_input + row, b),
                             (first_unit + o + from).str(b));
        });
      out.close_scope("for l");
      for (int row = 0; row < rows; ++row)
        emit_vector_loops(out, "o", units, [&](int from) {
          return fmt::format("{} = acc[{}][o + {}];", gradient(row, from), row, from);
        });
      out.close_scope("block of weights");
    };
    if (full_chunks > 0) {
      const Loop chunks = plan_loops({{"ub", full_chunks}}, 64, budget)[0];
      emit_loop(out, chunks, b,
                [&] { chunk(Affine::var("ub") * kDenseGradUnits, kDenseGradUnits); });
    }
    if (rest > 0) chunk(Affine(full_chunks * kDenseGradUnits), rest);
  });
  out.close_scope("kernel gradient");
  if (context.first()) return;
  const Blocks input_blocks = split_blocks(inputs, kMaxAccumulators);
  const auto nest =
      plan_loops({{"ib", input_blocks.count}, {"o", layer.units}}, input_blocks.size, budget);
  emit_blocks(out, input_blocks, nest[0], b, [&](const Affine& start, int size) {
    out.open_scope("");
    out.linef("T acc[{}][L] = {{}};", size);
    emit_loop(out, nest[1], b, [&] {
      const std::string g = at(context.output_grad, o, b);
      for (int c = 0; c < size; ++c)
        emit_weighted(
            out, fmt::format("acc[{}][l] += {} * {};", c,
                             param(context.offset("kernel"), (start + c) * layer.units + o, b), g));
    });
    out.lane_break();
    for (int c = 0; c < size; ++c)
      out.lane(fmt::format("{} = acc[{}][l];", at(context.input_grad, start + c, b), c));
    out.close_scope("input gradient block");
  });
}

// Batch-1 inference: the units in the vectors. A block of up to kOneSampleAccumulators vectors
// of units is initialised with the bias and takes x[i] * w[i][block] for each input in turn
// (the kernel's row i is contiguous in the units), in the order dense_forward sums.
Blocks dense_one_blocks(const Layer& layer) {
  const int vectors = vector_registers(layer.units);
  const int count = (vectors + kOneSampleAccumulators - 1) / kOneSampleAccumulators;
  const int size = (vectors + count - 1) / count * kVectorValues;
  if (count == 1) return {1, layer.units, layer.units};
  return {count, size, layer.units - size * (count - 1)};
}

bool dense_one_serves(const Layer&) {
  return true;
}

void dense_one_forward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const int inputs = int(layer.input.size());
  const Blocks blocks = dense_one_blocks(layer);
  const Affine i = Affine::var("i"), o = Affine::var("o");
  const auto nest = plan_loops({{"ob", blocks.count}, {"i", inputs}}, vector_registers(blocks.size),
                               context.unroll_budget);
  Bindings b;
  emit_blocks(out, blocks, nest[0], b, [&](const Affine& first, int size) {
    out.open_scope("");
    out.linef("alignas(64) T acc[{}];", size);
    emit_vector_loops(out, "o", size, [&](int from) {
      return fmt::format("acc[{}] = {};", (o + from).str(),
                         layer.use_bias ? param(context.offset("bias"), first + o + from, b)
                                        : "T(0)");
    });
    emit_loop(out, nest[1], b, [&] {
      emit_vector_loops(out, "o", size, [&](int from) {
        return fmt::format("acc[{}] += {} * {};", (o + from).str(),
                           param(context.offset("kernel"), i * layer.units + first + o + from, b),
                           one_at(context.input, i, b));
      });
    });
    emit_vector_loops(out, "o", size, [&](int from) {
      return fmt::format(
          "{} = {};", one_at(context.output, first + o + from, b),
          apply_activation(layer.activation, fmt::format("acc[{}]", (o + from).str())));
    });
    out.close_scope("block of units");
  });
  emit_one_softmax(out, context);
}

std::string dense_one_description(const Layer& layer) {
  const Blocks blocks = dense_one_blocks(layer);
  return fmt::format("units in the vectors: {} block{} of {}", blocks.count,
                     blocks.count == 1 ? "" : "s", blocks.size);
}

const OneSampleKernel kDenseOneSample{
    .serves = dense_one_serves,
    .scratch = no_buffers,
    .emit = dense_one_forward,
    .describe = dense_one_description,
};

LayerCost dense_cost(const Layer& layer, bool first) {
  const std::uint64_t macs = std::uint64_t(layer.input.size()) * layer.units;
  return {2 * macs, (first ? 2 : 4) * macs};
}

std::optional<Shape> dense_shape(const ast::Layer& statement, const LayerInput& input, Layer& layer,
                                 CheckContext& context) {
  const auto units = read_count(*statement.units, statement.label, "unit count", 1, context);
  if (!read_kernel_options(statement, layer, context) || !units) return std::nullopt;
  layer.units = *units;
  const Shape output = Shape::vector(*units);
  if (input.shape && input.shape->rank == 3) {
    // Keras would apply the layer to the last axis only; here that is almost always a missing
    // flatten, so it is an error. The parameters are still counted as if it were flattened, so a
    // `params` assertion is not reported a second time.
    context.error(statement.keyword,
                  prefixed(statement.label,
                           fmt::format("dense needs a vector input, but its input is the image "
                                       "{}; add 'flatten' before it",
                                       to_string(*input.shape))),
                  {origin_note(input)});
  }
  return output;
}

std::vector<TensorShape> dense_tensors(const Layer& layer) {
  const std::int64_t inputs = layer.input.size();
  std::vector<TensorShape> tensors{
      {"kernel", {inputs, layer.units}, inputs, layer.units, layer.kernel_init, true, layer.l2}};
  if (layer.use_bias)
    tensors.push_back(
        {"bias", {layer.units}, layer.units, layer.units, layer.bias_init, true, std::nullopt});
  return tensors;
}

std::string dense_description(const Layer& layer) {
  return keyword(layer.activation);
}

} // namespace

extern const LayerType kDense{
    .keyword = "dense",
    .keras_name = "Dense",
    .default_name = "dense",
    .slots = {{SlotType::Count, "the unit count"}},
    .activation_positional = true,
    .options = {option::kName, option::kInit, option::kBiasInit, option::kActivation, option::kBias,
                option::kL2},
    .usage = "UNITS [ACTIVATION] [name=ID] [init=INIT] [bias_init=INIT] [bias=false] [l2=F]",
    .example = "dense 100 relu",
    .aliases = {"linear", "fc", "fully_connected"},
    .shape = dense_shape,
    .tensors = dense_tensors,
    .owns_output = true,
    .extra_buffers = no_buffers,
    .forward = dense_forward,
    .backward = dense_backward,
    .cost = dense_cost,
    .describe = dense_description,
    .one_sample = &kDenseOneSample,
};

} // namespace cnnc
