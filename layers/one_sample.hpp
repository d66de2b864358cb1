// What the one-sample kernels of batch-1 inference (Model::forward_one, NAME_forward_one) share:
// the vector registers they are shaped for, indexing without lanes, blocks of items, and the
// padded copy of a layer's input. With one sample there are no lanes to fill, so these kernels
// put output channels or output pixels in the vectors: their innermost loops run over a block
// of contiguous values with constant bounds, which the compiler vectorises.
#pragma once

#include <functional>
#include <string>

#include "layers/kernel.hpp"

namespace cnnc {

// The blocks are shaped for 512-bit registers: 16 floats each, 32 of them, of which a block
// keeps up to kOneSampleAccumulators as accumulators (the rest hold the inputs and weights of
// one step). Narrower vectors still compute the same values, with some accumulators in memory.
constexpr int kVectorValues = 16;
constexpr int kOneSampleAccumulators = 20;

// The vector registers `values` values take.
inline int vector_registers(int values) {
  return (values + kVectorValues - 1) / kVectorValues;
}

// `ws.<buffer>[<index>]`: element `index` of a buffer of ForwardWorkspace<T, 1>.
std::string one_at(const std::string& buffer, const Affine& index, const Bindings& bindings);

// `statement(first)` for the values from `first` to `first + 16` (or to `count`) of a block of
// `count`, each in its own `CNNC_VECTOR for (int <var> = 0; <var> < 16; ++<var>)`: one loop
// per vector register, so that the compiler neither unrolls it nor keeps the block's
// accumulators in memory.
void emit_vector_loops(CodeWriter& out, const std::string& var, int count,
                       const std::function<std::string(int first)>& statement);

// The other loops of a one-sample kernel follow the unroll policy (plan_loops, emit_loop), as
// the lane kernels' loops do.

// Blocks of `size` items covering `count` (size <= count): body(start) for the count / size
// blocks from 0 in steps of `size` (`loop`, planned with that extent), then, when `size` does
// not divide `count`, for one more block ending at `count`. That block overlaps the one before
// it and writes the same values to the items they share, so every block is full.
void emit_covering_blocks(CodeWriter& out, const Loop& loop, int count, int size,
                          Bindings& bindings, const std::function<void(const Affine&)>& body);

// The buffer a sliding-window layer reads: its input, or for a padded layer NAME_padded, filled
// with `fill` (a T expression) and the input copied inside it, as NAME_forward does at L = 1.
std::string emit_one_window_source(CodeWriter& out, const LayerContext& context,
                                   const std::string& fill);

// The softmax over the channels of each position of the layer's output, when that is its
// activation (the element-wise ones are applied where the kernels store their values).
void emit_one_softmax(CodeWriter& out, const LayerContext& context);

} // namespace cnnc
