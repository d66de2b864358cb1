// The checker's data part: what the network is fed (scale, mean and std of the input line) and
// the names of a classifier's classes.
#include "dsl/check_input.hpp"

#include <cmath>
#include <map>

#include <fmt/core.h>

namespace cnnc {
namespace {

// Preprocessing numbers stay far from float's limits, so the fed values stay finite.
constexpr double kMaxPreprocessingValue = 1e6;

// The values of one option, each in range; nullopt after reporting the first that is not.
std::optional<std::vector<double>> read_values(const ast::NumberList& list, std::string_view key,
                                               CheckContext& context) {
  std::vector<double> values;
  for (const ast::Number& number : list.values) {
    const double value = number.value;
    if (!std::isfinite(value) || std::fabs(value) > kMaxPreprocessingValue) {
      context.error(number.span, fmt::format("input {} {} is out of range: expected a finite "
                                             "number from -1,000,000 to 1,000,000",
                                             key, number.text));
      return std::nullopt;
    }
    if (key == "std" && !(value > 0)) {
      context.error(number.span, fmt::format("input std must be positive, not {}", number.text));
      return std::nullopt;
    }
    if (key == "scale" && value == 0) {
      context.error(number.span, "input scale cannot be 0 (every stored value would be fed as "
                                 "the same number)");
      return std::nullopt;
    }
    values.push_back(value);
  }
  return values;
}

// One value for every channel, or one per channel: spread to `channels` values.
std::optional<std::vector<double>> per_channel(const ast::NumberList& list, std::string_view key,
                                               const std::optional<Shape>& input,
                                               CheckContext& context) {
  auto values = read_values(list, key, context);
  if (!values || !input) return std::nullopt;
  const std::size_t channels = std::size_t(input->channels);
  if (values->size() == 1) return std::vector<double>(channels, values->front());
  if (values->size() != channels) {
    context.error(list.span,
                  fmt::format("input {} has {} values, but the input {} has {} channel{}; give one "
                              "value for every channel or one per channel",
                              key, values->size(), to_string(*input), channels,
                              channels == 1 ? "" : "s"));
    return std::nullopt;
  }
  return values;
}

} // namespace

Preprocessing check_preprocessing(const ast::Preprocessing& given,
                                  const std::optional<Shape>& input, CheckContext& context) {
  Preprocessing preprocessing;
  if (given.scale) {
    if (given.scale->values.size() != 1) {
      context.error(given.scale->span, fmt::format("input scale is one number, not a list of {}",
                                                   given.scale->values.size()));
    } else if (const auto scale = read_values(*given.scale, "scale", context)) {
      preprocessing.scale = scale->front();
    }
  }
  if (input) {
    preprocessing.mean.assign(std::size_t(input->channels), 0.0);
    preprocessing.stddev.assign(std::size_t(input->channels), 1.0);
  }
  if (given.mean) {
    if (auto mean = per_channel(*given.mean, "mean", input, context))
      preprocessing.mean = std::move(*mean);
  }
  if (given.stddev) {
    if (auto stddev = per_channel(*given.stddev, "std", input, context))
      preprocessing.stddev = std::move(*stddev);
  }
  return preprocessing;
}

std::vector<std::string> check_classes(const ast::ClassNames& classes, const ClassRules& rules,
                                       CheckContext& context) {
  bool clean = true;
  std::map<std::string_view, Span> seen;
  for (const ast::Word& name : classes.names) {
    const auto [first, fresh] = seen.emplace(name.text, name.span);
    if (!fresh) {
      context.error(name.span, fmt::format("duplicate class name '{}'", name.text),
                    {{first->second, "first named here"}});
      clean = false;
    }
  }
  if (!rules.loss_known) return {};
  const Model& model = *rules.model;
  const LossKind loss = model.training.loss;
  if (loss != LossKind::CategoricalCrossentropy && loss != LossKind::BinaryCrossentropy) {
    std::vector<Note> notes;
    if (rules.loss_span) notes.push_back({*rules.loss_span, "the loss is set here"});
    context.error(classes.keyword,
                  fmt::format("'classes' names the classes of a classifier, but loss {} makes a "
                              "model of real-valued outputs (a classifier's loss is "
                              "categorical_crossentropy or binary_crossentropy)",
                              keyword(loss)),
                  std::move(notes));
    return {};
  }
  if (!rules.output_known) return {};
  const int count = model.class_count();
  if (std::size_t(count) != classes.names.size()) {
    const std::int64_t outputs = model.output().size();
    const std::string which =
        outputs == 1 && loss == LossKind::BinaryCrossentropy
            ? "a single output with binary_crossentropy tells class 0 from class 1"
            : fmt::format("one per output of {}", rules.last_label);
    context.error(classes.names_span,
                  fmt::format("'classes' lists {} name{}, but the model has {} classes ({})",
                              classes.names.size(), classes.names.size() == 1 ? "" : "s", count,
                              which),
                  {{rules.last_layer, fmt::format("{} is the last layer", rules.last_label)}});
    return {};
  }
  if (!clean) return {};
  std::vector<std::string> names;
  for (const ast::Word& name : classes.names) names.push_back(name.text);
  return names;
}

} // namespace cnnc
