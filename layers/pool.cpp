// maxpool and avgpool: any window, stride (overlapping included) and padding. Max pooling keeps
// the winning tap per output for backward (the first maximum in scan order wins ties; padded
// cells never win); average pooling divides by the cells inside the input, as Keras does, or
// by the whole window with `count_padding=true`, as PyTorch does by default.
#include <fmt/core.h>

#include "layers/one_sample.hpp"
#include "layers/rules.hpp"

namespace cnnc {
namespace {

bool is_max(const Layer& layer) {
  return layer.type->keyword == "maxpool";
}

// Average pooling divides by the whole window (PyTorch's count_include_pad) rather than by the
// cells inside the input (Keras).
bool counts_padding(const Layer& layer) {
  return layer.value("count_padding") != 0;
}

std::vector<Buffer> pool_buffers(const LayerContext& context) {
  const Layer& layer = context.l();
  std::vector<Buffer> buffers;
  if (is_max(layer))
    buffers.push_back({layer.name + "_argmax", layer.output.size(),
                       "the winning tap of each output (ky * kw + kx), for backward", false});
  if (padded(layer)) {
    const Shape shape = padded_shape(layer);
    buffers.push_back({layer.name + "_padded", shape.size(),
                       to_string(shape) + (is_max(layer) ? ", the input padded with -infinity"
                                                         : ", the input zero-padded")});
    if (!context.first())
      buffers.push_back({layer.name + "_padded_grad", shape.size(), "its gradient", false});
  }
  return buffers;
}

// Index of tap (ky, kx) of output (oy, ox), channel c, in the (padded) input.
Affine tap_index(const Layer& layer, int ky, int kx) {
  const Shape in = padded_shape(layer);
  const Affine oy = Affine::var("oy"), ox = Affine::var("ox"), c = Affine::var("c");
  return ((oy * layer.stride_h + ky) * in.width + ox * layer.stride_w + kx) * in.channels + c;
}

Affine output_index(const Layer& layer) {
  return (Affine::var("oy") * layer.output.width + Affine::var("ox")) * layer.output.channels +
         Affine::var("c");
}

std::vector<Loop> pool_nest(const Layer& layer, std::int64_t body, std::int64_t budget) {
  return plan_loops(
      {{"oy", layer.output.height}, {"ox", layer.output.width}, {"c", layer.output.channels}}, body,
      budget);
}

// The cells of each output row (column) that lie inside the input, for average pooling.
std::vector<int> cells_inside(int outputs, int stride, int kernel, int before, int size) {
  std::vector<int> cells;
  for (int o = 0; o < outputs; ++o) {
    const int first = o * stride - before;
    const int begin = first < 0 ? 0 : first;
    const int end = first + kernel > size ? size : first + kernel;
    cells.push_back(end - begin);
  }
  return cells;
}

std::string joined(const std::vector<int>& values) {
  std::string text;
  for (int v : values) text += (text.empty() ? "" : ", ") + std::to_string(v);
  return text;
}

// Declares the tables the average's divisor comes from when padding makes it vary.
void emit_avg_tables(CodeWriter& out, const Layer& layer) {
  if (!padded(layer) || counts_padding(layer)) return;
  out.linef("static constexpr int rows_inside[{}] = {{{}}};", layer.output.height,
            joined(cells_inside(layer.output.height, layer.stride_h, layer.kernel_h,
                                layer.padding.top, layer.input.height)));
  out.linef("static constexpr int cols_inside[{}] = {{{}}};", layer.output.width,
            joined(cells_inside(layer.output.width, layer.stride_w, layer.kernel_w,
                                layer.padding.left, layer.input.width)));
}

std::string avg_scale(const Layer& layer, const Bindings& b) {
  if (!padded(layer) || counts_padding(layer))
    return fmt::format("T(1) / T({})", layer.kernel_h * layer.kernel_w);
  return fmt::format("T(1) / T(rows_inside[{}] * cols_inside[{}])", Affine::var("oy").str(b),
                     Affine::var("ox").str(b));
}

std::string source_of(const LayerContext& context) {
  return padded(context.l()) ? context.l().name + "_padded" : context.input;
}

void pool_forward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const std::int64_t budget = context.unroll_budget;
  const std::string source = source_of(context);
  if (padded(layer)) {
    emit_fill(out, source, padded_shape(layer).size(),
              is_max(layer) ? "-std::numeric_limits<T>::infinity()" : "T(0)", budget);
    emit_padded_copy(out, layer, layer.input, context.input, source, true, budget);
  }
  const int taps = layer.kernel_h * layer.kernel_w;
  Bindings b;
  if (is_max(layer)) {
    const auto nest = pool_nest(layer, taps + 3, budget);
    emit_loop(out, nest[0], b, [&] {
      emit_loop(out, nest[1], b, [&] {
        emit_loop(out, nest[2], b, [&] {
          out.open_scope("");
          out.line("T best[L], arg[L];");
          out.lane(fmt::format("best[l] = {};", at(source, tap_index(layer, 0, 0), b)));
          out.lane("arg[l] = T(0);");
          for (int t = 1; t < taps; ++t) {
            const std::string x =
                at(source, tap_index(layer, t / layer.kernel_w, t % layer.kernel_w), b);
            // Strictly greater: the first maximum in scan order keeps ties.
            out.lane(fmt::format("{{ const T v = {}; const bool more = v > best[l]; best[l] = "
                                 "more ? v : best[l]; arg[l] = more ? T({}) : arg[l]; }}",
                                 x, t));
          }
          out.lane(fmt::format("{} = best[l];", at(context.output, output_index(layer), b)));
          // Only a workspace for backward keeps the winning taps (ForwardWorkspace has none).
          out.lane(fmt::format("if constexpr (Ws<T, L>::kForBackward) {} = arg[l];",
                               at(layer.name + "_argmax", output_index(layer), b)));
          out.close_scope("window");
        });
      });
    });
    return;
  }
  emit_avg_tables(out, layer);
  const auto nest = pool_nest(layer, 1, budget);
  emit_loop(out, nest[0], b, [&] {
    emit_loop(out, nest[1], b, [&] {
      emit_loop(out, nest[2], b, [&] {
        std::string sum;
        for (int t = 0; t < taps; ++t)
          sum += (t ? " + " : "") +
                 at(source, tap_index(layer, t / layer.kernel_w, t % layer.kernel_w), b);
        out.lane(fmt::format("{} = ({}) * ({});", at(context.output, output_index(layer), b), sum,
                             avg_scale(layer, b)));
      });
    });
  });
}

void pool_backward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  if (context.first()) return;
  const std::int64_t budget = context.unroll_budget;
  const std::string target = padded(layer) ? layer.name + "_padded_grad" : context.input_grad;
  // Windows that tile the input exactly write each input gradient once: no fill, no sums.
  const bool tiles = !padded(layer) && layer.stride_h == layer.kernel_h &&
                     layer.stride_w == layer.kernel_w &&
                     layer.output.height * layer.stride_h == layer.input.height &&
                     layer.output.width * layer.stride_w == layer.input.width;
  const char* update = tiles ? "=" : "+=";
  if (!tiles) emit_fill(out, target, padded_shape(layer).size(), "T(0)", budget);
  const int taps = layer.kernel_h * layer.kernel_w;
  if (!is_max(layer)) emit_avg_tables(out, layer);
  const auto nest = pool_nest(layer, taps, budget);
  Bindings b;
  emit_loop(out, nest[0], b, [&] {
    emit_loop(out, nest[1], b, [&] {
      emit_loop(out, nest[2], b, [&] {
        const std::string g = at(context.output_grad, output_index(layer), b);
        if (is_max(layer)) {
          // Operands are loaded before the selects (a load under a condition stops
          // vectorization), and each tap compares its own difference: GCC turns a chain of
          // `arg == 0`, `arg == 1`, ... into a switch, which does not vectorize.
          std::string statement = fmt::format("{{ const T g = {}; const T arg = {};", g,
                                              at(layer.name + "_argmax", output_index(layer), b));
          for (int t = 0; t < taps; ++t) {
            const std::string x =
                at(target, tap_index(layer, t / layer.kernel_w, t % layer.kernel_w), b);
            statement += fmt::format(" {} {} arg - T({}) == T(0) ? g : T(0);", x, update, t);
          }
          out.lane(statement + " }");
          return;
        }
        out.open_scope("");
        out.linef("const T scale = {};", avg_scale(layer, b));
        for (int t = 0; t < taps; ++t) {
          const std::string x =
              at(target, tap_index(layer, t / layer.kernel_w, t % layer.kernel_w), b);
          out.lane(fmt::format("{} {} {} * scale;", x, update, g));
        }
        out.close_scope("window");
      });
    });
  });
  if (padded(layer))
    emit_padded_copy(out, layer, layer.input, context.input_grad, target, false, budget);
}

// Batch-1 inference: the channels in the vectors. Per output pixel, each vector of channels
// takes the maximum (or the sum) of its taps in the order pool_forward does.
bool pool_one_serves(const Layer&) {
  return true;
}

void pool_one_forward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const std::string source = emit_one_window_source(
      out, context, is_max(layer) ? "-std::numeric_limits<T>::infinity()" : "T(0)");
  if (!is_max(layer)) emit_avg_tables(out, layer);
  const int taps = layer.kernel_h * layer.kernel_w;
  const auto nest =
      plan_loops({{"oy", layer.output.height}, {"ox", layer.output.width}},
                 vector_registers(layer.output.channels) * (taps + 1), context.unroll_budget);
  Bindings b;
  emit_loop(out, nest[0], b, [&] {
    emit_loop(out, nest[1], b, [&] {
      emit_vector_loops(out, "c", layer.output.channels, [&](int first) {
        const auto tap = [&](int t) {
          return one_at(source, tap_index(layer, t / layer.kernel_w, t % layer.kernel_w) + first,
                        b);
        };
        const std::string target = one_at(context.output, output_index(layer) + first, b);
        if (is_max(layer)) {
          std::string statement = fmt::format("{{ T best = {};", tap(0));
          for (int t = 1; t < taps; ++t)
            statement += fmt::format(" {{ const T v = {}; best = v > best ? v : best; }}", tap(t));
          return statement + fmt::format(" {} = best; }}", target);
        }
        std::string sum;
        for (int t = 0; t < taps; ++t) sum += (t ? " + " : "") + tap(t);
        return fmt::format("{} = ({}) * ({});", target, sum, avg_scale(layer, b));
      });
    });
  });
}

std::string pool_one_description(const Layer&) {
  return "channels in the vectors";
}

const OneSampleKernel kPoolOneSample{
    .serves = pool_one_serves,
    .scratch = no_buffers,
    .emit = pool_one_forward,
    .describe = pool_one_description,
};

LayerCost pool_cost(const Layer& layer, bool first) {
  const std::uint64_t work = std::uint64_t(layer.output.size()) * layer.kernel_h * layer.kernel_w;
  return {work, first ? 0 : work};
}

std::optional<Shape> pool_shape(const ast::Layer& statement, const LayerInput& input, Layer& layer,
                                CheckContext& context) {
  const auto& label = statement.label;
  const auto size = read_pair(*statement.size, label, "pool size", 1, context);
  // The lecture's default: a pool's stride is its size, so windows do not overlap.
  const auto stride =
      statement.stride ? read_pair(*statement.stride, label, "stride", 1, context) : size;
  const auto padding = size ? read_padding(statement, "pool", *size, context) : std::nullopt;
  if (*bool_option(statement, "count_padding", false)) layer.values.push_back({"count_padding", 1});
  if (!size || !stride || !padding || !input.shape) return std::nullopt;
  if (!needs_image(statement, input, context)) return std::nullopt;
  if (!slide_window(statement, input, "pool", *size, *stride, *padding, layer, context))
    return std::nullopt;
  layer.output.channels = input.shape->channels;
  return layer.output;
}

std::string max_description(const Layer& layer) {
  return window_description(layer);
}

std::string avg_description(const Layer& layer) {
  return window_description(layer) +
         (padded(layer) ? counts_padding(layer) ? ", divided by the whole window"
                                                : ", divided by the cells inside the input"
                        : "");
}

} // namespace

extern const LayerType kMaxPool{
    .keyword = "maxpool",
    .keras_name = "MaxPooling2D",
    .default_name = "max_pooling2d",
    .slots = {{SlotType::Size, "the pool size"}},
    .activation_positional = false,
    .options = {option::kStride, option::kPadding, option::kName},
    .usage = "SIZE [stride=S|SHxSW] [padding=valid|same|P|PHxPW] [name=ID]",
    .example = "maxpool 2x2",
    .aliases = {"max_pooling2d", "maxpooling2d", "maxpool2d"},
    .shape = pool_shape,
    .tensors = no_tensors,
    .owns_output = true,
    .extra_buffers = pool_buffers,
    .forward = pool_forward,
    .backward = pool_backward,
    .cost = pool_cost,
    .describe = max_description,
    .one_sample = &kPoolOneSample,
};

extern const LayerType kAvgPool{
    .keyword = "avgpool",
    .keras_name = "AveragePooling2D",
    .default_name = "average_pooling2d",
    .slots = {{SlotType::Size, "the pool size"}},
    .activation_positional = false,
    .options = {option::kStride,
                option::kPadding,
                option::kName,
                {"count_padding", OptionType::Bool}},
    .usage = "SIZE [stride=S|SHxSW] [padding=valid|same|P|PHxPW] [count_padding=true] [name=ID]",
    .example = "avgpool 2x2",
    .aliases = {"average_pooling2d", "averagepooling2d", "avgpool2d"},
    .shape = pool_shape,
    .tensors = no_tensors,
    .owns_output = true,
    .extra_buffers = pool_buffers,
    .forward = pool_forward,
    .backward = pool_backward,
    .cost = pool_cost,
    .describe = avg_description,
    .one_sample = &kPoolOneSample,
};

} // namespace cnnc
