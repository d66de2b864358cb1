// The generated header of one model: everything but the layer kernels' bodies and the losses.
#include "codegen/model.hpp"

#include <cctype>
#include <fmt/core.h>

#include "codegen/code_writer.hpp"
#include "codegen/layers/layer.hpp"
#include "codegen/loss.hpp"

namespace cnnc {

std::string offset_constant(const std::string& layer, const std::string& role) {
  std::string name = "k";
  bool upper = true;
  for (char ch : layer + "_" + role) {
    if (ch == '_') {
      upper = true;
      continue;
    }
    name += upper ? char(std::toupper(static_cast<unsigned char>(ch))) : ch;
    upper = false;
  }
  return name;
}

namespace {

struct Tensor {
  std::string layer, role;
  std::int64_t offset = 0, size = 0;
  std::vector<int> dims;
  int fan_in = 0, fan_out = 0;
  Initializer init;
  double l2 = 0; // kernels: the model's `l2`; biases are not decayed
};

// A layer with everything its kernels and the tables need.
struct Planned {
  LayerContext context;
  const LayerEmitter* emitter = nullptr;
  int first_tensor = 0, tensor_count = 0;
  LayerCost cost;
  bool has_params() const { return context.l().params > 0; }
  bool has_backward() const { return has_params() || !context.first(); }
};

const char* init_name(InitKind kind) {
  switch (kind) {
  case InitKind::Zeros:
    return "Zeros";
  case InitKind::Ones:
    return "Ones";
  case InitKind::GlorotUniform:
    return "GlorotUniform";
  case InitKind::GlorotNormal:
    return "GlorotNormal";
  case InitKind::HeNormal:
    return "HeNormal";
  case InitKind::HeUniform:
    return "HeUniform";
  case InitKind::LecunNormal:
    return "LecunNormal";
  case InitKind::LecunUniform:
    return "LecunUniform";
  case InitKind::Normal:
    return "Normal";
  case InitKind::Uniform:
    return "Uniform";
  case InitKind::Constant:
    return "Constant";
  }
  return "Zeros";
}

const char* loss_name(Loss loss) {
  switch (loss) {
  case Loss::CategoricalCrossentropy:
    return "CategoricalCrossentropy";
  case Loss::BinaryCrossentropy:
    return "BinaryCrossentropy";
  case Loss::MeanSquaredError:
    return "MeanSquaredError";
  case Loss::MeanAbsoluteError:
    return "MeanAbsoluteError";
  }
  return "MeanSquaredError";
}

const char* optimizer_name(OptimizerKind kind) {
  switch (kind) {
  case OptimizerKind::Sgd:
    return "Sgd";
  case OptimizerKind::Momentum:
    return "Momentum";
  case OptimizerKind::Nesterov:
    return "Nesterov";
  case OptimizerKind::Adagrad:
    return "Adagrad";
  case OptimizerKind::Rmsprop:
    return "Rmsprop";
  case OptimizerKind::Adam:
    return "Adam";
  }
  return "Sgd";
}

// A double as a C++ literal that reads back to the same value ("0.0001", "1e-07", "0.9").
const char* schedule_name(ScheduleKind kind) {
  switch (kind) {
  case ScheduleKind::Constant:
    return "Constant";
  case ScheduleKind::Step:
    return "Step";
  case ScheduleKind::Exponential:
    return "Exponential";
  case ScheduleKind::Cosine:
    return "Cosine";
  }
  return "Constant";
}

const char* monitor_name(Monitor monitor) {
  switch (monitor) {
  case Monitor::ValLoss:
    return "ValLoss";
  case Monitor::ValAcc:
    return "ValAcc";
  case Monitor::ValMae:
    return "ValMae";
  }
  return "ValLoss";
}

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
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + '"';
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

std::string padding_text(const Layer& layer) {
  const Padding& p = layer.padding;
  if (p == Padding{}) return "valid";
  return fmt::format("top {}, bottom {}, left {}, right {}", p.top, p.bottom, p.left, p.right);
}

// The comment above a layer's kernels: shapes, window, and cost.
void emit_kernel_comment(CodeWriter& out, const Planned& planned, const char* direction) {
  const Layer& layer = planned.context.l();
  std::string line =
      fmt::format("// {} {}: {} {} -> {}", layer.name, direction, keras_name(layer.kind),
                  to_string(layer.input), to_string(layer.output));
  if (layer.kind == LayerKind::Conv2D || layer.kind == LayerKind::MaxPool ||
      layer.kind == LayerKind::AvgPool)
    line += fmt::format(", window {}x{}, stride {}x{}, padding {}", layer.kernel_h, layer.kernel_w,
                        layer.stride_h, layer.stride_w, padding_text(layer));
  if (layer.kind != LayerKind::MaxPool && layer.kind != LayerKind::AvgPool &&
      layer.kind != LayerKind::Flatten)
    line += fmt::format(", {}", keyword(layer.activation));
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
        budget_(options.unroll_budget > 0 ? options.unroll_budget : kDefaultUnrollBudget) {
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
    helpers();
    out_.close_type("struct Model");
    out_.blank();
    out_.line("} // namespace cnn::" + name_);
    return out_.text();
  }

private:
  void plan() {
    std::string input = "input", input_grad;
    int last_owner = -1;
    for (std::size_t i = 0; i < model_.layers.size(); ++i)
      if (emitter_for(model_.layers[i].kind).owns_output) last_owner = int(i);
    std::int64_t offset = 0;
    const Layer* output_layer = nullptr;
    for (std::size_t i = 0; i < model_.layers.size(); ++i) {
      const Layer& layer = model_.layers[i];
      Planned planned;
      planned.emitter = &emitter_for(layer.kind);
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
      if (layer.params > 0) add_tensors(layer, offset, context);
      planned.tensor_count = int(tensors_.size()) - planned.first_tensor;
      planned.cost = planned.emitter->cost(layer, context.first());
      input = context.output;
      input_grad = context.output_grad;
      layers_.push_back(planned);
    }
    param_count_ = offset;
    output_ = input;
    output_grad_ = input_grad;
    const Activation output_activation =
        output_layer ? output_layer->activation : Activation::Linear;
    fused_ = output_layer && loss_fuses(model_.training.loss, output_activation);
    if (fused_) {
      for (auto& planned : layers_)
        if (planned.context.layer == output_layer) planned.context.loss_fused = true;
    }
  }

  void add_tensors(const Layer& layer, std::int64_t& offset, LayerContext& context) {
    const int in_c = layer.input.channels;
    Tensor kernel{layer.name, "kernel", offset, 0, {}, 0, 0, layer.kernel_init};
    if (layer.kind == LayerKind::Conv2D) {
      kernel.dims = {layer.kernel_h, layer.kernel_w, in_c, layer.units};
      kernel.fan_in = layer.kernel_h * layer.kernel_w * in_c;
      kernel.fan_out = layer.kernel_h * layer.kernel_w * layer.units;
    } else {
      const int inputs = int(layer.input.size());
      kernel.dims = {inputs, layer.units};
      kernel.fan_in = inputs;
      kernel.fan_out = layer.units;
    }
    kernel.size = std::int64_t(kernel.fan_in) * layer.units;
    kernel.l2 = model_.training.l2;
    offset += kernel.size;
    Tensor bias{layer.name,    "bias",      offset,      layer.units,
                {layer.units}, layer.units, layer.units, layer.bias_init};
    offset += bias.size;
    context.kernel_offset = offset_constant(layer.name, "kernel");
    context.bias_offset = offset_constant(layer.name, "bias");
    tensors_.push_back(kernel);
    tensors_.push_back(bias);
  }

  void banner() {
    out_.linef("// Generated by cnnc {} from {}. Do not edit.", CNNC_VERSION, model_.source_path);
    out_.linef("// Model {}: fixed-size forward and backward code over groups of L samples held in",
               name_);
    out_.line("// lanes (the sample index innermost); see docs/generated-api.md for the contract.");
    out_.line("#pragma once");
    out_.blank();
    out_.line("#include <cmath>");
    out_.line("#include <cstddef>");
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
    out_.blank();
  }

  void constants() {
    const Shape& in = model_.input;
    out_.linef("static constexpr const char* kName = \"{}\";", name_);
    out_.linef("static constexpr const char* kSource = \"{}\";", model_.source_path);
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
    out_.blank();
    out_.line("// Offsets of the parameter tensors in the parameter block (Keras layouts).");
    for (const auto& t : tensors_)
      out_.linef("static constexpr std::size_t {} = {}; // ({})", offset_constant(t.layer, t.role),
                 t.offset, dims_text(t.dims));
    out_.blank();
  }

  void tables() {
    out_.linef("static constexpr cnn::TensorInfo kTensors[{}] = {{",
               tensors_.empty() ? "1" : "kTensorCount");
    if (tensors_.empty()) out_.line("    {}, // no parameters; kTensorCount is 0");
    for (const auto& t : tensors_) {
      std::vector<int> dims = t.dims;
      dims.resize(4, 0);
      out_.linef("    {{\"{0}.{1}\", \"{0}\", \"{1}\", {2}, {3}, {4}, {{{5}}}, {6}, {7}, "
                 "{{cnn::InitKind::{8}, {9}}}, {10}, true}},",
                 t.layer, t.role, t.offset, t.size, t.dims.size(), dims_text(dims), t.fan_in,
                 t.fan_out, init_name(t.init.kind), literal(t.init.param), literal(t.l2));
    }
    out_.line("};");
    out_.line("static constexpr cnn::LayerInfo kLayers[kLayerCount] = {");
    for (const auto& planned : layers_) {
      const Layer& layer = planned.context.l();
      const std::string dims = layer.output.rank == 1
                                   ? fmt::format("{}, 0, 0", layer.output.channels)
                                   : fmt::format("{}, {}, {}", layer.output.height,
                                                 layer.output.width, layer.output.channels);
      out_.linef("    {{\"{}\", \"{}\", {}, {{{}}}, {}, {}, {}, {}, {}}},", layer.name,
                 keras_name(layer.kind), layer.output.rank, dims, layer.params,
                 planned.first_tensor, planned.tensor_count, planned.cost.forward_flops,
                 planned.cost.backward_flops);
    }
    out_.line("};");
    const Training& t = model_.training;
    const Optimizer& o = t.optimizer;
    out_.linef("static constexpr cnn::TrainingConfig kTraining = {{");
    out_.linef("    cnn::LossKind::{},", loss_name(t.loss));
    out_.linef("    {{cnn::OptimizerKind::{}, {}, {}, {}, {}, {}, {}, {}}},",
               optimizer_name(o.kind), literal(o.learning_rate), literal(o.momentum),
               literal(o.rho), literal(o.beta1), literal(o.beta2), literal(o.epsilon),
               literal(o.initial_accumulator));
    out_.linef("    {}, {}, {}, {}, {},", t.batch_size, t.epochs, t.validation_count,
               literal(t.validation_fraction), t.seed);
    const Schedule& schedule = t.schedule;
    out_.linef("    {{cnn::ScheduleKind::{}, {}, {}, {}, {}}},", schedule_name(schedule.kind),
               schedule.every, literal(schedule.factor), literal(schedule.min_lr), schedule.warmup);
    const EarlyStopping& early = t.early_stopping;
    out_.linef("    {{{}, cnn::MonitorKind::{}, {}, {}, {}}},", early.enabled ? "true" : "false",
               monitor_name(early.monitor), early.patience, literal(early.min_delta),
               early.restore_best_weights ? "true" : "false");
    out_.linef("    {{{}, {}, {}}}}};", t.augment.shift,
               t.augment.flip_horizontal ? "true" : "false",
               t.augment.flip_vertical ? "true" : "false");
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
  }

  void workspace_members(bool forward_only) {
    out_.line(forward_only ? "static constexpr bool kForBackward = false; // forward keeps nothing "
                             "for backward"
                           : "static constexpr bool kForBackward = true; // forward keeps what "
                             "backward needs");
    out_.linef("alignas(64) T input[{} * L]; // {}, copied by forward{}", model_.input.size(),
               to_string(model_.input), forward_only ? "" : " for backward");
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

  void drivers() {
    bool any_params = false;
    for (const auto& planned : layers_) any_params = any_params || planned.has_params();
    out_.line(
        "// input: T[kInputSize][L]. Leaves the output in ws.output, T[kOutputSize][L]. ws is a");
    out_.line("// Workspace (for training) or a ForwardWorkspace (for inference).");
    out_.linef("template <typename T, int L, {}>", kWorkspaceParameter);
    out_.open_scope("static void forward(const T* params, const T* input, Ws<T, L>& ws)");
    if (!any_params) out_.line("(void)params;");
    {
      Bindings b;
      const Loop copy = plan_loops({{"i", int(model_.input.size())}}, 1, budget_)[0];
      emit_loop(out_, copy, b, [&] {
        out_.lane(fmt::format("{} = {};", at("input", Affine::var("i"), b),
                              indexed("input", Affine::var("i"), b)));
      });
    }
    for (const auto& planned : layers_) {
      const Layer& layer = planned.context.l();
      if (!planned.emitter->owns_output) {
        out_.linef("// {}: no code; its output is its input's memory.", layer.name);
        continue;
      }
      out_.linef("{}_forward({}ws);", layer.name, planned.has_params() ? "params, " : "");
    }
    out_.close_scope("forward");
    out_.blank();
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
      params_used = params_used || (planned.has_params() && !planned.context.first());
      grads_used = grads_used || planned.has_params();
    }
    if (!params_used) out_.line("(void)params;");
    if (!grads_used) out_.line("(void)grads;");
    out_.line("loss_gradient(target, active, ws);");
    for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
      if (!it->emitter->owns_output || !it->has_backward()) continue;
      out_.linef("{}_backward({});", it->context.l().name, backward_arguments(*it, true));
    }
    out_.close_scope("backward");
    out_.blank();
    emit_loss_gradient(out_, loss);
    out_.blank();
  }

  static std::string backward_arguments(const Planned& planned, bool call) {
    std::string text;
    if (planned.has_params() && !planned.context.first())
      text += call ? "params, " : "const T* params, ";
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
  CodeWriter out_;
  std::vector<Tensor> tensors_;
  std::vector<Planned> layers_;
  std::int64_t param_count_ = 0;
  std::string output_, output_grad_;
  bool fused_ = false;
};

} // namespace

std::string emit_model_header(const Model& model, const EmitOptions& options) {
  return HeaderEmitter(model, options).run();
}

} // namespace cnnc
