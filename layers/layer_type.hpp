// One layer kind, one place: the descriptor that every stage reads. The parser takes the
// statement's form from it, the checker its shape rule, the generator its parameter tensors,
// workspace buffers and kernels, the summary and the kernel comments its description. Each kind
// is one file in layers/ defining one LayerType, listed once in layers/registry.cpp;
// docs/adding-a-layer.md walks through adding one.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.hpp"
#include "dsl/check_context.hpp"
#include "dsl/model.hpp"
#include "layers/kernel.hpp"

namespace cnnc {

// What a positional value of a statement is.
enum class SlotType {
  Count,      // a whole number: conv2d's filters, dense's units
  Size,       // S or HxW: a kernel or pool size
  Activation, // a word: relu, softmax, ...
  Number,     // any number: dropout's rate
};

struct SlotSyntax {
  SlotType type;
  std::string_view name; // for messages: "the filter count"
};

// The value an option takes.
enum class OptionType {
  Size,    // S or HxW (stride, dilation)
  Padding, // valid | same | P | PHxPW
  Name,    // a layer name
  Word,    // an activation, or another word the shape rule reads
  Init,    // an initializer: a word, or normal(0.05)-style
  Number,  // a number (rate, groups, l2, momentum, ...)
  Bool,    // true | false
};

struct OptionSyntax {
  std::string_view name;
  OptionType type;
};

// The options most kinds share, to build a kind's option list from.
namespace option {
inline constexpr OptionSyntax kName{"name", OptionType::Name};
inline constexpr OptionSyntax kStride{"stride", OptionType::Size};
inline constexpr OptionSyntax kPadding{"padding", OptionType::Padding};
inline constexpr OptionSyntax kActivation{"activation", OptionType::Word};
inline constexpr OptionSyntax kInit{"init", OptionType::Init};
inline constexpr OptionSyntax kBiasInit{"bias_init", OptionType::Init};
inline constexpr OptionSyntax kBias{"bias", OptionType::Bool}; // read by read_kernel_options
inline constexpr OptionSyntax kL2{"l2", OptionType::Number};   // likewise
} // namespace option

// Where a layer's input comes from, for the shape rule's messages.
struct LayerInput {
  std::optional<Shape> shape; // unknown after an earlier error
  Span origin;                // the statement that produced it: a layer, or the input line
  std::string origin_name;    // that layer's name; empty for the model's input
};

// One parameter tensor of a layer, in the layout the generated code and the weights file use.
struct TensorShape {
  std::string role;               // "kernel", "bias", "gamma", ...
  std::vector<std::int64_t> dims; // Keras' layout
  std::int64_t fan_in = 0, fan_out = 0;
  Initializer init;
  bool trainable = true;           // false for statistics a layer keeps (moving means), not learnt
  std::optional<double> l2;        // the layer's own L2 penalty factor; else the model's, if any
  std::vector<double> values = {}; // fixed values given in the model file (not trainable),
                                   // used instead of `init`; empty for every other tensor
};

// What a layer that normalizes with statistics of the whole batch (batch normalization) adds to
// the generated code. The training passes are split into stages at such a layer
// (docs/generated-api.md, "Training mode"): a forward stage ends by summing its input per
// channel over the group's lanes, a backward stage by summing its output gradient terms; the
// runtime adds the groups' sums and the layer turns them into the batch's statistics. Each
// emitter writes the body of one function named after the layer. `sums` holds kStatisticsSize
// doubles, `batch` the whole batch statistics block (kBatchStatisticsSize doubles), the layer's
// share from context.batch_offset (4 * channels). The kind's own forward and backward kernels
// are its evaluation mode (moving statistics).
struct BatchStatistics {
  int (*channels)(const Layer& layer); // per-channel statistics: sums blocks hold 2 * channels
  // NAME_forward_sums(const Workspace& ws, double* sums): sums of the input over ws.active lanes.
  void (*forward_sums)(CodeWriter& out, const LayerContext& context);
  // NAME_finish_forward(long samples, const double* sums, double* batch): the batch's statistics.
  void (*finish_forward)(CodeWriter& out, const LayerContext& context);
  // NAME_forward_batch(const T* params, Workspace& ws, const double* batch): forward in
  // training mode, with the batch's statistics.
  void (*forward_batch)(CodeWriter& out, const LayerContext& context);
  // NAME_backward_sums(const T* params, const Workspace& ws, T* grads, const double* batch,
  // double* sums): the sums backward needs (and the parameter gradients they give).
  void (*backward_sums)(CodeWriter& out, const LayerContext& context);
  // NAME_finish_backward(long samples, const double* sums, double* batch).
  void (*finish_backward)(CodeWriter& out, const LayerContext& context);
  // NAME_backward_batch(const T* params, Workspace& ws, const double* batch): the input's
  // gradient in training mode (not emitted for the first layer).
  void (*backward_batch)(CodeWriter& out, const LayerContext& context);
  // NAME_update_moving(T* params, const double* batch): the non-trainable moving statistics.
  void (*update_moving)(CodeWriter& out, const LayerContext& context);
};

// What a kind adds for batch-1 inference (Model::forward_one, docs/generated-api.md, "One
// sample"): a kernel for one sample that puts output channels or pixels in the vector registers
// where the lane kernels put samples. It reads and writes the buffers NAME_forward reads and
// writes at L = 1 (ForwardWorkspace<T, 1>: with one lane, T[size][1] is the plain HWC array), so
// layers without one run their lane kernel at L = 1 in between.
struct OneSampleKernel {
  // Whether this layer has a one-sample kernel; forward_one calls NAME_forward<T, 1> when not.
  bool (*serves)(const Layer& layer);
  // Scratch arrays the kernel needs besides the workspace buffers (members of LatencyWorkspace,
  // `alignas(64) T name[size]`: size counts values, not values per lane).
  std::vector<Buffer> (*scratch)(const LayerContext& context);
  // The body of NAME_forward_one(const T* params, LatencyWorkspace<T>& ws).
  void (*emit)(CodeWriter& out, const LayerContext& context);
  // What the kernel comment says of the vectorisation: "units in the vectors: 1 block of 100".
  std::string (*describe)(const Layer& layer);
};

struct LayerType {
  // --- The statement ---
  std::string_view keyword;      // "conv2d"
  std::string_view keras_name;   // "Conv2D", in summaries and the emitted tables
  std::string_view default_name; // "conv2d": layers are named conv2d_1, conv2d_2, ... by default
  std::vector<SlotSyntax> slots; // required positional values, in order
  bool activation_positional;    // an optional activation word may follow the slots
  std::vector<OptionSyntax> options;
  std::string_view usage;                // the statement's form, for messages
  std::string_view example;              // a correct statement, for messages
  std::vector<std::string_view> aliases; // other frameworks' spellings, suggested as this one

  // --- The checker ---
  // Reads the statement's values (reporting what is wrong with them) and fits the layer to its
  // input: fills `layer` (its output shape and the settings the kernels need) and returns the
  // output shape, or nullopt when it cannot be known. Activation, name and initializers are
  // already read into `layer`.
  std::optional<Shape> (*shape)(const ast::Layer& statement, const LayerInput& input, Layer& layer,
                                CheckContext& context);

  // --- Parameters: none when empty. Called on a checked layer. ---
  std::vector<TensorShape> (*tensors)(const Layer& layer);

  // --- The generator ---
  bool owns_output; // false: the output is the input's memory (flatten)
  // Buffers besides the output and its gradient (padded copies, argmax indices).
  std::vector<Buffer> (*extra_buffers)(const LayerContext& context);
  void (*forward)(CodeWriter& out, const LayerContext& context);
  void (*backward)(CodeWriter& out, const LayerContext& context);
  LayerCost (*cost)(const Layer& layer, bool first);

  // --- Descriptions ---
  // What the kernel comment and `cnnc inspect` say after the shapes: "window 5x5, stride 1x1,
  // padding valid, relu"; empty when there is nothing to add.
  std::string (*describe)(const Layer& layer);

  // --- Optional parts ---
  // Why the kind cannot be the last layer ("dropout would drop outputs"); empty when it can.
  std::string_view not_last = {};
  // Statistics of the whole batch in training; nullptr for kinds that see one sample at a time.
  const BatchStatistics* batch_statistics = nullptr;
  // A one-sample kernel for batch-1 inference; nullptr: forward_one runs the lane kernel at L = 1.
  const OneSampleKernel* one_sample = nullptr;
  // Whether `filter` lines may follow the statement, fixing its weights (conv2d); the shape
  // rule reads them from ast::Layer::filters.
  bool takes_filters = false;
};

// Every layer kind, in the order of layers/registry.cpp.
std::span<const LayerType* const> layer_types();
// The kind a statement keyword names, or nullptr.
const LayerType* layer_type_named(std::string_view keyword);

// Shared pieces for descriptors.
std::vector<Buffer> no_buffers(const LayerContext& context);
void no_code(CodeWriter& out, const LayerContext& context);
std::vector<TensorShape> no_tensors(const Layer& layer);
std::string no_description(const Layer& layer);
// "window 5x5, stride 1x1, padding valid" for a sliding-window layer.
std::string window_description(const Layer& layer);

} // namespace cnnc
