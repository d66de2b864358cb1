// The checker's training part: the `training` section -> Training, with Keras' defaults.
#pragma once

#include <optional>

#include "dsl/ast.hpp"
#include "dsl/check_context.hpp"
#include "dsl/model.hpp"

namespace cnnc {

// `input` (when it is known) bounds the augmentation's shift.
Training check_training(const std::optional<ast::Training>& section,
                        const std::optional<Shape>& input, CheckContext& context);

} // namespace cnnc
