// The training section: loss, optimizer with its hyper-parameters, batch, epochs, validation,
// seed and default initializers. Defaults follow Keras.
#include "dsl/check_training.hpp"

#include <cmath>
#include <string>

#include <fmt/core.h>

#include "dsl/edit_distance.hpp"

namespace cnnc {
namespace {

enum class Range { Positive, Fraction, NonNegative, Flag };

struct HyperParameterSpec {
  std::string_view key;
  double Optimizer::*field; // null for the nesterov flag
  Range range;
};

constexpr HyperParameterSpec kLr{"lr", &Optimizer::learning_rate, Range::Positive};
constexpr HyperParameterSpec kMomentum{"momentum", &Optimizer::momentum, Range::Fraction};
constexpr HyperParameterSpec kNesterov{"nesterov", nullptr, Range::Flag};
constexpr HyperParameterSpec kRho{"rho", &Optimizer::rho, Range::Fraction};
constexpr HyperParameterSpec kBeta1{"beta1", &Optimizer::beta1, Range::Fraction};
constexpr HyperParameterSpec kBeta2{"beta2", &Optimizer::beta2, Range::Fraction};
constexpr HyperParameterSpec kEpsilon{"epsilon", &Optimizer::epsilon, Range::Positive};
constexpr HyperParameterSpec kAccumulator{"initial_accumulator", &Optimizer::initial_accumulator,
                                          Range::NonNegative};

struct OptimizerSpec {
  OptimizerKind kind;
  double learning_rate;
  double momentum;
  std::initializer_list<HyperParameterSpec> parameters;
};

const OptimizerSpec kOptimizers[] = {
    {OptimizerKind::Sgd, 0.01, 0.0, {kLr, kMomentum, kNesterov}},
    {OptimizerKind::Momentum, 0.01, 0.9, {kLr, kMomentum}},
    {OptimizerKind::Nesterov, 0.01, 0.9, {kLr, kMomentum}},
    {OptimizerKind::Adagrad, 0.001, 0.0, {kLr, kAccumulator, kEpsilon}},
    {OptimizerKind::Rmsprop, 0.001, 0.0, {kLr, kRho, kEpsilon}},
    {OptimizerKind::Adam, 0.001, 0.0, {kLr, kBeta1, kBeta2, kEpsilon}},
};

// Keras' spellings of our keys.
std::string_view canonical_key(std::string_view key) {
  if (key == "learning_rate") return "lr";
  if (key == "beta_1") return "beta1";
  if (key == "beta_2") return "beta2";
  if (key == "initial_accumulator_value") return "initial_accumulator";
  return key;
}

std::string key_list(const OptimizerSpec& spec) {
  std::string list;
  for (const auto& parameter : spec.parameters)
    list += (list.empty() ? "" : ", ") + std::string(parameter.key);
  return list;
}

void hyper_parameter(const OptimizerSpec& spec, const ast::HyperParameter& given,
                     Optimizer& optimizer, bool& nesterov, CheckContext& context) {
  const std::string_view key = canonical_key(given.key.text);
  const HyperParameterSpec* found = nullptr;
  for (const auto& parameter : spec.parameters) {
    if (parameter.key == key) found = &parameter;
  }
  const std::string_view name = keyword(spec.kind);
  if (!found) {
    std::string owner;
    for (const auto& other : kOptimizers) {
      for (const auto& parameter : other.parameters) {
        if (parameter.key == key && owner.empty()) owner = keyword(other.kind);
      }
    }
    const std::string hint = !owner.empty()
                                 ? fmt::format("; '{}' belongs to {}", key, owner)
                                 : did_you_mean(key, {"lr", "momentum", "nesterov", "rho", "beta1",
                                                      "beta2", "epsilon", "initial_accumulator"});
    context.error(given.key.span, fmt::format("{} has no hyper-parameter '{}' (it takes {}){}",
                                              name, given.key.text, key_list(spec), hint));
    return;
  }
  if (found->range == Range::Flag) {
    if (!given.word || (given.word->text != "true" && given.word->text != "false")) {
      context.error(given.value_span, fmt::format("{} {} is true or false", name, given.key.text));
      return;
    }
    nesterov = given.word->text == "true";
    return;
  }
  if (!given.number) {
    context.error(given.value_span, fmt::format("{} {} needs a number, not '{}'", name,
                                                given.key.text, given.word->text));
    return;
  }
  const double value = given.number->value;
  const bool ok =
      std::isfinite(value) && (found->range == Range::Positive   ? value > 0
                               : found->range == Range::Fraction ? value >= 0 && value < 1
                                                                 : value >= 0);
  if (!ok) {
    const char* expected = found->range == Range::Positive   ? "a positive number"
                           : found->range == Range::Fraction ? "at least 0 and below 1"
                                                             : "at least 0";
    context.error(given.number->span, fmt::format("{} {} must be {}, not {}", name, given.key.text,
                                                  expected, given.number->text));
    return;
  }
  optimizer.*(found->field) = value;
}

Optimizer check_optimizer(const ast::Optimizer& given, CheckContext& context) {
  const std::optional<OptimizerKind> kind = cnn::optimizer_kind_named(given.kind.text);
  const OptimizerSpec* spec = nullptr;
  for (const auto& candidate : kOptimizers) {
    if (kind == candidate.kind) spec = &candidate;
  }
  Optimizer optimizer;
  if (!spec) {
    std::string hint = did_you_mean(given.kind.text, {"sgd", "momentum", "nesterov", "adagrad",
                                                      "rmsprop", "adam", "RMSprop=rmsprop"});
    if (hint.empty()) hint = " (expected sgd, momentum, nesterov, adagrad, rmsprop or adam)";
    context.error(given.kind.span, fmt::format("unknown optimizer '{}'{}", given.kind.text, hint));
    return optimizer;
  }
  optimizer.kind = spec->kind;
  optimizer.learning_rate = spec->learning_rate;
  optimizer.momentum = spec->momentum;
  bool nesterov = false;
  for (const auto& parameter : given.parameters)
    hyper_parameter(*spec, parameter, optimizer, nesterov, context);
  // `sgd momentum=0.9 nesterov=true` is Keras' spelling of the nesterov optimizer; the model
  // names the update rule it uses, so the trainer needs no flags.
  if (optimizer.kind == OptimizerKind::Sgd && optimizer.momentum > 0)
    optimizer.kind = nesterov ? OptimizerKind::Nesterov : OptimizerKind::Momentum;
  return optimizer;
}

std::optional<LossKind> check_loss(const ast::Word& word, CheckContext& context) {
  const std::string& text = word.text;
  if (const auto loss = cnn::loss_kind_named(text)) return loss;
  std::string hint =
      did_you_mean(text, {"categorical_crossentropy", "binary_crossentropy", "mse", "l2", "mae",
                          "l1", "mean_squared_error=mse", "mean_absolute_error=mae",
                          "crossentropy=categorical_crossentropy",
                          "sparse_categorical_crossentropy=categorical_crossentropy"});
  if (hint.empty())
    hint = " (expected categorical_crossentropy, binary_crossentropy, mse, l2, mae or l1)";
  context.error(word.span, fmt::format("unknown loss '{}'{}", text, hint));
  return std::nullopt;
}

void check_validation(const ast::Number& number, Training& training, CheckContext& context) {
  if (number.integer) {
    if (*number.integer < 0 || *number.integer > kMaxElements) {
      context.error(number.span, fmt::format("validation must be a count of samples from 0 to {} "
                                             "or a fraction between 0 and 1, not {}",
                                             with_commas(kMaxElements), number.text));
      return;
    }
    training.validation_count = *number.integer;
    return;
  }
  if (!(number.value > 0 && number.value < 1)) {
    context.error(number.span, fmt::format("a validation fraction must be above 0 and below 1, "
                                           "not {} (write a whole number for a count of samples)",
                                           number.text));
    return;
  }
  training.validation_fraction = number.value;
}

} // namespace

Training check_training(const std::optional<ast::Training>& section, CheckContext& context) {
  Training training;
  if (!section) return training;
  if (section->loss) {
    if (const auto loss = check_loss(section->loss->value, context)) training.loss = *loss;
  }
  if (section->optimizer) training.optimizer = check_optimizer(*section->optimizer, context);
  if (section->batch) {
    if (const auto batch = read_count(section->batch->value, "", "batch size", 1, context))
      training.batch_size = *batch;
  }
  if (section->epochs) {
    if (const auto epochs = read_count(section->epochs->value, "", "epoch count", 1, context))
      training.epochs = *epochs;
  }
  if (section->validation) check_validation(section->validation->value, training, context);
  if (section->seed) {
    const auto& seed = section->seed->value;
    if (!seed.integer || *seed.integer < 0 ||
        *seed.integer == std::numeric_limits<std::int64_t>::max()) {
      context.error(
          seed.span,
          fmt::format("the seed must be a whole number from 0 to 2^63-2, not {}", seed.text));
    } else {
      training.seed = std::uint64_t(*seed.integer);
    }
  }
  if (section->init) {
    if (const auto init = read_initializer(section->init->value, "", context))
      training.default_init = *init;
  }
  if (section->bias_init) {
    if (const auto init = read_initializer(section->bias_init->value, "", context))
      training.default_bias_init = *init;
  }
  return training;
}

} // namespace cnnc
