// The checker's data part: the input's preprocessing options and the class names.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dsl/ast.hpp"
#include "dsl/check_context.hpp"
#include "dsl/model.hpp"

namespace cnnc {

// scale, mean and std of the input line, each value checked; mean and std spread to one value
// per channel of `input` (nothing is filled when the input shape is unknown).
Preprocessing check_preprocessing(const ast::Preprocessing& given,
                                  const std::optional<Shape>& input, CheckContext& context);

// What a `classes` line is checked against: the model as far as it is known.
struct ClassRules {
  const Model* model = nullptr;
  bool loss_known = true;   // false after an unknown loss (already reported)
  bool output_known = true; // false when an error left the last layer's output unknown
  std::optional<Span> loss_span;
  Span last_layer;
  std::string last_label;
};

// The class names: distinct, only for a classifier, one per class. Empty after an error.
std::vector<std::string> check_classes(const ast::ClassNames& classes, const ClassRules& rules,
                                       CheckContext& context);

} // namespace cnnc
