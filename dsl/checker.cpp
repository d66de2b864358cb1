// The checker's main pass: the input, every layer in order (names, activations, initializers,
// shape rule, assertions), then the rules that look at the whole model (softmax, loss).
#include "dsl/checker.hpp"

#include <algorithm>
#include <map>

#include <fmt/core.h>

#include "dsl/check_context.hpp"
#include "dsl/check_input.hpp"
#include "dsl/check_names.hpp"
#include "dsl/check_training.hpp"
#include "dsl/identifier.hpp"
#include "layers/layer_type.hpp"

namespace cnnc {
namespace {

std::optional<Shape> check_input(const ast::Program& program, CheckContext& context) {
  if (!program.input) return std::nullopt;
  const ast::Dims& dims = *program.input;
  if (dims.sizes.size() != 3) {
    context.error(dims.span, fmt::format("the input shape is HxWxC (three sizes, such as "
                                         "28x28x1), not '{}'",
                                         dims.text));
    return std::nullopt;
  }
  for (const std::int64_t size : dims.sizes) {
    if (size < 1 || size > kMaxDimension) {
      context.error(dims.span, fmt::format("every size of the input shape must be from 1 to {}, "
                                           "not {}",
                                           with_commas(kMaxDimension), dims.text));
      return std::nullopt;
    }
  }
  const Shape shape = Shape::image(int(dims.sizes[0]), int(dims.sizes[1]), int(dims.sizes[2]));
  if (shape.size() > kMaxLaneValues) {
    context.error(dims.span, fmt::format("the input {} has {} values, more than the {} the "
                                         "generated code can index at {} lanes",
                                         dims.text, with_commas(shape.size()),
                                         with_commas(kMaxLaneValues), kMaxLanes));
    return std::nullopt;
  }
  return shape;
}

// "5x5x1x10 weights + 10 biases": the layer's parameter tensors.
std::string weight_breakdown(const Layer& layer) {
  std::string text;
  for (const TensorShape& tensor : layer.type->tensors(layer)) {
    std::string dims;
    for (const std::int64_t d : tensor.dims) {
      if (!dims.empty()) dims.append("x");
      dims.append(std::to_string(d));
    }
    const std::string noun = tensor.role == "kernel" ? "weights"
                             : tensor.role == "bias" ? "biases"
                                                     : tensor.role;
    text += fmt::format("{}{} {}", text.empty() ? "" : " + ", dims, noun);
  }
  return text.empty() ? "it has no weights" : text;
}

struct RuleResult {
  std::optional<Shape> output; // nullopt: unknown (later layers are not checked against it)
  bool params_known = false;   // dense knows its output but not its weights on unknown input
};

// The kind's shape rule, then the layer's parameter count from its tensors, and the limits.
RuleResult apply_shape_rule(const ast::Layer& statement, const LayerInput& input, Layer& layer,
                            CheckContext& context) {
  if (input.shape) layer.input = *input.shape;
  const std::optional<Shape> output = layer.type->shape(statement, input, layer, context);
  if (!output) return {};
  layer.output = *output;
  if (input.shape) {
    layer.params = 0;
    for (const TensorShape& tensor : layer.type->tensors(layer)) {
      std::int64_t size = 1;
      for (const std::int64_t d : tensor.dims) size = capped_product(size, d);
      layer.params = std::min(layer.params + size, kMaxElements + 1);
    }
  }
  if (layer.params > kMaxElements) {
    layer.params = 0; // reported here, not again in the model's total
    context.error(
        statement.keyword,
        prefixed(statement.label, fmt::format("the layer would have more than {} parameters",
                                              with_commas(kMaxElements))));
    return {};
  }
  if (output->size() > kMaxLaneValues) {
    context.error(
        statement.keyword,
        prefixed(statement.label, fmt::format("its output {} has {} values, more than the {} the "
                                              "generated code can index at {} lanes",
                                              to_string(*output), with_commas(output->size()),
                                              with_commas(kMaxLaneValues), kMaxLanes)));
    return {};
  }
  return {output, input.shape.has_value()};
}

void check_assertions(const ast::Layer& statement, const Layer& layer, bool params_known,
                      CheckContext& context) {
  if (statement.expected_shape) {
    // Compared as written (64-bit), so an absurd assertion is just a mismatch.
    const ast::Dims& dims = *statement.expected_shape;
    const Shape& out = layer.output;
    const std::vector<std::int64_t> actual =
        out.rank == 1 ? std::vector<std::int64_t>{out.channels}
                      : std::vector<std::int64_t>{out.height, out.width, out.channels};
    if (dims.sizes.size() != 1 && dims.sizes.size() != 3) {
      context.error(dims.span,
                    prefixed(statement.label,
                             fmt::format("an output shape is HxWxC or N, not '{}'", dims.text)));
    } else if (dims.sizes != actual) {
      context.error(dims.span, prefixed(statement.label,
                                        fmt::format("expected output shape {}, but the layer's "
                                                    "output is {}",
                                                    dims.text, to_string(out))));
    }
  }
  if (statement.expected_params && params_known) {
    const ast::Number& count = *statement.expected_params;
    if (!count.integer || *count.integer < 0) {
      context.error(count.span, prefixed(statement.label,
                                         fmt::format("a parameter count is a whole number, not {}",
                                                     count.text)));
    } else if (*count.integer != layer.params) {
      context.error(count.span,
                    prefixed(statement.label,
                             fmt::format("expected {} parameters, but the layer has {} ({})",
                                         count.text, layer.params, weight_breakdown(layer))));
    }
  }
}

struct LayerFacts {
  const ast::Layer* statement;
  std::optional<Activation> activation; // unknown after an error
  bool output_known = false;
};

Span activation_span(const ast::Layer& statement) {
  return statement.activation ? statement.activation->span : statement.keyword;
}

// Softmax turns the last layer's output into class probabilities; elsewhere it is a mistake.
// The loss must fit the last activation.
void check_output_rules(const std::vector<LayerFacts>& facts, const std::vector<Layer>& layers,
                        const ast::Program& program, const Training& training,
                        CheckContext& context) {
  for (std::size_t i = 0; i + 1 < facts.size(); ++i) {
    if (facts[i].activation == Activation::Softmax) {
      context.error(activation_span(*facts[i].statement),
                    prefixed(facts[i].statement->label,
                             "softmax is only allowed on the last layer (it turns the output "
                             "into class probabilities)"),
                    {{facts.back().statement->span, "the last layer is here"}});
    }
  }
  const LayerFacts& last = facts.back();
  if (last.statement->type && !last.statement->type->not_last.empty()) {
    const std::string_view reason = last.statement->type->not_last;
    context.error(
        last.statement->keyword,
        prefixed(last.statement->label, fmt::format("{} cannot be the last layer: {}",
                                                    last.statement->type->keyword, reason)));
  }
  if (!last.activation) return;
  const Layer& last_layer = layers.back();
  if (*last.activation == Activation::Softmax && last.output_known && last_layer.output.rank == 3) {
    context.error(activation_span(*last.statement),
                  prefixed(last.statement->label,
                           fmt::format("softmax needs a vector, but the output is the image {}; "
                                       "add 'flatten' and 'dense' before it",
                                       to_string(last_layer.output))));
  }
  const bool loss_given = program.training && program.training->loss;
  const Span loss_span = loss_given ? program.training->loss->value.span : last.statement->keyword;
  const std::string loss_text = loss_given
                                    ? fmt::format("loss {}", program.training->loss->value.text)
                                    : fmt::format("the default loss {}", keyword(training.loss));
  const std::string fix = loss_given ? "" : "; set 'loss' in the training section";
  const Note last_note{last.statement->span,
                       fmt::format("{} is the last layer", last.statement->label)};
  const char* activation_name = keyword(*last.activation);
  if (training.loss == LossKind::CategoricalCrossentropy &&
      *last.activation != Activation::Softmax) {
    context.error(loss_span,
                  fmt::format("{} needs a softmax output, but the last layer {} has activation "
                              "{}{}",
                              loss_text, last.statement->label, activation_name, fix),
                  {last_note});
  } else if (training.loss == LossKind::BinaryCrossentropy &&
             *last.activation != Activation::Sigmoid) {
    context.error(loss_span,
                  fmt::format("{} needs a sigmoid output, but the last layer {} has activation {}",
                              loss_text, last.statement->label, activation_name),
                  {last_note});
  } else if (training.loss != LossKind::CategoricalCrossentropy &&
             *last.activation == Activation::Softmax) {
    context.error(loss_span,
                  fmt::format("{} does not fit the softmax output of {}; softmax pairs with "
                              "categorical_crossentropy",
                              loss_text, last.statement->label),
                  {last_note});
  }
}

} // namespace

std::string model_name_from_path(std::string_view path) {
  const auto slash = path.find_last_of('/');
  std::string_view stem = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = stem.find('.', 1);
  if (dot != std::string_view::npos) stem = stem.substr(0, dot);
  std::string name;
  for (const char c : stem) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (keep) {
      name += c;
    } else if (name.empty() || name.back() != '_') {
      name += '_'; // runs of '_' would make a reserved name
    }
  }
  if (name.empty() || name == "_") return "model";
  if (name[0] >= '0' && name[0] <= '9') name = "_" + name;
  if (name[0] == '_' && name.size() > 1 && name[1] >= 'A' && name[1] <= 'Z') name = "m" + name;
  if (model_name_problem(name)) name += "_model";
  return name;
}

Model check(const ast::Program& program, std::string_view path,
            std::vector<Diagnostic>& diagnostics) {
  CheckContext context{diagnostics};
  Model model;
  model.source_path = std::string(path);
  model.name = program.model_name ? program.model_name->text : model_name_from_path(path);
  if (program.model_name) {
    if (const auto problem = model_name_problem(model.name)) {
      context.error(program.model_name->span,
                    fmt::format("{}; a model's name names its generated code", *problem));
    }
  }
  const std::optional<Shape> input_shape = check_input(program, context);
  if (input_shape) model.input = *input_shape;
  model.training = check_training(program.training, input_shape, context);
  model.preprocessing = check_preprocessing(program.preprocessing, input_shape, context);
  if (!program.input && !program.input_broken && !program.input_unknown) {
    if (program.layers.empty()) {
      context.error({}, "no 'input' line and no layers: a model is 'input HxWxC' followed by its "
                        "layers");
      return model;
    }
    context.error(program.layers.front().keyword,
                  "missing 'input HxWxC' line (such as 'input 28x28x1') before the first layer");
  } else if (program.layers.empty()) {
    context.error(program.input_span, "the model has no layers; add layers after 'input'");
    return model;
  }

  LayerInput input{input_shape, program.input_span, ""};
  std::map<std::string, Span, std::less<>> names;
  std::vector<LayerFacts> facts;
  std::vector<bool> checked; // the layer's input and output are known
  const auto unknown_before = [&](std::size_t index) {
    return std::find(program.unknown_before_layer.begin(), program.unknown_before_layer.end(),
                     index) != program.unknown_before_layer.end();
  };
  for (const ast::Layer& statement : program.layers) {
    if (unknown_before(facts.size())) input.shape.reset();
    Layer layer;
    layer.type = statement.type;
    layer.name = statement.label;
    layer.span = statement.span;
    layer.kernel_init = model.training.default_init;
    layer.bias_init = model.training.default_bias_init;
    if (statement.name) {
      if (const auto problem = identifier_problem(statement.name->text)) {
        context.error(
            statement.name->span,
            fmt::format("{}; a layer's name names its weights in the generated code", *problem));
      }
    }
    const auto [named, fresh] = names.emplace(layer.name, statement.span);
    if (!fresh) {
      context.error(statement.name ? statement.name->span : statement.keyword,
                    fmt::format("duplicate layer name '{}'", layer.name),
                    {{named->second, "the name is first used here"}});
    }
    LayerFacts fact{&statement, Activation::Linear};
    if (statement.activation)
      fact.activation = read_activation(*statement.activation, statement.label, context);
    if (fact.activation) layer.activation = *fact.activation;
    if (statement.init) {
      if (const auto init = read_initializer(*statement.init, statement.label, context))
        layer.kernel_init = *init;
    }
    if (statement.bias_init) {
      if (const auto init = read_initializer(*statement.bias_init, statement.label, context))
        layer.bias_init = *init;
    }
    std::optional<Shape> output;
    if (statement.broken) {
      fact.activation.reset();
    } else {
      const RuleResult rule = apply_shape_rule(statement, input, layer, context);
      output = rule.output;
      if (output) check_assertions(statement, layer, rule.params_known, context);
    }
    checked.push_back(input.shape.has_value() && output.has_value());
    input = LayerInput{output, statement.span, statement.label};
    fact.output_known = output.has_value();
    facts.push_back(fact);
    model.layers.push_back(std::move(layer));
  }
  if (unknown_before(facts.size())) {
    // The statement after the last layer may have been the real last layer.
    facts.back().activation.reset();
    facts.back().output_known = false;
  }
  check_output_rules(facts, model.layers, program, model.training, context);
  if (program.classes) {
    const bool loss_given = program.training && program.training->loss;
    ClassRules rules;
    rules.model = &model;
    rules.loss_known =
        !loss_given || cnn::loss_kind_named(program.training->loss->value.text).has_value();
    rules.output_known = facts.back().output_known;
    if (loss_given) rules.loss_span = program.training->loss->span;
    rules.last_layer = facts.back().statement->span;
    rules.last_label = facts.back().statement->label;
    model.class_names = check_classes(*program.classes, rules, context);
  }
  check_emitted_names(model, program, checked, context);
  if (model.total_params() > kMaxElements) {
    context.error(program.layers.back().keyword,
                  fmt::format("the model has {} parameters, more than the limit of {}",
                              with_commas(model.total_params()), with_commas(kMaxElements)));
  }
  return model;
}

} // namespace cnnc
