// The kernels of conv2d and depthwise_conv2d: forward (accumulators for a block of output
// channels per output position, the filter window unrolled into constant offsets) and backward
// (bias, kernel and input gradients), for grouped convolutions too. A block never straddles two
// groups' channels unless it holds whole groups: with few channels per group (a depthwise
// convolution has one input channel per group), one block spans several groups, each
// accumulator reading its own group's inputs, so the block still fills the registers.
#include "layers/convolution.hpp"

#include <algorithm>
#include <functional>
#include <vector>

#include <fmt/core.h>

namespace cnnc {
namespace {

int inputs_per_group(const Layer& layer) {
  return layer.input.channels / layer.groups;
}

int outputs_per_group(const Layer& layer) {
  return layer.units / layer.groups;
}

// How the channels of one side (outputs, or inputs for the input gradient) are split into
// accumulator blocks: several whole groups per block when at least two fit, else blocks of one
// group's channels inside a loop over the groups.
struct GroupBlocks {
  bool whole_groups = false;
  int groups = 1;
  int per_group = 1; // channels of this side per group
  Blocks blocks;     // over the groups (whole_groups), else over one group's channels

  int accumulators() const { return whole_groups ? blocks.size * per_group : blocks.size; }
};

GroupBlocks group_blocks(int groups, int per_group, int max_accumulators = kMaxAccumulators) {
  const int whole = max_accumulators / per_group;
  if (whole >= 2) return {true, groups, per_group, split_blocks(groups, whole)};
  return {false, groups, per_group, split_blocks(per_group, max_accumulators)};
}

// One block: `group_count` groups from `group`, and in each the `count` channels from `first`.
// Accumulator i * count + j holds channel first + j of group group + i.
struct ChannelBlock {
  Affine group;
  int group_count = 1;
  Affine first;
  int count = 1;

  int size() const { return group_count * count; }
  Affine channel(int i, int j, int per_group) const { return (group + i) * per_group + first + j; }
};

// The loops over the groups ("group") and the blocks (`block_var`), for a nest.
std::vector<LoopSpec> block_loops(const GroupBlocks& split, const char* block_var) {
  return {{"group", split.whole_groups ? 1 : split.groups}, {block_var, split.blocks.count}};
}

// Emits `body` once per block of `split` (its loops at nest[at] and nest[at + 1]).
void emit_group_blocks(CodeWriter& out, const GroupBlocks& split, const std::vector<Loop>& nest,
                       std::size_t at, Bindings& b,
                       const std::function<void(const ChannelBlock&)>& body) {
  emit_loop(out, nest[at], b, [&] {
    emit_blocks(out, split.blocks, nest[at + 1], b, [&](const Affine& start, int size) {
      if (split.whole_groups)
        body({start, size, Affine(0), split.per_group});
      else
        body({Affine::var("group"), 1, start, size});
    });
  });
}

// Index of input pixel (oy * stride + ky * dilation, ox * stride + kx * dilation), channel c, in
// the (padded) input.
Affine input_index(const Layer& layer, const Affine& oy, const Affine& ox, const Affine& ky,
                   const Affine& kx, const Affine& c) {
  const Shape in = padded_shape(layer);
  return ((oy * layer.stride_h + ky * layer.dilation_h) * in.width + ox * layer.stride_w +
          kx * layer.dilation_w) *
             in.channels +
         c;
}

Affine input_index(const Layer& layer, const Affine& ky, const Affine& kx, const Affine& c) {
  return input_index(layer, Affine::var("oy"), Affine::var("ox"), ky, kx, c);
}

// The same pixel in the input stored one plane per channel (kernel_grad's input planes).
Affine planar_index(const Layer& layer, const Affine& oy, const Affine& ox, const Affine& ky,
                    const Affine& kx, const Affine& c) {
  const Shape in = padded_shape(layer);
  return (c * in.height + oy * layer.stride_h + ky * layer.dilation_h) * in.width +
         ox * layer.stride_w + kx * layer.dilation_w;
}

// The kernel gradient's register blocks: a few taps of a window row (kx) times a block of output
// channels. At each output position the block's taps x outputs accumulators take one load per
// tap (the input) and one per output channel (its gradient): 3 taps x 4 outputs are 12 FMAs for
// 7 loads, where one tap would need a load per FMA.
constexpr int kMaxKernelGradTaps = 6;

Blocks kernel_grad_taps(const Layer& layer) {
  return split_blocks(layer.kernel_w, kMaxKernelGradTaps);
}

GroupBlocks kernel_grad_split(const Layer& layer) {
  return group_blocks(layer.groups, outputs_per_group(layer),
                      std::max(1, kMaxAccumulators / kernel_grad_taps(layer).size));
}

// The kernel gradient's tiles of output rows: a block's output gradient for a tile's rows, at
// 16 float lanes (64 bytes) a value, fits in kTileBytes, so that it stays in the L1 cache while
// every tap of the window reads it. More than one tile keeps each weight's per-lane sums in a
// workspace buffer between tiles (kernel_grad_lanes).
Blocks kernel_grad_rows(const Layer& layer) {
  constexpr std::int64_t kTileBytes = 20 * 1024, kValueBytes = 64;
  const std::int64_t row_bytes =
      std::int64_t(layer.output.width) * kernel_grad_split(layer).accumulators() * kValueBytes;
  const int rows = int(std::max<std::int64_t>(1, kTileBytes / row_bytes));
  return split_blocks(layer.output.height, std::min(rows, layer.output.height));
}

// Weight (ky, kx, c, o): c is the input channel within o's group.
Affine kernel_index(const Layer& layer, const Affine& ky, const Affine& kx, const Affine& c,
                    const Affine& o) {
  return ((ky * layer.kernel_w + kx) * inputs_per_group(layer) + c) * layer.units + o;
}

} // namespace

std::optional<ConvWindow> read_conv_window(const ast::Layer& statement, CheckContext& context) {
  const auto& label = statement.label;
  const auto kernel = read_pair(*statement.size, label, "kernel size", 1, context);
  const auto stride = statement.stride ? read_pair(*statement.stride, label, "stride", 1, context)
                                       : std::optional(std::pair{1, 1});
  const auto dilation = size_option(statement, "dilation", 1, {1, 1}, context);
  const auto padding = kernel ? read_padding(statement, "kernel", *kernel, context) : std::nullopt;
  if (!kernel || !stride || !dilation || !padding) return std::nullopt;
  const bool strided = stride->first > 1 || stride->second > 1;
  const bool dilated = dilation->first > 1 || dilation->second > 1;
  if (strided && dilated) {
    context.error(statement.option("dilation")->span,
                  prefixed(label, fmt::format("dilation {} needs stride 1, not {} (Keras does not "
                                              "combine a dilation above 1 with a stride above 1)",
                                              statement.option("dilation")->size->text,
                                              statement.stride->text)));
    return std::nullopt;
  }
  return ConvWindow{*kernel, *stride, *dilation, *padding};
}

bool fit_conv_window(const ast::Layer& statement, const LayerInput& input, const ConvWindow& window,
                     Layer& layer, CheckContext& context) {
  layer.dilation_h = window.dilation.first;
  layer.dilation_w = window.dilation.second;
  return slide_window(statement, input, "kernel", window.kernel, window.stride, window.padding,
                      layer, context);
}

std::string conv_window_description(const Layer& layer) {
  const bool dilated = layer.dilation_h != 1 || layer.dilation_w != 1;
  return window_description(layer) +
         (dilated ? fmt::format(", dilation {}x{}", layer.dilation_h, layer.dilation_w) : "");
}

std::vector<Buffer> conv_buffers(const LayerContext& context) {
  const Layer& layer = context.l();
  std::vector<Buffer> buffers;
  if (padded(layer)) {
    const Shape shape = padded_shape(layer);
    buffers.push_back(
        {layer.name + "_padded", shape.size(), to_string(shape) + ", the input zero-padded"});
    if (!context.first())
      buffers.push_back({layer.name + "_padded_grad", shape.size(), "its gradient", false});
  }
  const GroupBlocks split = kernel_grad_split(layer);
  const Blocks rows = kernel_grad_rows(layer);
  if (split.accumulators() < layer.units)
    buffers.push_back({layer.name + "_grad_tile",
                       std::int64_t(rows.size) * layer.output.width * split.accumulators(),
                       "a block's output gradient for a tile of rows, packed", false});
  if (padded_shape(layer).channels > 1)
    buffers.push_back({layer.name + "_input_planes", padded_shape(layer).size(),
                       "the (padded) input, one plane per channel", false});
  if (rows.count > 1) {
    const std::int64_t weights =
        std::int64_t(layer.kernel_h) * layer.kernel_w * inputs_per_group(layer);
    buffers.push_back({layer.name + "_kernel_grad_lanes", weights * split.accumulators(),
                       "a block's kernel gradient per lane, between tiles of rows", false});
  }
  return buffers;
}

void conv_forward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const std::int64_t budget = context.unroll_budget;
  std::string source = context.input;
  if (padded(layer)) {
    source = layer.name + "_padded";
    emit_fill(out, source, padded_shape(layer).size(), "T(0)", budget);
    emit_padded_copy(out, layer, layer.input, context.input, source, true, budget);
  }
  const int inputs = inputs_per_group(layer), outputs = outputs_per_group(layer);
  const GroupBlocks split = group_blocks(layer.groups, outputs);
  std::vector<LoopSpec> specs{{"oy", layer.output.height}, {"ox", layer.output.width}};
  for (const LoopSpec& loop : block_loops(split, "ob")) specs.push_back(loop);
  specs.insert(specs.end(),
               {{"c", inputs}, {"ky", layer.kernel_h, true}, {"kx", layer.kernel_w, true}});
  const auto nest = plan_loops(specs, split.accumulators(), budget);
  const Affine ky = Affine::var("ky"), kx = Affine::var("kx"), c = Affine::var("c");
  const Affine position = Affine::var("oy") * layer.output.width + Affine::var("ox");
  Bindings b;
  emit_loop(out, nest[0], b, [&] {
    emit_loop(out, nest[1], b, [&] {
      emit_group_blocks(out, split, nest, 2, b, [&](const ChannelBlock& block) {
        const int size = block.size();
        out.open_scope("");
        out.linef("T acc[{}][L];", size);
        for (int a = 0; a < size; ++a)
          out.lane(fmt::format(
              "acc[{}][l] = {};", a,
              layer.use_bias ? param(context.offset("bias"),
                                     block.channel(a / block.count, a % block.count, outputs), b)
                             : "T(0)"));
        out.lane_break();
        emit_loop(out, nest[4], b, [&] {
          emit_loop(out, nest[5], b, [&] {
            emit_loop(out, nest[6], b, [&] {
              for (int i = 0; i < block.group_count; ++i) {
                const std::string x =
                    at(source, input_index(layer, ky, kx, (block.group + i) * inputs + c), b);
                for (int j = 0; j < block.count; ++j)
                  emit_weighted(out, fmt::format("acc[{}][l] += {} * {};", i * block.count + j,
                                                 param(context.offset("kernel"),
                                                       kernel_index(layer, ky, kx, c,
                                                                    block.channel(i, j, outputs)),
                                                       b),
                                                 x));
              }
            });
          });
        });
        out.lane_break();
        for (int a = 0; a < size; ++a)
          out.lane(fmt::format(
              "{} = {};",
              at(context.output,
                 position * layer.units + block.channel(a / block.count, a % block.count, outputs),
                 b),
              apply_activation(layer.activation, fmt::format("acc[{}][l]", a))));
        out.close_scope("block of output channels");
      });
    });
  });
  if (layer.activation == Activation::Softmax)
    emit_activation_forward(out, layer.activation, context.output, layer.output, budget);
}

namespace {

void conv_bias_grad(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const Blocks blocks = split_blocks(layer.units, kMaxAccumulators);
  const auto nest =
      plan_loops({{"ob", blocks.count}, {"p", layer.output.height * layer.output.width}},
                 blocks.size, context.unroll_budget);
  Bindings b;
  emit_blocks(out, blocks, nest[0], b, [&](const Affine& start, int size) {
    out.open_scope("");
    out.linef("T acc[{}][L] = {{}};", size);
    emit_loop(out, nest[1], b, [&] {
      for (int o = 0; o < size; ++o)
        out.lane(
            fmt::format("acc[{}][l] += {};", o,
                        at(context.output_grad, Affine::var("p") * layer.units + start + o, b)));
    });
    emit_reduce_block(out, "acc", size, context.offset("bias"), start, b, context.unroll_budget);
    out.close_scope("bias gradient block");
  });
}

void conv_kernel_grad(CodeWriter& out, const LayerContext& context, const std::string& source) {
  const Layer& layer = context.l();
  const int inputs = inputs_per_group(layer), outputs = outputs_per_group(layer);
  const GroupBlocks split = kernel_grad_split(layer);
  const Blocks taps = kernel_grad_taps(layer), tile_rows = kernel_grad_rows(layer);
  const bool tiled = tile_rows.count > 1;
  const int width = layer.output.width;
  // Blocks of output channels outermost, so that a block's output gradient rows are read from
  // the L1 cache by every (c, ky, kx) of the window; the rows in tiles when they would not fit.
  std::vector<LoopSpec> specs = block_loops(split, "ob");
  specs.insert(specs.end(), {{"ty", tile_rows.count},
                             {"c", inputs},
                             {"ky", layer.kernel_h},
                             {"kb", taps.count},
                             {"r", tile_rows.size},
                             {"ox", width}});
  const auto nest =
      plan_loops(specs, std::int64_t(split.accumulators()) * taps.size, context.unroll_budget);
  const Affine ky = Affine::var("ky"), c = Affine::var("c");
  // Weight (ky, kx, c) of the block's channel a sits at window(kx) * units + the channel.
  auto window = [&](const Affine& kx) { return (ky * layer.kernel_w + kx) * inputs + c; };
  const std::string lanes = layer.name + "_kernel_grad_lanes", tile = layer.name + "_grad_tile";
  const std::string planes = layer.name + "_input_planes";
  const Shape in = padded_shape(layer);
  const bool planar = in.channels > 1;
  Bindings b;
  if (planar) {
    // The input, one plane per channel: the window's taps then read consecutive positions of
    // one channel, instead of values channels * L apart.
    const Affine p = Affine::var("p"), ch = Affine::var("c");
    const auto copy =
        plan_loops({{"p", in.height * in.width}, {"c", in.channels}}, 1, context.unroll_budget);
    emit_loop(out, copy[0], b, [&] {
      emit_loop(out, copy[1], b, [&] {
        out.lane(fmt::format("{} = {};", at(planes, ch * (in.height * in.width) + p, b),
                             at(source, p * in.channels + ch, b)));
      });
    });
    out.lane_break();
  }
  const std::int64_t weights = std::int64_t(layer.kernel_h) * layer.kernel_w * inputs;
  const Loop& tile_loop = nest[2];
  // One tile of rows for one block of output channels.
  auto tile_body = [&](const ChannelBlock& block, const Affine& start, int rows) {
    const int size = block.size();
    // Where the per-lane sums of the block's output a for the tap at kx wait between tiles.
    auto carried_at = [&](const Affine& kx, int a) { return window(kx) * size + a; };
    // A block of every channel is already packed.
    const bool pack = size < layer.units;
    const Affine r = Affine::var("r"), ox = Affine::var("ox");
    if (pack) {
      // The block's output gradient for the tile's rows, packed position by position: read
      // in place, its values lie units * L apart, and at some channel counts (64 floats of
      // 16 lanes: 4 KiB) all in the same few L1 sets, which then hold a fraction of the tile.
      const auto copy = plan_loops({{"r", rows}, {"ox", width}}, size, context.unroll_budget);
      emit_loop(out, copy[0], b, [&] {
        emit_loop(out, copy[1], b, [&] {
          for (int a = 0; a < size; ++a)
            out.lane(fmt::format("{} = {};", at(tile, (r * width + ox) * size + a, b),
                                 at(context.output_grad,
                                    ((start + r) * width + ox) * layer.units +
                                        block.channel(a / block.count, a % block.count, outputs),
                                    b)));
        });
      });
      out.lane_break();
    }
    Loop row_loop = nest[6];
    row_loop.extent = rows;
    if (rows == 1) row_loop.unrolled = true;
    emit_loop(out, nest[3], b, [&] {
      emit_loop(out, nest[4], b, [&] {
        emit_blocks(out, taps, nest[5], b, [&](const Affine& first_tap, int tap_count) {
          auto kx = [&](int t) { return first_tap + t; };
          out.open_scope("");
          if (tiled) {
            // Each weight's per-lane sums, carried from one tile of rows to the next.
            out.linef("T acc[{}][{}][L];", tap_count, size);
            auto zero = [&] {
              for (int t = 0; t < tap_count; ++t)
                for (int a = 0; a < size; ++a)
                  out.lane(fmt::format("acc[{}][{}][l] = T(0);", t, a));
            };
            auto carried = [&] {
              for (int t = 0; t < tap_count; ++t)
                for (int a = 0; a < size; ++a)
                  out.lane(fmt::format("acc[{}][{}][l] = {};", t, a,
                                       at(lanes, carried_at(kx(t), a), b)));
            };
            const Affine tile_start = start.bind(b);
            if (!tile_start.is_constant()) {
              // Rolled tiles start at ty * rows: the first is ty == 0.
              out.open_scope(fmt::format("if ({} == 0)", tile_loop.var));
              zero();
              out.close_scope();
              out.open_scope("else");
              carried();
              out.close_scope();
            } else if (tile_start.constant() == 0) {
              zero();
            } else {
              carried();
            }
            out.lane_break();
          } else {
            out.linef("T acc[{}][{}][L] = {{}};", tap_count, size);
          }
          emit_loop(out, row_loop, b, [&] {
            emit_loop(out, nest[7], b, [&] {
              const Affine oy = start + r;
              const Affine position = pack ? (r * width + ox) * size : (oy * width + ox) * size;
              const std::string& grad = pack ? tile : context.output_grad;
              for (int t = 0; t < tap_count; ++t) {
                for (int i = 0; i < block.group_count; ++i) {
                  const Affine channel = (block.group + i) * inputs + c;
                  const std::string x =
                      planar ? at(planes, planar_index(layer, oy, ox, ky, kx(t), channel), b)
                             : at(source, input_index(layer, oy, ox, ky, kx(t), channel), b);
                  for (int j = 0; j < block.count; ++j) {
                    const int a = i * block.count + j;
                    out.lane(fmt::format("acc[{}][{}][l] += {} * {};", t, a,
                                         at(grad, position + a, b), x));
                  }
                }
              }
            });
          });
          for (int t = 0; t < tap_count; ++t) {
            if (tiled) {
              out.lane_break();
              for (int a = 0; a < size; ++a)
                out.lane(
                    fmt::format("{} = acc[{}][{}][l];", at(lanes, carried_at(kx(t), a), b), t, a));
            } else {
              // A block's weights are consecutive: its output channels are.
              emit_reduce_block(out, fmt::format("acc[{}]", t), size, context.offset("kernel"),
                                window(kx(t)) * layer.units + block.channel(0, 0, outputs), b,
                                context.unroll_budget);
            }
          }
          out.close_scope("window taps");
        });
      });
    });
  };
  emit_group_blocks(out, split, nest, 0, b, [&](const ChannelBlock& block) {
    const int size = block.size();
    const Affine first_channel = block.channel(0, 0, outputs);
    out.open_scope("");
    emit_blocks(out, tile_rows, tile_loop, b,
                [&](const Affine& start, int rows) { tile_body(block, start, rows); });
    if (tiled) {
      const std::string target =
          (Affine::var("w") * layer.units + first_channel + Affine::var("a")).str(b);
      out.open_scope(fmt::format("for (int w = 0; w < {}; ++w)", weights));
      out.open_scope(fmt::format("for (int a = 0; a < {}; ++a)", size));
      out.linef("grads[{} + {}] += lane_sum<T, L>({});", context.offset("kernel"), target,
                lane_pointer(lanes, Affine::var("w") * size + Affine::var("a"), b));
      out.close_scope("for a");
      out.close_scope("for w");
    }
    out.close_scope("kernel gradient block");
  });
}

void conv_input_grad(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const std::int64_t budget = context.unroll_budget;
  const std::string target = padded(layer) ? layer.name + "_padded_grad" : context.input_grad;
  emit_fill(out, target, padded_shape(layer).size(), "T(0)", budget);
  const int inputs = inputs_per_group(layer), outputs = outputs_per_group(layer);
  // Blocks of input channels, each summing over the outputs of its group.
  const GroupBlocks split = group_blocks(layer.groups, inputs);
  std::vector<LoopSpec> specs{{"oy", layer.output.height},
                              {"ox", layer.output.width},
                              {"ky", layer.kernel_h, true},
                              {"kx", layer.kernel_w, true}};
  for (const LoopSpec& loop : block_loops(split, "cb")) specs.push_back(loop);
  specs.push_back({"o", outputs});
  const auto nest = plan_loops(specs, split.accumulators(), budget);
  const Affine ky = Affine::var("ky"), kx = Affine::var("kx"), o = Affine::var("o");
  const Affine position = Affine::var("oy") * layer.output.width + Affine::var("ox");
  Bindings b;
  emit_loop(out, nest[0], b, [&] {
    emit_loop(out, nest[1], b, [&] {
      emit_loop(out, nest[2], b, [&] {
        emit_loop(out, nest[3], b, [&] {
          emit_group_blocks(out, split, nest, 4, b, [&](const ChannelBlock& block) {
            const int size = block.size();
            out.open_scope("");
            out.linef("T acc[{}][L];", size);
            for (int a = 0; a < size; ++a)
              out.lane(fmt::format(
                  "acc[{}][l] = {};", a,
                  at(target,
                     input_index(layer, ky, kx,
                                 block.channel(a / block.count, a % block.count, inputs)),
                     b)));
            out.lane_break();
            emit_loop(out, nest[6], b, [&] {
              for (int i = 0; i < block.group_count; ++i) {
                const Affine output = (block.group + i) * outputs + o;
                const std::string g = at(context.output_grad, position * layer.units + output, b);
                for (int j = 0; j < block.count; ++j)
                  emit_weighted(
                      out,
                      fmt::format("acc[{}][l] += {} * {};", i * block.count + j,
                                  param(context.offset("kernel"),
                                        kernel_index(layer, ky, kx, block.first + j, output), b),
                                  g));
              }
            });
            out.lane_break();
            for (int a = 0; a < size; ++a)
              out.lane(fmt::format(
                  "{} = acc[{}][l];",
                  at(target,
                     input_index(layer, ky, kx,
                                 block.channel(a / block.count, a % block.count, inputs)),
                     b),
                  a));
            out.close_scope("input gradient block");
          });
        });
      });
    });
  });
  if (padded(layer))
    emit_padded_copy(out, layer, layer.input, context.input_grad, target, false, budget);
}

} // namespace

void conv_backward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  if (!context.loss_fused)
    emit_activation_backward(out, layer.activation, context.output_grad, context.output,
                             layer.output, context.unroll_budget);
  if (layer.use_bias) conv_bias_grad(out, context);
  conv_kernel_grad(out, context, padded(layer) ? layer.name + "_padded" : context.input);
  if (!context.first()) conv_input_grad(out, context);
}

LayerCost conv_cost(const Layer& layer, bool first) {
  const std::uint64_t macs = std::uint64_t(layer.output.size()) * layer.kernel_h * layer.kernel_w *
                             std::uint64_t(inputs_per_group(layer));
  return {2 * macs, (first ? 2 : 4) * macs};
}

} // namespace cnnc
