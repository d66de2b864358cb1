// What the layer kinds' kernels are emitted with: the workspace buffers a layer declares, the
// context a kernel is emitted in (buffer names, parameter offsets), its cost, and the helpers
// the kernels share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codegen/affine.hpp"
#include "codegen/code_writer.hpp"
#include "codegen/unroll.hpp"
#include "dsl/model.hpp"

namespace cnnc {

// A workspace array of `size` values per lane: `alignas(64) T name[size * L];`.
struct Buffer {
  std::string name;
  std::int64_t size = 0;
  std::string comment;
  // Also a member of ForwardWorkspace: forward needs it whatever the workspace (a gradient,
  // or max pooling's winning taps, which forward writes only for backward, are not).
  bool in_forward_workspace = true;
};

// Where a layer's kernels read and write: workspace buffer names and parameter offsets.
struct LayerContext {
  const Model* model = nullptr;
  const Layer* layer = nullptr;
  int index = 0;
  std::string input;       // buffer holding the layer's input
  std::string output;      // buffer the forward kernel writes
  std::string input_grad;  // gradient w.r.t. the input; empty for the first layer
  std::string output_grad; // gradient w.r.t. the output, filled before backward runs
  // The loss already gave the gradient w.r.t. this layer's pre-activation (softmax with
  // categorical cross-entropy, sigmoid with binary cross-entropy).
  bool loss_fused = false;
  // The named offsets of the layer's parameter tensors, by role: {"kernel", "kConv2d1Kernel"}.
  std::vector<std::pair<std::string, std::string>> offsets;
  std::int64_t unroll_budget = kDefaultUnrollBudget;

  const Layer& l() const { return *layer; }
  bool first() const { return input_grad.empty(); }
  // The offset constant of the tensor with this role; throws std::logic_error when the layer has
  // no such tensor (a descriptor's kernels and tensors disagree).
  const std::string& offset(std::string_view role) const;
};

struct LayerCost {
  std::uint64_t forward_flops = 0; // per sample; a multiply-add counts two
  std::uint64_t backward_flops = 0;
};


// --- helpers shared by the kernels (layers/common.cpp) ---

// `ws.<buffer>[<index> * L + l]`, the lane l of element `index` of a workspace buffer.
std::string at(const std::string& buffer, const Affine& index, const Bindings& bindings);
// A multiply-add with a broadcast weight; at most a few share a lane loop: compilers broadcast
// a lane loop's weights before the loop starts, and a block's worth of them would not fit in
// the registers beside the accumulators.
void emit_weighted(CodeWriter& out, const std::string& statement);
// `<array>[<index> * L + l]`, for arrays outside the workspace (the target group).
std::string indexed(const std::string& array, const Affine& index, const Bindings& bindings);
// `params[<offset> + <index>]`.
std::string param(const std::string& offset, const Affine& index, const Bindings& bindings);

// Output channel blocks: sizes at most `max_block`, as even as possible.
struct Blocks {
  int count = 1;
  int size = 1;      // every block but possibly the last
  int last_size = 1; // equal to size when the blocks are even
  bool even() const { return size == last_size; }
};
Blocks split_blocks(int n, int max_block);
// Emits `body(start, size)` once per block: a loop over `ob` when the blocks are even and the plan
// leaves it rolled, otherwise one copy per block with a constant start.
void emit_blocks(CodeWriter& out, const Blocks& blocks, const Loop& block_loop, Bindings& bindings,
                 const std::function<void(const Affine&, int)>& body);

// Fills `count` elements of a buffer with `value` (a C++ expression of type T).
void emit_fill(CodeWriter& out, const std::string& buffer, std::int64_t count,
               const std::string& value, std::int64_t budget);
// Whether a conv or pool layer pads its input, and the shape of its zero-padded input.
bool padded(const Layer& layer);
Shape padded_shape(const Layer& layer);
// Copies an h x w x c image between a buffer and the interior of a padded one, in either
// direction (`to_padded`), padding (top, left) in the padded buffer of width w + left + right.
void emit_padded_copy(CodeWriter& out, const Layer& layer, const Shape& shape,
                      const std::string& plain, const std::string& padded, bool to_padded,
                      std::int64_t budget);

// The activation applied in place to `count` values of `buffer` laid out as positions x
// channels (softmax normalises over the channels of each position).
void emit_activation_forward(CodeWriter& out, Activation activation, const std::string& buffer,
                             const Shape& shape, std::int64_t budget);
// grad <- grad * f'(out), from the stored output; the softmax Jacobian for softmax.
void emit_activation_backward(CodeWriter& out, Activation activation, const std::string& grad,
                              const std::string& output, const Shape& shape, std::int64_t budget);
// Adds the lane sums of accumulators[0..count) to grads[offset + first + r]: per-lane
// accumulators reduced once per weight (a loop, so the reductions are not copied per weight).
void emit_reduce_block(CodeWriter& out, const std::string& accumulators, int count,
                       const std::string& offset, const Affine& first, const Bindings& bindings,
                       std::int64_t budget);

} // namespace cnnc

namespace cnnc {
// `value` through an element-wise activation, as an expression ("v > T(0) ? v : T(0)"); the
// value itself for linear and softmax (softmax needs every channel: a separate pass).
std::string apply_activation(Activation activation, const std::string& value);
// Largest block of output channels whose per-lane accumulators stay in registers.
constexpr int kMaxAccumulators = 12;
} // namespace cnnc

namespace cnnc {
// `ws.<buffer> + <index> * L`: the L lanes of one element, as a pointer.
std::string lane_pointer(const std::string& buffer, const Affine& index, const Bindings& bindings);
} // namespace cnnc
