// The generated header of one model: everything but the layer kernels' bodies and the losses.
#include "codegen/model.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/core.h>

#include "codegen/code_writer.hpp"
#include "codegen/loss.hpp"
#include "layers/emitted_names.hpp"
#include "layers/layer_type.hpp"

namespace cnnc {

namespace {

struct Tensor {
  std::string layer, role;
  std::int64_t offset = 0, size = 0;
  std::vector<int> dims;
  int fan_in = 0, fan_out = 0;
  Initializer init;
  bool trainable = true;      // false for state the optimizer leaves alone
  double l2 = 0;              // L2 regularization factor
  std::vector<double> values; // fixed values from the model file; empty for the others
};

// A layer with everything its kernels and the tables need.
struct Planned {
  LayerContext context;
  const LayerType* emitter = nullptr; // the layer's kind
  int first_tensor = 0, tensor_count = 0;
  LayerCost cost;
  // A layer with statistics of the whole batch (batch normalization): its index among them
  // (the forward stage it ends), and where its share of the batch statistics block starts.
  int statistics = -1;
  std::int64_t batch_offset = 0;
  bool has_params() const { return context.l().params > 0; }
  bool has_backward() const { return has_params() || !context.first(); }
  const BatchStatistics* batch_statistics() const { return emitter->batch_statistics; }
  // Backward reads the parameters: to pass the gradient on, or for batch statistics.
  bool backward_reads_params() const {
    return has_params() && (!context.first() || batch_statistics());
  }
};

// A double as a C++ literal that reads back to the same value ("0.0001", "1e-07", "0.9").
std::string literal(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

// `values` as the initializer of a C++ array of doubles: "0.4914, 0.4822, 0.4465".
std::string literals(const std::vector<double>& values) {
  std::string text;
  for (const double value : values) text += (text.empty() ? "" : ", ") + literal(value);
  return text;
}

// A C++ string literal holding `text` (quotes and backslashes escaped; UTF-8 kept as it is).
std::string string_literal(const std::string& text) {
  std::string quoted = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      // Three octal digits always end the escape, whatever follows; a raw control byte (a
      // carriage return) could end the line.
      quoted += fmt::format("\\{:03o}", byte);
      continue;
    }
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + '"';
}

// A file name in a // comment: no control byte may end the comment's line.
std::string comment_text(const std::string& text) {
  std::string shown;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    shown += byte < 0x20 || byte == 0x7F ? '?' : c;
  }
  return shown;
}

std::string thousands(std::uint64_t value) {
  std::string digits = std::to_string(value), text;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return text;
}

std::string dims_text(const std::vector<int>& dims) {
  std::string text;
  for (int d : dims) text += (text.empty() ? "" : ", ") + std::to_string(d);
  return text;
}

// The comment above a layer's kernels: shapes, window, and cost.
void emit_kernel_comment(CodeWriter& out, const Planned& planned, const char* direction) {
  const Layer& layer = planned.context.l();
  std::string line =
      fmt::format("// {} {}: {} {} -> {}", layer.name, direction, layer.type->keras_name,
                  to_string(layer.input), to_string(layer.output));
  const std::string description = layer.type->describe(layer);
  if (!description.empty()) line += ", " + description;
  out.line(line);
  const std::uint64_t flops = std::string_view(direction) == "forward"
                                  ? planned.cost.forward_flops
                                  : planned.cost.backward_flops;
  out.linef("// cost per sample: {} FLOPs; weights {} bytes as float{}", thousands(flops),
            thousands(std::uint64_t(layer.params) * 4),
            std::string_view(direction) == "backward" && planned.context.loss_fused
                ? "; the loss supplies the pre-activation gradient"
                : "");
}

// Forward code takes either workspace: a template template parameter, so that T and L are still
// deduced from the workspace argument.
constexpr const char* kWorkspaceParameter = "template <typename, int> class Ws";

class HeaderEmitter {
public:
  HeaderEmitter(const Model& model, const EmitOptions& options)
      : model_(model), name_(options.name.empty() ? model.name : options.name),
        budget_(options.unroll_budget > 0 ? options.unroll_budget : kDefaultUnrollBudget),
        limit_(options.max_header_bytes > 0 ? options.max_header_bytes : kDefaultMaxHeaderBytes) {
    out_.limit(std::size_t(limit_));
    plan();
  }

  std::string run() {
    banner();
    out_.line("namespace cnn::" + name_ + " {");
    out_.blank();
    out_.open_scope("struct Model");
    constants();
    tables();
    workspace();
    drivers();
    kernels();
    one_sample();
    helpers();
    out_.close_type("struct Model");
    out_.blank();
    out_.line("} // namespace cnn::" + name_);
    if (out_.over_limit())
      throw HeaderTooLarge(std::uint64_t(out_.written()), std::uint64_t(limit_));
    return out_.text();
  }

private:
  void plan() {
    std::string input = "input", input_grad;
    int last_owner = -1;
    for (std::size_t i = 0; i < model_.layers.size(); ++i)
      if (model_.layers[i].type->owns_output) last_owner = int(i);
    std::int64_t offset = 0;
    const Layer* output_layer = nullptr;
    for (std::size_t i = 0; i < model_.layers.size(); ++i) {
      const Layer& layer = model_.layers[i];
      Planned planned;
      planned.emitter = layer.type;
      LayerContext& context = planned.context;
      context.model = &model_;
      context.layer = &layer;
      context.index = int(i);
      context.input = input;
      context.input_grad = input_grad;
      context.unroll_budget = budget_;
      if (planned.emitter->owns_output) {
        context.output = int(i) == last_owner ? "output" : layer.name + "_out";
        context.output_grad = layer.name + "_grad";
        output_layer = &layer;
      } else {
        context.output = input;
        context.output_grad = input_grad;
      }
      planned.first_tensor = int(tensors_.size());
      add_tensors(layer, offset, context);
      planned.tensor_count = int(tensors_.size()) - planned.first_tensor;
      planned.cost = planned.emitter->cost(layer, context.first());
      if (const BatchStatistics* statistics = planned.emitter->batch_statistics) {
        const int channels = statistics->channels(layer);
        planned.statistics = int(statistics_layers_.size());
        planned.batch_offset = batch_statistics_size_;
        planned.context.batch_offset = batch_statistics_size_;
        batch_statistics_size_ += 4 * channels;
        statistics_size_ = std::max<std::int64_t>(statistics_size_, 2 * channels);
        statistics_layers_.push_back(int(i));
      }
      input = context.output;
      input_grad = context.output_grad;
      layers_.push_back(planned);
    }
    param_count_ = offset;
    output_ = input;
    output_grad_ = input_grad;
    if (last_owner < 0) {
      // No layer computes anything (flatten alone): forward copies the input to the output.
      output_ = "output";
      output_grad_ = "output_grad";
    }
    const Activation output_activation =
        output_layer ? output_layer->activation : Activation::Linear;
    fused_ = output_layer && loss_fuses(model_.training.loss, output_activation);
    if (fused_) {
      for (auto& planned : layers_)
        if (planned.context.layer == output_layer) planned.context.loss_fused = true;
    }
  }

  void add_tensors(const Layer& layer, std::int64_t& offset, LayerContext& context) {
    for (const TensorShape& shape : layer.type->tensors(layer)) {
      Tensor tensor{layer.name,
                    shape.role,
                    offset,
                    1,
                    {},
                    int(shape.fan_in),
                    int(shape.fan_out),
                    shape.init,
                    shape.trainable,
                    // The layer's own `l2=`, else the training section's `l2` for kernels.
                    shape.l2.value_or(shape.role == "kernel" ? model_.training.l2 : 0.0),
                    shape.values};
      for (const std::int64_t d : shape.dims) {
        tensor.dims.push_back(int(d));
        tensor.size *= d;
      }
      offset += tensor.size;
      context.offsets.emplace_back(shape.role, offset_constant(layer.name, shape.role));
      tensors_.push_back(tensor);
    }
  }

  void banner() {
    out_.linef("// Generated by cnnc {} from {}. Do not edit.", CNNC_VERSION,
               comment_text(model_.source_path));
    out_.linef("// Model {}: fixed-size forward and backward code over groups of L samples held in",
               name_);
    out_.line("// lanes (the sample index innermost); see docs/generated-api.md for the contract.");
    out_.line("#pragma once");
    out_.blank();
    out_.line("#include <cmath>");
    out_.line("#include <cstddef>");
    out_.line("#include <cstdint>");
    out_.line("#include <limits>");
    out_.blank();
    out_.line("#include \"cnn/model_info.hpp\"");
    out_.blank();
    out_.line(
        "// Every loop over the L lanes is marked CNNC_LANES. GCC would otherwise unroll such a");
    out_.line("// short loop before vectorizing it and then leave the copies scalar.");
    out_.line("#ifndef CNNC_LANES");
    out_.line("#if defined(__GNUC__) && !defined(__clang__)");
    out_.line("#define CNNC_LANES _Pragma(\"GCC unroll 1\")");
    out_.line("#else");
    out_.line("#define CNNC_LANES");
    out_.line("#endif");
    out_.line("#endif");
    out_.line("// Likewise every loop over the values of one vector register in the one-sample "
              "kernels");
    out_.line("// (forward_one) is marked CNNC_VECTOR.");
    out_.line("#ifndef CNNC_VECTOR");
    out_.line("#if defined(__GNUC__) && !defined(__clang__)");
    out_.line("#define CNNC_VECTOR _Pragma(\"GCC unroll 1\")");
    out_.line("#else");
    out_.line("#define CNNC_VECTOR");
    out_.line("#endif");
    out_.line("#endif");
    out_.blank();
  }

  void constants() {
    const Shape& in = model_.input;
    out_.linef("static constexpr const char* kName = \"{}\";", name_);
    out_.linef("static constexpr const char* kSource = {};", string_literal(model_.source_path));
    out_.linef("static constexpr int kInputH = {}, kInputW = {}, kInputC = {};", in.height,
               in.width, in.channels);
    out_.linef("static constexpr int kInputSize = {}; // H*W*C", in.size());
    const Preprocessing& pre = model_.preprocessing;
    std::vector<double> mean, stddev;
    for (int c = 0; c < in.channels; ++c) {
      mean.push_back(channel_value(pre.mean, c, 0.0));
      stddev.push_back(channel_value(pre.stddev, c, 1.0));
    }
    out_.line("// Input preprocessing: channel c is fed (v * kInputScale - kInputMean[c]) / "
              "kInputStd[c],");
    out_.line("// v the stored value (a byte b reads as b / 255; a float as it is).");
    out_.linef("static constexpr double kInputScale = {};", literal(pre.scale));
    out_.linef("static constexpr double kInputMean[kInputC] = {{{}}};", literals(mean));
    out_.linef("static constexpr double kInputStd[kInputC] = {{{}}};", literals(stddev));
    out_.linef("static constexpr int kOutputSize = {};", model_.output().size());
    out_.linef("static constexpr std::size_t kParamCount = {};", param_count_);
    out_.linef("static constexpr int kLayerCount = {};", model_.layers.size());
    out_.linef("static constexpr int kTensorCount = {};", tensors_.size());
    out_.line("// Passes of training: 1, or split at each layer that needs the batch's statistics");
    out_.line("// (forward_stage, backward_stage; docs/generated-api.md).");
    out_.linef("static constexpr int kStages = {};", stages());
    if (stages() > 1) {
      out_.linef("static constexpr int kStatisticsSize = {}; // doubles: one stage's sums",
                 statistics_size_);
      out_.linef("static constexpr int kBatchStatisticsSize = {}; // doubles: the batch's "
                 "statistics",
                 batch_statistics_size_);
    }
    out_.blank();
    out_.line("// Offsets of the parameter tensors in the parameter block (Keras layouts).");
    for (const auto& t : tensors_)
      out_.linef("static constexpr std::size_t {} = {}; // ({})", offset_constant(t.layer, t.role),
                 t.offset, dims_text(t.dims));
    out_.blank();
  }

  // The values of fixed tensors, as floats: "-1.0f, 0.11111111f".
  static std::string float_literals(const std::vector<double>& values) {
    std::string text;
    for (const double value : values) {
      std::string number = fmt::format("{}", float(value));
      if (number.find_first_of(".eEn") == std::string::npos) number += ".0";
      text += (text.empty() ? "" : ", ") + number + "f";
    }
    return text;
  }

  // The arrays of fixed tensors' values (a conv2d's `filter` lines), which kTensors points at.
  void fixed_values() {
    bool any = false;
    for (const auto& t : tensors_) any = any || !t.values.empty();
    if (!any) return;
    out_.line("// Fixed values from the model file (not trained): kTensors[i].values points here.");
    for (const auto& t : tensors_) {
      if (t.values.empty()) continue;
      // A line per run of the last dimension (a kernel's output channels), at most 8 values.
      const std::size_t last = std::size_t(t.dims.back());
      const std::size_t run = std::min<std::size_t>(last, 8);
      out_.linef("static constexpr float {}Values[{}] = {{ // ({})",
                 offset_constant(t.layer, t.role), t.values.size(), dims_text(t.dims));
      for (std::size_t begin = 0; begin < t.values.size();) {
        const std::size_t end = std::min(begin + run, begin + (last - begin % last));
        out_.linef("    {},", float_literals(std::vector<double>(t.values.begin() + long(begin),
                                                                 t.values.begin() + long(end))));
        begin = end;
      }
      out_.line("};");
    }
  }

  // The description tables, one designated field per member of the contract's structs.
  void tables() {
    fixed_values();
    out_.linef("static constexpr cnn::TensorInfo kTensors[{}] = {{",
               tensors_.empty() ? "1" : "kTensorCount");
    if (tensors_.empty()) out_.line("    {}, // no parameters; kTensorCount is 0");
    for (const auto& t : tensors_) {
      std::vector<int> dims = t.dims;
      dims.resize(4, 0);
      // A line each: names; place in the parameter block; fans and initializer; training.
      const std::vector<std::string> names = {fmt::format(".name = \"{}.{}\"", t.layer, t.role),
                                              fmt::format(".layer = \"{}\"", t.layer),
                                              fmt::format(".role = \"{}\"", t.role)};
      const std::vector<std::string> place = {
          fmt::format(".offset = {}", t.offset), fmt::format(".size = {}", t.size),
          fmt::format(".rank = {}", t.dims.size()), fmt::format(".dims = {{{}}}", dims_text(dims))};
      const std::vector<std::string> init = {
          fmt::format(".fan_in = {}", t.fan_in), fmt::format(".fan_out = {}", t.fan_out),
          fmt::format(".init = {{.kind = cnn::InitKind::{}, .param = {}}}", enumerator(t.init.kind),
                      literal(t.init.param))};
      std::vector<std::string> training = {fmt::format(".trainable = {}", t.trainable),
                                           fmt::format(".l2 = {}", literal(t.l2))};
      if (!t.values.empty())
        training.push_back(fmt::format(".values = {}Values", offset_constant(t.layer, t.role)));
      out_.braced("    ", {names, place, init, training}, ",");
    }
    out_.line("};");
    out_.line("static constexpr cnn::LayerInfo kLayers[kLayerCount] = {");
    for (const auto& planned : layers_) {
      const Layer& layer = planned.context.l();
      const std::string dims = layer.output.rank == 1
                                   ? fmt::format("{}, 0, 0", layer.output.channels)
                                   : fmt::format("{}, {}, {}", layer.output.height,
                                                 layer.output.width, layer.output.channels);
      // A line each: the layer and its output; its parameters; its cost.
      const std::vector<std::string> output = {
          fmt::format(".name = \"{}\"", layer.name),
          fmt::format(".kind = \"{}\"", layer.type->keras_name),
          fmt::format(".rank = {}", layer.output.rank), fmt::format(".out_dims = {{{}}}", dims)};
      const std::vector<std::string> params = {
          fmt::format(".params = {}", layer.params),
          fmt::format(".first_tensor = {}", planned.first_tensor),
          fmt::format(".tensor_count = {}", planned.tensor_count)};
      const std::vector<std::string> cost = {
          fmt::format(".forward_flops = {}", planned.cost.forward_flops),
          fmt::format(".backward_flops = {}", planned.cost.backward_flops)};
      out_.braced("    ", {output, params, cost}, ",");
    }
    out_.line("};");
    const Training& t = model_.training;
    const Optimizer& o = t.optimizer;
    out_.line("static constexpr cnn::TrainingConfig kTraining = {");
    out_.linef("    .loss = cnn::LossKind::{},", enumerator(t.loss));
    out_.braced(
        "    .optimizer = ",
        {{fmt::format(".kind = cnn::OptimizerKind::{}", enumerator(o.kind)),
          fmt::format(".learning_rate = {}", literal(o.learning_rate)),
          fmt::format(".momentum = {}", literal(o.momentum)),
          fmt::format(".rho = {}", literal(o.rho)), fmt::format(".beta1 = {}", literal(o.beta1)),
          fmt::format(".beta2 = {}", literal(o.beta2)),
          fmt::format(".epsilon = {}", literal(o.epsilon)),
          fmt::format(".initial_accumulator = {}", literal(o.initial_accumulator))}},
        ",");
    out_.linef("    .batch_size = {},", t.batch_size);
    out_.linef("    .epochs = {},", t.epochs);
    out_.linef("    .validation_count = {},", t.validation_count);
    out_.linef("    .validation_fraction = {},", literal(t.validation_fraction));
    out_.linef("    .seed = {},", t.seed);
    // The settings most models leave out are emitted only when given (the rest keep the
    // contract's defaults: no schedule, no early stopping, no augmentation).
    const Schedule& schedule = t.schedule;
    if (schedule.kind != ScheduleKind::Constant)
      out_.braced("    .schedule = ",
                  {{fmt::format(".kind = cnn::ScheduleKind::{}", enumerator(schedule.kind)),
                    fmt::format(".every = {}", schedule.every),
                    fmt::format(".factor = {}", literal(schedule.factor)),
                    fmt::format(".min_lr = {}", literal(schedule.min_lr)),
                    fmt::format(".warmup = {}", schedule.warmup)}},
                  ",");
    const EarlyStopping& early = t.early_stopping;
    if (early.enabled)
      out_.braced("    .early_stopping = ",
                  {{".enabled = true",
                    fmt::format(".monitor = cnn::MonitorKind::{}", enumerator(early.monitor)),
                    fmt::format(".patience = {}", early.patience),
                    fmt::format(".min_delta = {}", literal(early.min_delta)),
                    fmt::format(".restore_best_weights = {}", early.restore_best_weights)}},
                  ",");
    const Augment& augment = t.augment;
    if (augment.enabled())
      out_.braced("    .augment = ",
                  {{fmt::format(".shift = {}", augment.shift),
                    fmt::format(".flip_horizontal = {}", augment.flip_horizontal),
                    fmt::format(".flip_vertical = {}", augment.flip_vertical)}},
                  ",");
    out_.line("};");
    out_.linef("// {}", fused_ ? "A classifier: its output activation meets its cross-entropy."
                               : "Not a classifier with a fused output activation and loss.");
    out_.linef("static constexpr bool kClassifier = {};", fused_ ? "true" : "false");
    class_names();
    out_.blank();
  }

  // kClassCount, and the names of the classes: the file's `classes`, else "0", "1", ...
  void class_names() {
    const int count = model_.class_count();
    const bool declared = !model_.class_names.empty();
    out_.line("// A classifier's classes (kOutputSize, or 2 for a single sigmoid output); 0 for "
              "other models.");
    out_.linef("static constexpr int kClassCount = {};", count);
    out_.linef("static constexpr bool kHasClassNames = {}; // named by 'classes' in the model file",
               declared ? "true" : "false");
    if (count == 0) {
      out_.line("static constexpr const char* kClassNames[1] = {\"\"}; // no classes");
      return;
    }
    out_.line("static constexpr const char* kClassNames[kClassCount] = {");
    std::string row;
    for (int k = 0; k < count; ++k) {
      const std::string name =
          string_literal(declared ? model_.class_names[std::size_t(k)] : std::to_string(k)) + ",";
      // The row is indented by the struct's depth and 4 more; lines stay within 100 columns.
      const std::size_t indent = std::size_t(out_.depth()) * 2 + 4;
      if (!row.empty() && indent + row.size() + 1 + name.size() > 100) {
        out_.line("    " + row);
        row.clear();
      }
      row += (row.empty() ? "" : " ") + name;
    }
    out_.line("    " + row);
    out_.line("};");
  }

  void workspace() {
    out_.line("// Every activation and gradient of one group of L samples, lane innermost.");
    out_.line("template <typename T, int L>");
    out_.open_scope("struct Workspace");
    workspace_members(false);
    out_.close_type("struct Workspace");
    out_.blank();
    out_.line("// What forward alone needs (inference): Workspace's activations and padded inputs");
    out_.line("// under the same names, without the gradients and max pooling's winning taps.");
    out_.line("template <typename T, int L>");
    out_.open_scope("struct ForwardWorkspace");
    workspace_members(true);
    out_.close_type("struct ForwardWorkspace");
    out_.blank();
    latency_workspace();
  }

  // The workspace of forward_one: ForwardWorkspace<T, 1>, whose buffers the one-sample kernels
  // and the lane kernels at L = 1 share, and the scratch arrays of the one-sample kernels.
  void latency_workspace() {
    out_.line("// What forward_one needs (batch-1 inference): ForwardWorkspace<T, 1>'s buffers, "
              "which the");
    out_.line("// one-sample kernels share with the lane kernels at L = 1, and their scratch "
              "arrays.");
    out_.line("template <typename T>");
    std::vector<Buffer> scratch;
    for (const auto& planned : layers_)
      if (serves_one_sample(planned)) {
        const auto buffers = planned.emitter->one_sample->scratch(planned.context);
        scratch.insert(scratch.end(), buffers.begin(), buffers.end());
      }
    if (scratch.empty()) {
      out_.line("struct LatencyWorkspace : ForwardWorkspace<T, 1> {};");
      out_.blank();
      return;
    }
    out_.open_scope("struct LatencyWorkspace : ForwardWorkspace<T, 1>");
    for (const Buffer& buffer : scratch)
      out_.linef("alignas(64) T {}[{}]; // {}", buffer.name, buffer.size, buffer.comment);
    out_.close_type("struct LatencyWorkspace");
    out_.blank();
  }

  void workspace_members(bool forward_only) {
    out_.line(forward_only ? "static constexpr bool kForBackward = false; // forward keeps nothing "
                             "for backward"
                           : "static constexpr bool kForBackward = true; // forward keeps what "
                             "backward needs");
    if (forward_only) {
      out_.line("static constexpr bool training = false; // inference is evaluation mode");
    } else {
      out_.line("bool training = false; // dropout drops, batch normalization uses the batch's");
      out_.line("int active = L; // lanes [0, active) hold samples; only they enter batch "
                "statistics");
      out_.line("std::uint64_t seeds[L] = {}; // per-lane seeds of dropout's masks");
      if (stages() > 1)
        out_.line("double batch_statistics[kBatchStatisticsSize]; // when the group is the batch");
    }
    out_.linef("alignas(64) T input[{} * L]; // {}, copied by forward{}", model_.input.size(),
               to_string(model_.input), forward_only ? "" : " for backward");
    if (output_ == "output" && layers_output_nothing()) {
      out_.linef("alignas(64) T output[{} * L]; // the input, as the output", model_.input.size());
      if (!forward_only)
        out_.linef("alignas(64) T output_grad[{} * L]; // its gradient", model_.input.size());
    }
    for (const auto& planned : layers_) {
      const LayerContext& c = planned.context;
      std::vector<Buffer> buffers = planned.emitter->extra_buffers(c);
      if (planned.emitter->owns_output) {
        buffers.insert(buffers.begin(),
                       {c.output_grad, c.l().output.size(), "its gradient", false});
        buffers.insert(buffers.begin(),
                       {c.output, c.l().output.size(), c.l().name + " " + to_string(c.l().output)});
      }
      for (const auto& buffer : buffers) {
        if (forward_only && !buffer.in_forward_workspace) continue;
        out_.linef("alignas(64) T {}[{} * L]; // {}", buffer.name, buffer.size, buffer.comment);
      }
    }
  }

  int stages() const { return int(statistics_layers_.size()) + 1; }

  std::string forward_call(const Planned& planned) const {
    return fmt::format("{}_forward({}ws);", planned.context.l().name,
                       planned.has_params() ? "params, " : "");
  }

  std::string backward_call(const Planned& planned) const {
    return fmt::format("{}_backward({});", planned.context.l().name,
                       backward_arguments(planned, true));
  }

  // Forward calls of layers [from, to).
  void forward_calls(int from, int to) {
    for (int i = from; i < to; ++i) {
      const Planned& planned = layers_[std::size_t(i)];
      if (!planned.emitter->owns_output) {
        out_.linef("// {}: no code; its output is its input's memory.", planned.context.l().name);
        continue;
      }
      out_.line(forward_call(planned));
    }
  }

  // Backward calls of layers [from, to), last first.
  void backward_calls(int from, int to) {
    for (int i = to; i-- > from;) {
      const Planned& planned = layers_[std::size_t(i)];
      if (!planned.emitter->owns_output || !planned.has_backward()) continue;
      out_.line(backward_call(planned));
    }
  }

  void input_copy() {
    Bindings b;
    const Loop copy = plan_loops({{"i", int(model_.input.size())}}, 1, budget_)[0];
    emit_loop(out_, copy, b, [&] {
      out_.lane(fmt::format("{} = {};", at("input", Affine::var("i"), b),
                            indexed("input", Affine::var("i"), b)));
      if (layers_output_nothing())
        out_.lane(fmt::format("{} = {};", at("output", Affine::var("i"), b),
                              indexed("input", Affine::var("i"), b)));
    });
  }

  // layer_output: where forward leaves each layer's output, for pictures of the feature maps.
  void layer_output() {
    out_.line(
        "// The output of layer `index` (kLayers' order) after forward: T[size][L], size the");
    out_.line(
        "// product of kLayers[index].out_dims (flatten's is its input's memory); nullptr for");
    out_.line("// an index out of range.");
    out_.linef("template <typename T, int L, {}>", kWorkspaceParameter);
    out_.open_scope("static const T* layer_output(const Ws<T, L>& ws, int index)");
    out_.open_scope("switch (index)");
    for (std::size_t i = 0; i < layers_.size(); ++i)
      out_.linef("case {}: return ws.{};", i, layers_[i].context.output);
    out_.line("default: return nullptr;");
    out_.close_scope();
    out_.close_scope("layer_output");
    out_.blank();
  }

  void drivers() {
    bool any_params = false;
    for (const auto& planned : layers_) any_params = any_params || planned.has_params();
    const int n = int(layers_.size());
    out_.line(
        "// input: T[kInputSize][L]. Leaves the output in ws.output, T[kOutputSize][L]. ws is a");
    out_.line("// Workspace (for training) or a ForwardWorkspace (for inference).");
    out_.linef("template <typename T, int L, {}>", kWorkspaceParameter);
    out_.open_scope("static void forward(const T* params, const T* input, Ws<T, L>& ws)");
    if (!any_params) out_.line("(void)params;");
    if (stages() > 1) {
      out_.open_scope("if constexpr (Ws<T, L>::kForBackward)");
      out_.open_scope("if (ws.training)");
      out_.line("// The group is the whole batch: its lanes [0, ws.active) give the statistics.");
      out_.line("double sums[kStatisticsSize];");
      out_.open_scope("for (int stage = 0; stage < kStages; ++stage)");
      out_.line("forward_stage(stage, params, input, ws.batch_statistics, ws, sums);");
      out_.line("if (stage + 1 < kStages) finish_forward_stage(stage, ws.active, sums, "
                "ws.batch_statistics);");
      out_.close_scope();
      out_.line("return;");
      out_.close_scope();
      out_.close_scope();
    }
    input_copy();
    forward_calls(0, n);
    out_.close_scope("forward");
    out_.blank();
    layer_output();
    LossContext loss{model_.training.loss, fused_, int(model_.output().size()), output_,
                     output_grad_,         budget_};
    emit_loss(out_, loss);
    out_.blank();
    out_.line("// Adds to grads the gradient of the summed loss of lanes [0, active).");
    out_.line("template <typename T, int L>");
    out_.open_scope("static void backward(const T* params, const T* target, int active, "
                    "Workspace<T, L>& ws, T* grads)");
    bool params_used = false, grads_used = false;
    for (const auto& planned : layers_) {
      params_used = params_used || planned.backward_reads_params();
      grads_used = grads_used || planned.has_params();
    }
    if (!params_used) out_.line("(void)params;");
    if (!grads_used) out_.line("(void)grads;");
    if (stages() > 1) {
      out_.open_scope("if (ws.training)");
      out_.line("// The group is the whole batch, as in forward.");
      out_.line("double sums[kStatisticsSize];");
      out_.open_scope("for (int step = 0; step < kStages; ++step)");
      out_.line("const int stage = kStages - 1 - step;");
      out_.line("backward_stage(stage, params, target, active, ws.batch_statistics, ws, grads, "
                "sums);");
      out_.line("if (stage > 0) finish_backward_stage(stage, ws.active, sums, "
                "ws.batch_statistics);");
      out_.close_scope();
      out_.line("return;");
      out_.close_scope();
    }
    out_.line("loss_gradient(target, active, ws);");
    backward_calls(0, n);
    out_.close_scope("backward");
    out_.blank();
    emit_loss_gradient(out_, loss);
    out_.blank();
    if (stages() > 1) stage_drivers();
  }

  // The passes of training split at the layers with batch statistics, for a batch of several
  // groups: forward stage s ends by summing the input of statistics layer s, backward stage s
  // by summing the output gradient terms of statistics layer s - 1.
  void stage_drivers() {
    const int n = int(layers_.size());
    const int count = stages() - 1;
    auto boundary = [&](int s) { return s < 0 ? -1 : s >= count ? n : statistics_layers_[s]; };
    auto layer = [&](int s) -> const Planned& { return layers_[std::size_t(boundary(s))]; };
    out_.line("// Forward stage `stage` of a group (0 <= stage < kStages): stage 0 copies the "
              "input; a later");
    out_.line("// stage starts by normalizing with the batch statistics in `batch`; a stage but "
              "the last ends");
    out_.line("// by writing its group's sums (kStatisticsSize doubles at most) to `sums`.");
    out_.line("template <typename T, int L>");
    out_.open_scope("static void forward_stage(int stage, const T* params, const T* input, "
                    "const double* batch, Workspace<T, L>& ws, double* sums)");
    out_.line("(void)params;");
    out_.line("(void)input;");
    out_.line("(void)sums;");
    for (int s = 0; s <= count; ++s) {
      out_.open_scope(fmt::format("if (stage == {})", s));
      if (s == 0) {
        input_copy();
      } else {
        out_.linef("{}_forward_batch(params, ws, batch);", layer(s - 1).context.l().name);
      }
      forward_calls(boundary(s - 1) + 1, boundary(s));
      if (s < count) out_.linef("{}_forward_sums(ws, sums);", layer(s).context.l().name);
      out_.line("return;");
      out_.close_scope();
    }
    out_.close_scope("forward_stage");
    out_.blank();
    out_.line("// Turns the sums of forward stage `stage`, added over the groups of a batch of "
              "`samples`,");
    out_.line("// into the batch statistics that the next stage reads.");
    out_.open_scope("static void finish_forward_stage(int stage, long samples, const double* "
                    "sums, double* batch)");
    for (int s = 0; s < count; ++s)
      out_.linef("if (stage == {0}) {1}_finish_forward(samples, sums, batch);", s,
                 layer(s).context.l().name);
    out_.close_scope("finish_forward_stage");
    out_.blank();
    out_.line("// Backward stage `stage`, from kStages - 1 down to 0: the last starts with the "
              "loss's");
    out_.line("// gradient, a stage but the first ends by writing its group's sums.");
    out_.line("template <typename T, int L>");
    out_.open_scope("static void backward_stage(int stage, const T* params, const T* target, "
                    "int active, const double* batch, Workspace<T, L>& ws, T* grads, "
                    "double* sums)");
    out_.line("(void)params;");
    out_.line("(void)target;");
    out_.line("(void)active;");
    out_.line("(void)sums;");
    for (int s = count; s >= 0; --s) {
      out_.open_scope(fmt::format("if (stage == {})", s));
      if (s == count) {
        out_.line("loss_gradient(target, active, ws);");
      } else if (!layer(s).context.first()) {
        out_.linef("{}_backward_batch(params, ws, batch);", layer(s).context.l().name);
      }
      backward_calls(boundary(s - 1) + 1, boundary(s));
      if (s > 0)
        out_.linef("{}_backward_sums(params, ws, grads, batch, sums);",
                   layer(s - 1).context.l().name);
      out_.line("return;");
      out_.close_scope();
    }
    out_.close_scope("backward_stage");
    out_.blank();
    out_.line("// Turns the sums of backward stage `stage` (> 0), added over the groups, into "
              "the batch");
    out_.line("// means that the previous stage reads.");
    out_.open_scope("static void finish_backward_stage(int stage, long samples, const double* "
                    "sums, double* batch)");
    for (int s = 1; s <= count; ++s)
      out_.linef("if (stage == {0}) {1}_finish_backward(samples, sums, batch);", s,
                 layer(s - 1).context.l().name);
    out_.close_scope("finish_backward_stage");
    out_.blank();
    out_.line("// After a training batch: the moving statistics move toward the batch's.");
    out_.line("template <typename T>");
    out_.open_scope("static void update_moving_statistics(T* params, const double* batch)");
    for (int s = 0; s < count; ++s)
      out_.linef("{}_update_moving(params, batch);", layer(s).context.l().name);
    out_.close_scope("update_moving_statistics");
    out_.blank();
  }

  // No layer has an output of its own (flatten alone): forward copies the input to ws.output.
  bool layers_output_nothing() const {
    for (const auto& planned : layers_)
      if (planned.emitter->owns_output) return false;
    return true;
  }

  static std::string backward_arguments(const Planned& planned, bool call) {
    std::string text;
    if (planned.backward_reads_params()) text += call ? "params, " : "const T* params, ";
    text += call ? "ws" : "Workspace<T, L>& ws";
    if (planned.has_params()) text += call ? ", grads" : ", T* grads";
    return text;
  }

  void kernels() {
    for (const auto& planned : layers_) {
      if (!planned.emitter->owns_output) continue;
      const Layer& layer = planned.context.l();
      emit_kernel_comment(out_, planned, "forward");
      out_.linef("template <typename T, int L, {}>", kWorkspaceParameter);
      out_.open_scope(fmt::format("static void {}_forward({}Ws<T, L>& ws)", layer.name,
                                  planned.has_params() ? "const T* params, " : ""));
      planned.emitter->forward(out_, planned.context);
      out_.close_scope(layer.name + "_forward");
      out_.blank();
      if (const BatchStatistics* statistics = planned.batch_statistics())
        statistics_kernels(planned, *statistics);
      if (!planned.has_backward()) continue;
      emit_kernel_comment(out_, planned, "backward");
      out_.line("template <typename T, int L>");
      out_.open_scope(fmt::format("static void {}_backward({})", layer.name,
                                  backward_arguments(planned, false)));
      planned.emitter->backward(out_, planned.context);
      out_.close_scope(layer.name + "_backward");
      out_.blank();
    }
  }

  // A layer with code whose kind has a one-sample kernel for it.
  static bool serves_one_sample(const Planned& planned) {
    const OneSampleKernel* kernel = planned.emitter->one_sample;
    return planned.emitter->owns_output && kernel && kernel->serves(planned.context.l());
  }

  // Batch-1 inference: forward_one and the one-sample kernels (docs/generated-api.md, "One
  // sample"). A layer without a one-sample kernel runs its lane kernel at L = 1, which reads and
  // writes the same buffers.
  void one_sample() {
    bool any_params = false;
    for (const auto& planned : layers_) any_params = any_params || planned.has_params();
    out_.line("// Batch-1 inference: forward for one sample (input: T[kInputSize]), with kernels "
              "that put");
    out_.line("// output channels or pixels in the vector registers where the lane kernels put "
              "samples.");
    out_.line("// Leaves in ws.output what forward<T, 1> leaves, up to rounding.");
    out_.line("template <typename T>");
    out_.open_scope(
        "static void forward_one(const T* params, const T* input, LatencyWorkspace<T>& ws)");
    if (!any_params) out_.line("(void)params;");
    Bindings b;
    const Loop copy = plan_loops({{"i", int(model_.input.size())}}, 1, budget_)[0];
    emit_loop(out_, copy, b, [&] {
      const std::string i = Affine::var("i").str(b);
      out_.linef("ws.input[{0}] = input[{0}];", i);
      if (layers_output_nothing()) out_.linef("ws.output[{0}] = input[{0}];", i);
    });
    for (const auto& planned : layers_) {
      const std::string& name = planned.context.l().name;
      if (!planned.emitter->owns_output) {
        out_.linef("// {}: no code; its output is its input's memory.", name);
      } else if (serves_one_sample(planned)) {
        out_.linef("{}_forward_one({}ws);", name, planned.has_params() ? "params, " : "");
      } else {
        out_.linef("{}_forward<T, 1, ForwardWorkspace>({}ws); // the lane kernel", name,
                   planned.has_params() ? "params, " : "");
      }
    }
    out_.close_scope("forward_one");
    out_.blank();
    for (const auto& planned : layers_) {
      if (!serves_one_sample(planned)) continue;
      const Layer& layer = planned.context.l();
      std::string line =
          fmt::format("// {} forward, one sample: {} {} -> {}", layer.name, layer.type->keras_name,
                      to_string(layer.input), to_string(layer.output));
      const std::string description = layer.type->describe(layer);
      if (!description.empty()) line += ", " + description;
      out_.line(line);
      out_.linef("// {}", planned.emitter->one_sample->describe(layer));
      out_.line("template <typename T>");
      out_.open_scope(fmt::format("static void {}_forward_one({}LatencyWorkspace<T>& ws)",
                                  layer.name, planned.has_params() ? "const T* params, " : ""));
      planned.emitter->one_sample->emit(out_, planned.context);
      out_.close_scope(layer.name + "_forward_one");
      out_.blank();
    }
  }

  // The functions of a layer with batch statistics besides its kernels (BatchStatistics).
  void statistics_kernels(const Planned& planned, const BatchStatistics& statistics) {
    const std::string& name = planned.context.l().name;
    const LayerContext& context = planned.context;
    out_.linef("// {}: the sums of a group for the batch statistics of training.", name);
    out_.line("template <typename T, int L>");
    out_.open_scope(
        fmt::format("static void {}_forward_sums(const Workspace<T, L>& ws, double* sums)", name));
    statistics.forward_sums(out_, context);
    out_.close_scope(name + "_forward_sums");
    out_.blank();
    out_.open_scope(fmt::format("static void {}_finish_forward(long samples, const double* sums, "
                                "double* batch)",
                                name));
    statistics.finish_forward(out_, context);
    out_.close_scope(name + "_finish_forward");
    out_.blank();
    out_.line("template <typename T, int L>");
    out_.open_scope(
        fmt::format("static void {}_forward_batch(const T* params, Workspace<T, L>& ws, "
                    "const double* batch)",
                    name));
    statistics.forward_batch(out_, context);
    out_.close_scope(name + "_forward_batch");
    out_.blank();
    out_.line("template <typename T, int L>");
    out_.open_scope(fmt::format("static void {}_backward_sums(const T* params, const Workspace<T, "
                                "L>& ws, T* grads, const double* batch, double* sums)",
                                name));
    statistics.backward_sums(out_, context);
    out_.close_scope(name + "_backward_sums");
    out_.blank();
    out_.open_scope(fmt::format("static void {}_finish_backward(long samples, const double* sums, "
                                "double* batch)",
                                name));
    statistics.finish_backward(out_, context);
    out_.close_scope(name + "_finish_backward");
    out_.blank();
    if (!context.first()) {
      out_.line("template <typename T, int L>");
      out_.open_scope(fmt::format("static void {}_backward_batch(const T* params, Workspace<T, L>& "
                                  "ws, const double* batch)",
                                  name));
      statistics.backward_batch(out_, context);
      out_.close_scope(name + "_backward_batch");
      out_.blank();
    }
    out_.line("template <typename T>");
    out_.open_scope(
        fmt::format("static void {}_update_moving(T* params, const double* batch)", name));
    statistics.update_moving(out_, context);
    out_.close_scope(name + "_update_moving");
    out_.blank();
  }

  void helpers() {
    out_.line("// The sum of L lanes: the upper half folded onto the lower, recursively, so the");
    out_.line("// additions are independent and every loop has a constant trip count.");
    out_.line("template <typename T, int L>");
    out_.open_scope("static T lane_sum(const T* values)");
    out_.open_scope("if constexpr (L == 1)");
    out_.line("return values[0];");
    out_.close_scope();
    out_.open_scope("else");
    out_.line("constexpr int kHalf = (L + 1) / 2;");
    out_.line("T folded[kHalf];");
    out_.line("for (int l = 0; l < kHalf; ++l) folded[l] = l + kHalf < L ? values[l] + values[l + "
              "kHalf] : values[l];");
    out_.line("return lane_sum<T, kHalf>(folded);");
    out_.close_scope();
    out_.close_scope("lane_sum");
  }

  const Model& model_;
  std::string name_;
  std::int64_t budget_;
  std::int64_t limit_;
  CodeWriter out_;
  std::vector<Tensor> tensors_;
  std::vector<Planned> layers_;
  std::int64_t param_count_ = 0;
  std::string output_, output_grad_;
  bool fused_ = false;
  std::vector<int> statistics_layers_; // indices of the layers with batch statistics
  std::int64_t statistics_size_ = 0, batch_statistics_size_ = 0;
};

} // namespace

std::string emit_model_header(const Model& model, const EmitOptions& options) {
  return HeaderEmitter(model, options).run();
}

} // namespace cnnc
