// The one-sample kernel of conv2d and depthwise_conv2d (batch-1 inference, layers/one_sample.hpp).
// Two ways to fill the vectors, chosen per layer:
// - output channels: for a few output pixels of a row at a time, acc[p][o] += x * w[o], the
//   kernel's (ky, kx, c) row of weights contiguous in o and the input value broadcast; for
//   groups = 1 with a multiple of 16 output channels, and for depthwise layers (one input
//   channel and one output per group), where x is contiguous in the channels too.
// - output pixels: for a block of output channels, acc[o][q] += w[o] * x[q] over a block of
//   output pixels q, from a copy of the input in columns (per kernel column kx and channel c, the
//   input values each output pixel meets), so that the pixels' values are contiguous; for any
//   groups and few or uneven channel counts (the first layer of a grey-image model: one input
//   channel, 6, 8 or 10 outputs).
// Both sum each output over (c, ky, kx) in the order NAME_forward does.
#include <algorithm>

#include <fmt/core.h>

#include "layers/convolution.hpp"
#include "layers/one_sample.hpp"

namespace cnnc {
namespace {

// The largest columns copy an output-pixels kernel may keep (values, in LatencyWorkspace).
constexpr std::int64_t kMaxColumns = 16384;

struct Geometry {
  Shape in; // the (padded) input
  int height = 0, width = 0, units = 0;
  int groups = 1, inputs = 1, outputs = 1; // inputs and outputs: channels per group
  int pixels = 0;
};

Geometry geometry(const Layer& layer) {
  Geometry g;
  g.in = padded_shape(layer);
  g.height = layer.output.height;
  g.width = layer.output.width;
  g.units = layer.units;
  g.groups = layer.groups;
  g.inputs = layer.input.channels / layer.groups;
  g.outputs = layer.units / layer.groups;
  g.pixels = g.height * g.width;
  return g;
}

// One input channel and one output per group: output channel o reads input channel o.
bool depthwise(const Geometry& g) {
  return g.groups > 1 && g.inputs == 1 && g.outputs == 1;
}

// The columns copy of the output-pixels kernel: columns[(((a * kw + kx) * C + c) * rows + r) *
// W_out + ox] = x[r * stride_h + a * dilation_h][ox * stride_w + kx * dilation_w][c]. With a
// vertical stride of 1, `a` is 0 and r runs over all input rows: output pixel q = oy * W_out + ox
// meets, at tap (ky, kx), the value at row r = oy + ky * dilation_h, so its values for one tap
// are contiguous in q. With a larger stride the rows are taken per ky (a = ky, r = oy).
struct Columns {
  int planes = 1; // a: 1, or kernel_h
  int rows = 0;
  std::int64_t size = 0;
};

Columns columns(const Layer& layer, const Geometry& g) {
  Columns c;
  const bool shared = layer.stride_h == 1;
  c.planes = shared ? 1 : layer.kernel_h;
  c.rows = shared ? g.in.height : g.height;
  c.size = std::int64_t(c.planes) * layer.kernel_w * g.in.channels * c.rows * g.width;
  return c;
}

enum class Vectorised { Channels, Pixels, None };

Vectorised way(const Layer& layer) {
  const Geometry g = geometry(layer);
  const bool channels_possible = g.groups == 1 || depthwise(g);
  const int vectorised = g.groups == 1 ? g.outputs : g.groups;
  if (channels_possible && vectorised % kVectorValues == 0) return Vectorised::Channels;
  if (columns(layer, g).size <= kMaxColumns) return Vectorised::Pixels;
  if (channels_possible) return Vectorised::Channels;
  return Vectorised::None;
}

// --- Output pixels in the vectors ---

struct PixelBlocks {
  int pixels = 1;  // per block
  Blocks channels; // of one group's outputs
};

// The block shape with the least estimated work: per step of the (c, ky, kx) loop a block does
// (pixels / 16) * channels vector multiply-adds and loads pixels / 16 + channels values; a
// last overlapping pixel block repeats work.
PixelBlocks pixel_blocks(const Geometry& g) {
  PixelBlocks best;
  double best_cost = -1;
  for (int per_block = 1; per_block <= 4; ++per_block) {
    const int size = std::min(per_block * kVectorValues, g.pixels);
    const Blocks channels = split_blocks(g.outputs, kOneSampleAccumulators / per_block);
    const int pixel_blocks = (g.pixels + size - 1) / size;
    const double used = vector_registers(size);
    const double step = used * channels.size + 0.5 * (used + channels.size);
    const double cost = double(pixel_blocks) * channels.count * step;
    if (best_cost < 0 || cost < best_cost) {
      best_cost = cost;
      best = {size, channels};
    }
    if (size == g.pixels) break;
  }
  return best;
}

void pixels_kernel(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const std::int64_t budget = context.unroll_budget;
  const Geometry g = geometry(layer);
  const Columns cols = columns(layer, g);
  const PixelBlocks shape = pixel_blocks(g);
  const std::string source = emit_one_window_source(out, context, "T(0)");
  const std::string table = layer.name + "_columns";
  const bool shared = cols.planes == 1;
  const Affine ky = Affine::var("ky"), kx = Affine::var("kx"), c = Affine::var("c");
  const Affine r = Affine::var("r"), ox = Affine::var("ox"), q = Affine::var("q");
  const Affine plane = shared ? Affine(0) : ky;
  Bindings b;
  out.line(
      "// The input in columns: the values each output pixel meets at one tap are contiguous.");
  const auto copy = plan_loops({{"ky", cols.planes},
                                {"kx", layer.kernel_w},
                                {"c", g.in.channels},
                                {"r", cols.rows},
                                {"ox", g.width}},
                               1, budget);
  emit_loop(out, copy[0], b, [&] {
    emit_loop(out, copy[1], b, [&] {
      emit_loop(out, copy[2], b, [&] {
        emit_loop(out, copy[3], b, [&] {
          emit_loop(out, copy[4], b, [&] {
            const Affine at =
                (((plane * layer.kernel_w + kx) * g.in.channels + c) * cols.rows + r) * g.width +
                ox;
            const Affine from = ((r * layer.stride_h + plane * layer.dilation_h) * g.in.width +
                                 ox * layer.stride_w + kx * layer.dilation_w) *
                                    g.in.channels +
                                c;
            out.linef("{} = {};", one_at(table, at, b), one_at(source, from, b));
          });
        });
      });
    });
  });
  const Blocks& blocks = shape.channels;
  const auto nest = plan_loops({{"group", g.groups},
                                {"ob", blocks.count},
                                {"qb", g.pixels / shape.pixels},
                                {"c", g.inputs},
                                {"ky", layer.kernel_h},
                                {"kx", layer.kernel_w}},
                               std::int64_t(blocks.size) * vector_registers(shape.pixels), budget);
  const Affine group = Affine::var("group");
  emit_loop(out, nest[0], b, [&] {
    emit_blocks(out, blocks, nest[1], b, [&](const Affine& first, int count) {
      const Affine o0 = group * g.outputs + first;
      emit_covering_blocks(out, nest[2], g.pixels, shape.pixels, b, [&](const Affine& q0) {
        out.open_scope("");
        out.linef("alignas(64) T acc[{}][{}];", count, shape.pixels);
        for (int o = 0; o < count; ++o)
          emit_vector_loops(out, "q", shape.pixels, [&](int from) {
            return fmt::format("acc[{}][{}] = {};", o, (q + from).str(),
                               layer.use_bias ? param(context.offset("bias"), o0 + o, b) : "T(0)");
          });
        emit_loop(out, nest[3], b, [&] {
          emit_loop(out, nest[4], b, [&] {
            emit_loop(out, nest[5], b, [&] {
              const Affine row = shared ? ky * layer.dilation_h : Affine(0);
              const Affine x =
                  (((plane * layer.kernel_w + kx) * g.in.channels + group * g.inputs + c) *
                       cols.rows +
                   row) *
                      g.width +
                  q0 + q;
              for (int o = 0; o < count; ++o) {
                const Affine w = ((ky * layer.kernel_w + kx) * g.inputs + c) * g.units + o0 + o;
                emit_vector_loops(out, "q", shape.pixels, [&](int from) {
                  return fmt::format("acc[{}][{}] += {} * {};", o, (q + from).str(),
                                     param(context.offset("kernel"), w, b),
                                     one_at(table, x + from, b));
                });
              }
            });
          });
        });
        for (int o = 0; o < count; ++o)
          emit_vector_loops(out, "q", shape.pixels, [&](int from) {
            return fmt::format("{} = {};",
                               one_at(context.output, (q0 + q + from) * g.units + o0 + o, b),
                               apply_activation(layer.activation,
                                                fmt::format("acc[{}][{}]", o, (q + from).str())));
          });
        out.close_scope("block of pixels");
      });
    });
  });
  emit_one_softmax(out, context);
}

// --- Output channels in the vectors ---

struct ChannelBlocks {
  Blocks channels; // of the vectorised channels (all units, or the depthwise groups)
  int pixels = 1;  // along a row, per block
};

ChannelBlocks channel_blocks(const Geometry& g) {
  const int vectorised = depthwise(g) ? g.groups : g.outputs;
  // Up to four vectors of channels per block, as many pixels as the accumulators then allow.
  const Blocks channels = split_blocks(vectorised, 4 * kVectorValues);
  const int most = std::max(1, kOneSampleAccumulators / vector_registers(channels.size));
  const int row_blocks = (g.width + most - 1) / most;
  return {channels, (g.width + row_blocks - 1) / row_blocks};
}

void channels_kernel(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const Geometry g = geometry(layer);
  const ChannelBlocks shape = channel_blocks(g);
  const Blocks& blocks = shape.channels;
  const bool per_channel = depthwise(g);
  const std::string source = emit_one_window_source(out, context, "T(0)");
  const Affine oy = Affine::var("oy"), ky = Affine::var("ky"), kx = Affine::var("kx");
  const Affine c = Affine::var("c"), o = Affine::var("o");
  const auto nest =
      plan_loops({{"oy", g.height},
                  {"xb", g.width / shape.pixels},
                  {"ob", blocks.count},
                  {"c", per_channel ? 1 : g.inputs},
                  {"ky", layer.kernel_h},
                  {"kx", layer.kernel_w}},
                 std::int64_t(shape.pixels) * vector_registers(blocks.size), context.unroll_budget);
  Bindings b;
  emit_loop(out, nest[0], b, [&] {
    emit_covering_blocks(out, nest[1], g.width, shape.pixels, b, [&](const Affine& x0) {
      emit_blocks(out, blocks, nest[2], b, [&](const Affine& o0, int count) {
        out.open_scope("");
        out.linef("alignas(64) T acc[{}][{}];", shape.pixels, count);
        for (int p = 0; p < shape.pixels; ++p)
          emit_vector_loops(out, "o", count, [&](int from) {
            return fmt::format("acc[{}][{}] = {};", p, (o + from).str(),
                               layer.use_bias ? param(context.offset("bias"), o0 + o + from, b)
                                              : "T(0)");
          });
        emit_loop(out, nest[3], b, [&] {
          emit_loop(out, nest[4], b, [&] {
            emit_loop(out, nest[5], b, [&] {
              const Affine channel = per_channel ? o0 + o : c;
              const Affine w =
                  ((ky * layer.kernel_w + kx) * g.inputs + (per_channel ? Affine(0) : c)) *
                      g.units +
                  o0 + o;
              for (int p = 0; p < shape.pixels; ++p) {
                const Affine x = ((oy * layer.stride_h + ky * layer.dilation_h) * g.in.width +
                                  (x0 + p) * layer.stride_w + kx * layer.dilation_w) *
                                     g.in.channels +
                                 channel;
                emit_vector_loops(out, "o", count, [&](int from) {
                  return fmt::format("acc[{}][{}] += {} * {};", p, (o + from).str(),
                                     param(context.offset("kernel"), w + from, b),
                                     one_at(source, per_channel ? x + from : x, b));
                });
              }
            });
          });
        });
        for (int p = 0; p < shape.pixels; ++p)
          emit_vector_loops(out, "o", count, [&](int from) {
            return fmt::format(
                "{} = {};",
                one_at(context.output, (oy * g.width + x0 + p) * g.units + o0 + o + from, b),
                apply_activation(layer.activation,
                                 fmt::format("acc[{}][{}]", p, (o + from).str())));
          });
        out.close_scope("block of channels");
      });
    });
  });
  emit_one_softmax(out, context);
}

bool conv_one_serves(const Layer& layer) {
  return way(layer) != Vectorised::None;
}

std::vector<Buffer> conv_one_scratch(const LayerContext& context) {
  const Layer& layer = context.l();
  if (way(layer) != Vectorised::Pixels) return {};
  const Geometry g = geometry(layer);
  const Columns cols = columns(layer, g);
  return {{layer.name + "_columns", cols.size,
           fmt::format("{}'s input in columns ({} x {} x {} x {} x {})", layer.name, cols.planes,
                       layer.kernel_w, g.in.channels, cols.rows, g.width)}};
}

void conv_one_emit(CodeWriter& out, const LayerContext& context) {
  if (way(context.l()) == Vectorised::Pixels)
    pixels_kernel(out, context);
  else
    channels_kernel(out, context);
}

std::string conv_one_description(const Layer& layer) {
  const Geometry g = geometry(layer);
  if (way(layer) == Vectorised::Pixels) {
    const PixelBlocks shape = pixel_blocks(g);
    return fmt::format("output pixels in the vectors: blocks of {} pixels x {} channels",
                       shape.pixels, shape.channels.size);
  }
  const ChannelBlocks shape = channel_blocks(g);
  return fmt::format("output channels in the vectors: blocks of {} pixels x {} channels",
                     shape.pixels, shape.channels.size);
}

} // namespace

extern const OneSampleKernel kConvOneSample{
    .serves = conv_one_serves,
    .scratch = conv_one_scratch,
    .emit = conv_one_emit,
    .describe = conv_one_description,
};

} // namespace cnnc
