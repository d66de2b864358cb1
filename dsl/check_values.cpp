// The checker's readers of single values: counts, sizes, activations and initializers.
#include <cmath>

#include <fmt/core.h>

#include "dsl/check_context.hpp"
#include "dsl/edit_distance.hpp"

namespace cnnc {

std::string prefixed(std::string_view label, std::string_view message) {
  if (label.empty()) return std::string(message);
  return fmt::format("{}: {}", label, message);
}

std::int64_t capped_product(std::int64_t a, std::int64_t b) {
  if (a < 0 || b < 0) return kMaxElements + 1;
  if (a != 0 && b > kMaxElements / a) return kMaxElements + 1;
  return a * b;
}

std::string with_commas(std::int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string result;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) result += ',';
    result += digits[i];
  }
  return value < 0 ? "-" + result : result;
}

namespace {

bool check_range(std::int64_t value, std::string_view text, Span span, std::string_view label,
                 std::string_view what, std::int64_t minimum, CheckContext& context) {
  if (value < minimum) {
    const std::string zero =
        value == 0 && what == "filter count" ? " (zero filters give a zero-sized output)"
        : value == 0 && what == "unit count" ? " (zero units give a zero-sized output)"
                                             : "";
    context.error(span, prefixed(label, fmt::format("the {} must be at least {}, not {}{}", what,
                                                    minimum, text, zero)));
    return false;
  }
  if (value > kMaxDimension) {
    context.error(span, prefixed(label, fmt::format("the {} {} exceeds the limit of {}", what, text,
                                                    with_commas(kMaxDimension))));
    return false;
  }
  return true;
}

} // namespace

std::optional<int> read_count(const ast::Number& number, std::string_view label,
                              std::string_view what, std::int64_t minimum, CheckContext& context) {
  if (!number.integer) {
    context.error(number.span, prefixed(label, fmt::format("the {} must be a whole number, not {}",
                                                           what, number.text)));
    return std::nullopt;
  }
  if (!check_range(*number.integer, number.text, number.span, label, what, minimum, context))
    return std::nullopt;
  return int(*number.integer);
}

std::optional<std::pair<int, int>> read_pair(const ast::Dims& dims, std::string_view label,
                                             std::string_view what, std::int64_t minimum,
                                             CheckContext& context) {
  if (dims.sizes.empty() || dims.sizes.size() > 2) {
    context.error(dims.span, prefixed(label, fmt::format("the {} is one size or HxW, not '{}'",
                                                         what, dims.text)));
    return std::nullopt;
  }
  const std::int64_t height = dims.sizes[0];
  const std::int64_t width = dims.sizes.size() == 2 ? dims.sizes[1] : dims.sizes[0];
  for (const std::int64_t size : {height, width}) {
    if (!check_range(size, dims.text, dims.span, label, what, minimum, context))
      return std::nullopt;
  }
  return std::pair{int(height), int(width)};
}

std::optional<Activation> read_activation(const ast::Word& word, std::string_view label,
                                          CheckContext& context) {
  for (const auto activation : {Activation::Linear, Activation::Relu, Activation::Sigmoid,
                                Activation::Tanh, Activation::Softmax}) {
    if (word.text == keyword(activation)) return activation;
  }
  std::string hint =
      did_you_mean(word.text, {"relu", "sigmoid", "tanh", "softmax", "linear", "none=linear",
                               "identity=linear", "logistic=sigmoid"});
  if (hint.empty()) hint = " (expected relu, sigmoid, tanh, softmax or linear)";
  context.error(word.span,
                prefixed(label, fmt::format("unknown activation '{}'{}", word.text, hint)));
  return std::nullopt;
}

std::optional<Initializer> read_initializer(const ast::Init& init, std::string_view label,
                                            CheckContext& context) {
  const std::optional<InitKind> kind = cnn::init_kind_named(init.kind.text);
  if (!kind) {
    std::string hint =
        did_you_mean(init.kind.text,
                     {"zeros", "ones", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
                      "lecun_normal", "lecun_uniform", "normal", "uniform", "constant",
                      "xavier=glorot_uniform", "xavier_uniform=glorot_uniform", "kaiming=he_normal",
                      "zero=zeros", "one=ones", "random_normal=normal", "random_uniform=uniform"});
    if (hint.empty()) {
      hint = " (expected zeros, ones, glorot_uniform, glorot_normal, he_normal, he_uniform, "
             "lecun_normal, lecun_uniform, normal(STDDEV), uniform(LIMIT) or constant(VALUE))";
    }
    context.error(init.kind.span,
                  prefixed(label, fmt::format("unknown initializer '{}'{}", init.kind.text, hint)));
    return std::nullopt;
  }
  const bool takes_argument =
      *kind == InitKind::Normal || *kind == InitKind::Uniform || *kind == InitKind::Constant;
  const char* argument_name = *kind == InitKind::Normal    ? "standard deviation"
                              : *kind == InitKind::Uniform ? "limit"
                                                           : "value";
  if (!takes_argument && init.argument) {
    context.error(init.argument->span,
                  prefixed(label, fmt::format("{} takes no argument", init.kind.text)));
    return std::nullopt;
  }
  if (takes_argument && !init.argument) {
    context.error(init.kind.span,
                  prefixed(label, fmt::format("{} needs its {}, such as {}({})", init.kind.text,
                                              argument_name, init.kind.text,
                                              *kind == InitKind::Constant ? "0.1" : "0.05")));
    return std::nullopt;
  }
  Initializer result{*kind, 0};
  if (init.argument) {
    const double value = init.argument->value;
    if (!std::isfinite(value) || std::fabs(value) > 1e6) {
      context.error(init.argument->span,
                    prefixed(label, fmt::format("the {} of {} is too large: {}", argument_name,
                                                init.kind.text, init.argument->text)));
      return std::nullopt;
    }
    if (*kind != InitKind::Constant && !(value > 0)) {
      context.error(
          init.argument->span,
          prefixed(label, fmt::format("the {} of {} must be positive, not {}", argument_name,
                                      init.kind.text, init.argument->text)));
      return std::nullopt;
    }
    result.param = value;
  }
  return result;
}

} // namespace cnnc
