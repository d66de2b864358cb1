// The training section: loss, optimizer with its hyper-parameters, batch, epochs, validation,
// seed, default initializers, learning-rate schedule, early stopping, L2 weight decay and data
// augmentation. Defaults follow Keras.
#include "dsl/check_training.hpp"

#include <cmath>
#include <string>
#include <vector>

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

// One `key=value` of a schedule, early_stopping or augment line: what it may hold.
enum class ValueKind { Whole, Fraction, NonNegative, Word };

struct OptionSpec {
  std::string_view key;
  ValueKind kind;
  std::int64_t max = 1'000'000; // Whole: from 0 (or 1, `min_one`) to this
  bool min_one = false;
};

// The value of `given` if it fits `spec`, else an error at the value. `owner` names the line
// ("schedule step", "early_stopping") in the message.
std::optional<double> option_number(const OptionSpec& spec, const ast::HyperParameter& given,
                                    std::string_view owner, CheckContext& context) {
  if (!given.number) {
    context.error(given.value_span, fmt::format("{} {} needs a number, not '{}'", owner,
                                                given.key.text, given.word->text));
    return std::nullopt;
  }
  const ast::Number& number = *given.number;
  const double value = number.value;
  std::string expected;
  if (spec.kind == ValueKind::Whole) {
    const std::int64_t low = spec.min_one ? 1 : 0;
    if (!number.integer || *number.integer < low || *number.integer > spec.max)
      expected = fmt::format("a whole number from {} to {}", low, with_commas(spec.max));
  } else if (spec.kind == ValueKind::Fraction) {
    if (!(value > 0 && value <= 1)) expected = "above 0 and at most 1";
  } else if (!(std::isfinite(value) && value >= 0)) {
    expected = "at least 0";
  }
  if (!expected.empty()) {
    context.error(number.span, fmt::format("{} {} must be {}, not {}", owner, given.key.text,
                                           expected, number.text));
    return std::nullopt;
  }
  return value;
}

// The spec of `given` among `specs`, or an error naming the keys the line takes.
const OptionSpec* option_spec(const std::vector<OptionSpec>& specs,
                              const ast::HyperParameter& given, std::string_view owner,
                              CheckContext& context) {
  std::vector<std::string> keys;
  for (const auto& spec : specs) {
    if (spec.key == given.key.text) return &spec;
    keys.emplace_back(spec.key);
  }
  std::string list;
  for (const auto& key : keys) list += (list.empty() ? "" : ", ") + key;
  context.error(given.key.span,
                fmt::format("{} has no setting '{}' (it takes {}){}", owner, given.key.text, list,
                            did_you_mean(given.key.text, keys)));
  return nullptr;
}

bool option_flag(const ast::HyperParameter& given, std::string_view owner, bool& flag,
                 CheckContext& context) {
  if (!given.word || (given.word->text != "true" && given.word->text != "false")) {
    context.error(given.value_span, fmt::format("{} {} is true or false", owner, given.key.text));
    return false;
  }
  flag = given.word->text == "true";
  return true;
}

Schedule check_schedule(const ast::Options& given, const Training& training,
                        CheckContext& context) {
  Schedule schedule;
  const std::string& kind = given.kind->text;
  std::vector<OptionSpec> specs;
  if (kind == "step") {
    schedule.kind = ScheduleKind::Step;
    specs = {{"every", ValueKind::Whole, 1'000'000, true}, {"factor", ValueKind::Fraction}};
  } else if (kind == "exponential") {
    schedule.kind = ScheduleKind::Exponential;
    schedule.factor = 0.9;
    specs = {{"rate", ValueKind::Fraction}};
  } else if (kind == "cosine") {
    schedule.kind = ScheduleKind::Cosine;
    specs = {{"min", ValueKind::NonNegative}, {"warmup", ValueKind::Whole}};
  } else if (kind == "constant") {
    specs = {};
  } else {
    std::string hint = did_you_mean(kind, {"step", "exponential", "cosine", "constant",
                                           "exponential_decay=exponential", "cosine_decay=cosine",
                                           "step_decay=step"});
    if (hint.empty()) hint = " (expected step, exponential, cosine or constant)";
    context.error(given.kind->span, fmt::format("unknown schedule '{}'{}", kind, hint));
    return schedule;
  }
  const std::string owner = fmt::format("schedule {}", kind);
  for (const auto& parameter : given.parameters) {
    const OptionSpec* spec = option_spec(specs, parameter, owner, context);
    if (!spec) continue;
    const auto value = option_number(*spec, parameter, owner, context);
    if (!value) continue;
    if (spec->key == "every") schedule.every = int(*value);
    if (spec->key == "factor" || spec->key == "rate") schedule.factor = *value;
    if (spec->key == "warmup") {
      if (*value >= training.epochs) {
        context.error(parameter.number->span,
                      fmt::format("schedule cosine warmup={} leaves no epoch to decay over (the "
                                  "run has {} epoch{}); make it smaller than the epoch count",
                                  parameter.number->text, training.epochs,
                                  training.epochs == 1 ? "" : "s"));
        continue;
      }
      schedule.warmup = int(*value);
    }
    if (spec->key == "min") {
      if (*value >= training.optimizer.learning_rate) {
        context.error(parameter.number->span,
                      fmt::format("schedule cosine min={} must be below the learning rate {}",
                                  parameter.number->text, training.optimizer.learning_rate));
        continue;
      }
      schedule.min_lr = *value;
    }
  }
  return schedule;
}

EarlyStopping check_early_stopping(const ast::Options& given, CheckContext& context) {
  EarlyStopping early;
  early.enabled = true;
  const std::vector<OptionSpec> specs = {{"monitor", ValueKind::Word},
                                         {"patience", ValueKind::Whole},
                                         {"min_delta", ValueKind::NonNegative},
                                         {"restore_best_weights", ValueKind::Word}};
  for (const auto& parameter : given.parameters) {
    const OptionSpec* spec = option_spec(specs, parameter, "early_stopping", context);
    if (!spec) continue;
    if (spec->key == "restore_best_weights") {
      option_flag(parameter, "early_stopping", early.restore_best_weights, context);
    } else if (spec->key == "monitor") {
      const std::string text = parameter.word ? parameter.word->text : parameter.number->text;
      if (text == "val_loss") {
        early.monitor = MonitorKind::ValLoss;
      } else if (text == "val_acc" || text == "val_accuracy") {
        early.monitor = MonitorKind::ValAcc;
      } else if (text == "val_mae") {
        early.monitor = MonitorKind::ValMae;
      } else {
        std::string hint =
            did_you_mean(text, {"val_loss", "val_acc", "val_mae", "val_accuracy", "loss=val_loss",
                                "acc=val_acc", "mae=val_mae", "accuracy=val_acc"});
        if (hint.empty()) hint = " (expected val_loss, val_acc or val_mae)";
        context.error(parameter.value_span,
                      fmt::format("early_stopping cannot monitor '{}'{}", text, hint));
      }
    } else if (const auto value = option_number(*spec, parameter, "early_stopping", context)) {
      if (spec->key == "patience") early.patience = int(*value);
      if (spec->key == "min_delta") early.min_delta = *value;
    }
  }
  return early;
}

Augment check_augment(const ast::Options& given, const std::optional<Shape>& input,
                      CheckContext& context) {
  Augment augment;
  const std::vector<OptionSpec> specs = {{"shift", ValueKind::Whole}, {"flip", ValueKind::Word}};
  for (const auto& parameter : given.parameters) {
    const OptionSpec* spec = option_spec(specs, parameter, "augment", context);
    if (!spec) continue;
    if (spec->key == "flip") {
      const std::string text = parameter.word ? parameter.word->text : parameter.number->text;
      if (text == "horizontal" || text == "horizontal_and_vertical") augment.flip_horizontal = true;
      if (text == "vertical" || text == "horizontal_and_vertical") augment.flip_vertical = true;
      if (!augment.flip_horizontal && !augment.flip_vertical && text != "none") {
        std::string hint = did_you_mean(text, {"horizontal", "vertical", "horizontal_and_vertical",
                                               "none", "both=horizontal_and_vertical"});
        if (hint.empty())
          hint = " (expected horizontal, vertical, horizontal_and_vertical or none)";
        context.error(parameter.value_span, fmt::format("augment cannot flip '{}'{}", text, hint));
      }
      continue;
    }
    const auto value = option_number(*spec, parameter, "augment", context);
    if (!value) continue;
    const int shift = int(*value);
    if (input && (shift >= input->height || shift >= input->width)) {
      context.error(parameter.number->span,
                    fmt::format("augment shift={} must be smaller than the {} input's height and "
                                "width",
                                parameter.number->text, to_string(*input)));
      continue;
    }
    augment.shift = shift;
  }
  return augment;
}

} // namespace

Training check_training(const std::optional<ast::Training>& section,
                        const std::optional<Shape>& input, CheckContext& context) {
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
  if (section->schedule) training.schedule = check_schedule(*section->schedule, training, context);
  if (section->early_stopping)
    training.early_stopping = check_early_stopping(*section->early_stopping, context);
  if (section->l2) {
    const ast::Number& l2 = section->l2->value;
    if (!(std::isfinite(l2.value) && l2.value >= 0))
      context.error(l2.span, fmt::format("l2 must be a number of at least 0, not {}", l2.text));
    else
      training.l2 = l2.value;
  }
  if (section->augment) training.augment = check_augment(*section->augment, input, context);
  return training;
}

} // namespace cnnc
