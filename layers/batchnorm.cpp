// batchnorm: Keras' BatchNormalization over the last axis: per channel of an image (statistics
// over the batch and every position) or per unit of a vector. In training the statistics are
// the whole batch's: the passes are split into stages at this layer (BatchStatistics), and
// backward needs the batch means of dy and dy * xhat. In evaluation and inference it
// normalizes with the moving mean and variance, non-trainable tensors that
// NAME_update_moving moves toward each training batch's mean and (biased) variance.
#include <cmath>

#include <fmt/core.h>

#include "layers/rules.hpp"

namespace cnnc {
namespace {

int channels(const Layer& layer) {
  return layer.output.channels;
}

// Positions per channel: H * W of an image, 1 for a vector.
std::int64_t positions(const Layer& layer) {
  return layer.output.size() / layer.output.channels;
}

// The lane l of (position p, channel c) of a workspace buffer.
std::string element(const std::string& buffer, const Layer& layer) {
  if (positions(layer) == 1) return fmt::format("ws.{}[c * L + l]", buffer);
  return fmt::format("ws.{}[(p * {} + c) * L + l]", buffer, channels(layer));
}

// for p, for c, CNNC_LANES for l: statements.
void each_element(CodeWriter& out, const Layer& layer, const std::vector<std::string>& statements) {
  const bool images = positions(layer) > 1;
  if (images) out.open_scope(fmt::format("for (int p = 0; p < {}; ++p)", positions(layer)));
  out.open_scope(fmt::format("for (int c = 0; c < {}; ++c)", channels(layer)));
  for (const std::string& statement : statements) out.lane(statement);
  out.close_scope();
  if (images) out.close_scope();
}

std::string epsilon(const Layer& layer) {
  return fmt::format("{}", layer.value("epsilon"));
}

// `batch[first + c]`, the layer's share of the batch statistics block from `first`.
std::string batch_at(const LayerContext& context, std::int64_t first) {
  return fmt::format("batch[{} + c]", context.batch_offset + first);
}

// mean[c] and inv_std[c] (1 / sqrt(var + epsilon)) as T, from the batch's statistics in
// training and the moving ones in evaluation.
void normalization(CodeWriter& out, const LayerContext& context, bool from_batch) {
  const int c_count = channels(context.l());
  out.linef("T mean[{0}], inv_std[{0}];", c_count);
  out.open_scope(fmt::format("for (int c = 0; c < {}; ++c)", c_count));
  if (from_batch) {
    out.linef("const double m = {};", batch_at(context, 0));
    out.linef("const double v = {};", batch_at(context, c_count));
  } else {
    out.linef("const double m = double(params[{} + c]);", context.offset("moving_mean"));
    out.linef("const double v = double(params[{} + c]);", context.offset("moving_variance"));
  }
  out.line("mean[c] = T(m);");
  out.linef("inv_std[c] = T(1.0 / std::sqrt(v + {}));", epsilon(context.l()));
  out.close_scope();
}

std::string xhat(const LayerContext& context) {
  return fmt::format("({} - mean[c]) * inv_std[c]", element(context.input, context.l()));
}

void normalize(CodeWriter& out, const LayerContext& context, bool from_batch) {
  const Layer& layer = context.l();
  out.linef("// y = gamma * (x - mean) / sqrt(var + epsilon) + beta, with the {} statistics",
            from_batch ? "batch's" : "moving");
  normalization(out, context, from_batch);
  each_element(
      out, layer,
      {fmt::format("{} = params[{} + c] * ({}) + params[{} + c];", element(context.output, layer),
                   context.offset("gamma"), xhat(context), context.offset("beta"))});
}

void batchnorm_forward(CodeWriter& out, const LayerContext& context) {
  normalize(out, context, false);
}

void batchnorm_forward_batch(CodeWriter& out, const LayerContext& context) {
  normalize(out, context, true);
}

// Per-lane double accumulators of two per-channel sums, then their sums over the lanes that
// hold samples into sums[c] and sums[C + c].
void lane_sums(CodeWriter& out, const Layer& layer, const std::string& first,
               const std::string& second) {
  const int c_count = channels(layer);
  out.linef("double first[{}][L] = {{}}, second[{}][L] = {{}};", c_count, c_count);
  each_element(out, layer,
               {fmt::format("first[c][l] += double({});", first),
                fmt::format("second[c][l] += double({});", second)});
  out.open_scope(fmt::format("for (int c = 0; c < {}; ++c)", c_count));
  out.line("double a = 0, b = 0;");
  out.open_scope("for (int l = 0; l < L; ++l)");
  out.open_scope("if (l < ws.active)");
  out.line("a += first[c][l];");
  out.line("b += second[c][l];");
  out.close_scope();
  out.close_scope();
  out.line("sums[c] = a;");
  out.linef("sums[{} + c] = b;", c_count);
  out.close_scope();
}

void batchnorm_forward_sums(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  out.line("// Sums of x and x^2 per channel, in double (the variance is E[x^2] - E[x]^2).");
  const std::string x = element(context.input, layer);
  lane_sums(out, layer, x, fmt::format("{0}) * double({0}", x));
}

void batchnorm_finish_forward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const int c_count = channels(layer);
  out.line("// The batch's mean and biased variance (divided by n, as Keras), n values a channel.");
  out.linef("const double n = double(samples) * {};", positions(layer));
  out.open_scope(fmt::format("for (int c = 0; c < {}; ++c)", c_count));
  out.line("const double mean = sums[c] / n;");
  out.linef("const double variance = sums[{} + c] / n - mean * mean;", c_count);
  out.linef("{} = mean;", batch_at(context, 0));
  out.linef("{} = variance > 0 ? variance : 0.0;", batch_at(context, c_count));
  out.close_scope();
}

void batchnorm_backward_sums(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const int c_count = channels(layer);
  out.line("// Sums of dy and dy * xhat per channel: the gradients of beta and gamma, and (as");
  out.line("// batch means) the terms of dx.");
  out.line("(void)params;");
  normalization(out, context, true);
  const std::string dy = element(context.output_grad, layer);
  lane_sums(out, layer, dy, fmt::format("{} * ({})", dy, xhat(context)));
  out.open_scope(fmt::format("for (int c = 0; c < {}; ++c)", c_count));
  out.linef("grads[{} + c] += T(sums[c]);", context.offset("beta"));
  out.linef("grads[{} + c] += T(sums[{} + c]);", context.offset("gamma"), c_count);
  out.close_scope();
}

void batchnorm_finish_backward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const int c_count = channels(layer);
  out.linef("const double n = double(samples) * {};", positions(layer));
  out.open_scope(fmt::format("for (int c = 0; c < {}; ++c)", c_count));
  out.linef("{} = sums[c] / n;", batch_at(context, 2 * c_count));
  out.linef("{} = sums[{} + c] / n;", batch_at(context, 3 * c_count), c_count);
  out.close_scope();
}

void batchnorm_update_moving(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const int c_count = channels(layer);
  const double momentum = layer.value("momentum");
  out.line("// moving = momentum * moving + (1 - momentum) * batch (Keras' rule).");
  out.open_scope(fmt::format("for (int c = 0; c < {}; ++c)", c_count));
  out.linef("T& mean = params[{} + c];", context.offset("moving_mean"));
  out.linef("T& variance = params[{} + c];", context.offset("moving_variance"));
  out.linef("mean = T({0} * double(mean) + (1.0 - {0}) * {1});", momentum, batch_at(context, 0));
  out.linef("variance = T({0} * double(variance) + (1.0 - {0}) * {1});", momentum,
            batch_at(context, c_count));
  out.close_scope();
}

// Training mode: the input's gradient with the batch means (beta's and gamma's gradients came
// with the sums).
void batchnorm_backward_batch(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const int c_count = channels(layer);
  out.line("// dx = gamma / sqrt(var + epsilon) * (dy - mean(dy) - xhat * mean(dy * xhat)), batch");
  out.line("// means; zero for lanes without a sample.");
  normalization(out, context, true);
  out.line("T keep[L];");
  out.line("for (int l = 0; l < L; ++l) keep[l] = l < ws.active ? T(1) : T(0);");
  out.linef("T mean_dy[{0}], mean_dy_xhat[{0}];", c_count);
  out.open_scope(fmt::format("for (int c = 0; c < {}; ++c)", c_count));
  out.linef("mean_dy[c] = T({});", batch_at(context, 2 * c_count));
  out.linef("mean_dy_xhat[c] = T({});", batch_at(context, 3 * c_count));
  out.close_scope();
  each_element(out, layer,
               {fmt::format("{} = keep[l] * params[{} + c] * inv_std[c] * ({} - mean_dy[c] - "
                            "({}) * mean_dy_xhat[c]);",
                            element(context.input_grad, layer), context.offset("gamma"),
                            element(context.output_grad, layer), xhat(context))});
}

// Evaluation mode: an affine map per channel, with the moving statistics.
void batchnorm_backward(CodeWriter& out, const LayerContext& context) {
  const Layer& layer = context.l();
  const int c_count = channels(layer);
  const std::string dy = element(context.output_grad, layer);
  const std::string gamma = context.offset("gamma");
  out.line("// Evaluation mode: an affine map per channel, with the moving statistics.");
  normalization(out, context, false);
  out.linef("double dbeta[{0}][L] = {{}}, dgamma[{0}][L] = {{}};", c_count);
  std::vector<std::string> statements = {
      fmt::format("dbeta[c][l] += double({});", dy),
      fmt::format("dgamma[c][l] += double({} * ({}));", dy, xhat(context))};
  if (!context.first())
    statements.push_back(fmt::format("{} = {} * params[{} + c] * inv_std[c];",
                                     element(context.input_grad, layer), dy, gamma));
  each_element(out, layer, statements);
  out.open_scope(fmt::format("for (int c = 0; c < {}; ++c)", c_count));
  out.open_scope("for (int l = 0; l < L; ++l)");
  out.linef("grads[{} + c] += T(dbeta[c][l]);", context.offset("beta"));
  out.linef("grads[{} + c] += T(dgamma[c][l]);", gamma);
  out.close_scope();
  out.close_scope();
}

LayerCost batchnorm_cost(const Layer& layer, bool first) {
  const std::uint64_t n = std::uint64_t(layer.output.size());
  return {4 * n, (first ? 4 : 10) * n};
}

std::optional<Shape> batchnorm_shape(const ast::Layer& statement, const LayerInput& input,
                                     Layer& layer, CheckContext& context) {
  const auto momentum = number_option(statement, "momentum", 0, 1, false, 0.99, context);
  std::optional<double> eps = 0.001;
  if (const ast::Option* option = statement.option("epsilon")) {
    const double value = option->number->value;
    if (!std::isfinite(value) || value <= 0 || value > 1) {
      context.error(option->span,
                    prefixed(statement.label,
                             fmt::format("epsilon must be greater than 0 and at most 1, not {}",
                                         option->number->text)));
      eps.reset();
    } else {
      eps = value;
    }
  }
  if (!momentum || !eps) return std::nullopt;
  layer.values.emplace_back("momentum", *momentum);
  layer.values.emplace_back("epsilon", *eps);
  return input.shape;
}

std::vector<TensorShape> batchnorm_tensors(const Layer& layer) {
  const std::int64_t c = channels(layer);
  const Initializer ones{InitKind::Ones, 0}, zeros{InitKind::Zeros, 0};
  return {{"gamma", {c}, c, c, ones, true, std::nullopt},
          {"beta", {c}, c, c, zeros, true, std::nullopt},
          {"moving_mean", {c}, c, c, zeros, false, std::nullopt},
          {"moving_variance", {c}, c, c, ones, false, std::nullopt}};
}

std::string batchnorm_description(const Layer& layer) {
  return fmt::format("momentum {}, epsilon {}", layer.value("momentum"), layer.value("epsilon"));
}

const BatchStatistics kBatchNormStatistics{
    .channels = channels,
    .forward_sums = batchnorm_forward_sums,
    .finish_forward = batchnorm_finish_forward,
    .forward_batch = batchnorm_forward_batch,
    .backward_sums = batchnorm_backward_sums,
    .finish_backward = batchnorm_finish_backward,
    .backward_batch = batchnorm_backward_batch,
    .update_moving = batchnorm_update_moving,
};

} // namespace

extern const LayerType kBatchNorm{
    .keyword = "batchnorm",
    .keras_name = "BatchNormalization",
    .default_name = "batch_normalization",
    .slots = {},
    .activation_positional = false,
    .options = {option::kName, {"momentum", OptionType::Number}, {"epsilon", OptionType::Number}},
    .usage = "[momentum=0.99] [epsilon=0.001] [name=ID]",
    .example = "batchnorm",
    .aliases = {"batch_normalization", "batchnormalization", "bn"},
    .shape = batchnorm_shape,
    .tensors = batchnorm_tensors,
    .owns_output = true,
    .extra_buffers = no_buffers,
    .forward = batchnorm_forward,
    .backward = batchnorm_backward,
    .cost = batchnorm_cost,
    .describe = batchnorm_description,
    .not_last = "the model's output would be normalized over each batch; put it before the "
                "output layer",
    .batch_statistics = &kBatchNormStatistics,
};

} // namespace cnnc
