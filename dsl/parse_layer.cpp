// The parser's layer statements: positional values, key=value options, assertions.
#include "dsl/edit_distance.hpp"
#include "dsl/parser_impl.hpp"

namespace cnnc::parsing {

void Parser::layer(Line& line, LayerKind kind) {
  ast::Layer layer;
  layer.kind = kind;
  layer.keyword = line.take().span;
  layer.span = line.span();
  layer.default_name = default_layer_name(kind, ++layer_counts_[std::size_t(kind)]);
  std::optional<Failure> failure = layer_items(line, layer_syntax(kind), layer);
  layer.label = layer.name ? layer.name->text : layer.default_name;
  if (failure) {
    layer.broken = true;
    failure->message = layer.label + ": " + failure->message;
    report(std::move(*failure));
  } else if (program_.training && program_.training->span.line > 0) {
    report({layer.keyword,
            fmt::format("{}: layers must come before 'training'", layer.label),
            {{program_.training->span, "the training section starts here"}}});
  }
  program_.layers.push_back(std::move(layer));
}

// A layer's positional values, `key=value` options, `-> SHAPE` and `params N`, any order.
std::optional<Failure> Parser::layer_items(Line& line, const LayerSyntax& syntax,
                                           ast::Layer& layer) {
  std::size_t next_slot = 0;
  while (!line.at_end()) {
    const Token& token = line.take();
    if (token.kind == TokenKind::Word && line.peek().kind == TokenKind::Equals) {
      line.take();
      if (auto failure = layer_option(line, syntax, token, layer)) return failure;
    } else if (token.kind == TokenKind::Arrow) {
      const Token& shape = line.take();
      if (layer.expected_shape) return duplicate(shape.span, "'->'", layer.expected_shape->span);
      ast::Dims dims;
      std::string error;
      if (shape.kind != TokenKind::Number) {
        return Failure{shape.span,
                       fmt::format("expected the output shape after '->' (such as 12x12x10 or "
                                   "320), not {}",
                                   quoted(shape))};
      }
      if (!read_dims(shape, dims, error)) return Failure{shape.span, error};
      layer.expected_shape = std::move(dims);
    } else if (token.kind == TokenKind::Word && token.text == "params") {
      const Token& count = line.take();
      if (layer.expected_params) {
        return duplicate(count.span, "'params'", layer.expected_params->span);
      }
      ast::Number number;
      std::string error;
      if (count.kind != TokenKind::Number) {
        return Failure{count.span, fmt::format("expected a parameter count after 'params', not {}",
                                               quoted(count))};
      }
      if (!read_number(count, number, error)) return Failure{count.span, error};
      layer.expected_params = std::move(number);
    } else if (next_slot < syntax.slots.size() &&
               (token.kind == TokenKind::Word) == (syntax.slots[next_slot] == Slot::Activation) &&
               (token.kind == TokenKind::Word || token.kind == TokenKind::Number)) {
      if (auto failure = layer_slot(token, syntax, next_slot, layer)) return failure;
    } else if (token.kind == TokenKind::Word && syntax.activation_positional && !layer.activation) {
      layer.activation = ast::Word{std::string(token.text), token.span};
    } else {
      return Failure{token.span, fmt::format("unexpected {}; {} takes {}", quoted(token),
                                             keyword(syntax.kind), syntax.usage)};
    }
  }
  if (next_slot < syntax.slots.size()) {
    return Failure{layer.keyword,
                   fmt::format("missing {}, such as '{}'",
                               slot_name(syntax.slots[next_slot], syntax.kind), syntax.example)};
  }
  return std::nullopt;
}

// The next positional value: a count (filters, units), a size (kernel, pool) or an activation.
std::optional<Failure> Parser::layer_slot(const Token& token, const LayerSyntax& syntax,
                                          std::size_t& next_slot, ast::Layer& layer) {
  std::string error;
  switch (syntax.slots[next_slot]) {
  case Slot::Units: {
    const bool looks_like_size = token.text.find_first_of("xX") != std::string_view::npos;
    if (looks_like_size && next_slot + 1 < syntax.slots.size() &&
        syntax.slots[next_slot + 1] == Slot::Size) {
      return Failure{token.span,
                     fmt::format("missing {} before {} '{}', such as '{}'",
                                 slot_name(Slot::Units, syntax.kind),
                                 slot_name(Slot::Size, syntax.kind), token.text, syntax.example)};
    }
    ast::Number number;
    if (!read_number(token, number, error)) return Failure{token.span, error};
    layer.units = std::move(number);
    break;
  }
  case Slot::Size: {
    ast::Dims dims;
    if (!read_dims(token, dims, error)) return Failure{token.span, error};
    layer.size = std::move(dims);
    break;
  }
  case Slot::Activation:
    if (token.kind != TokenKind::Word) {
      return Failure{token.span,
                     fmt::format("expected an activation such as relu, not {}", quoted(token))};
    }
    layer.activation = ast::Word{std::string(token.text), token.span};
    break;
  }
  ++next_slot;
  return std::nullopt;
}

std::optional<Failure> Parser::layer_option(Line& line, const LayerSyntax& syntax, const Token& key,
                                            ast::Layer& layer) {
  const std::string_view name = key.text;
  bool allowed = false;
  for (const auto option : syntax.options) allowed = allowed || option == name;
  if (!allowed) {
    std::string options;
    for (const auto option : syntax.options)
      options += (options.empty() ? "" : ", ") + std::string(option);
    std::string suggestion;
    if (name == "strides")
      suggestion = "; did you mean 'stride'?";
    else if (name == "kernel_initializer")
      suggestion = "; did you mean 'init'?";
    else if (name == "bias_initializer")
      suggestion = "; did you mean 'bias_init'?";
    else if (name == "pool_size" || name == "kernel_size")
      suggestion = "; write the size as a value, such as 2x2";
    else
      suggestion =
          did_you_mean(name, {"stride", "padding", "name", "init", "bias_init", "activation"});
    return Failure{key.span, fmt::format("unknown option '{}' (a {} layer takes {}){}", name,
                                         keyword(syntax.kind), options, suggestion)};
  }
  const Token& value = line.take();
  std::string error;
  if (value.kind == TokenKind::Newline) {
    return Failure{value.span, fmt::format("missing the value of '{}'", name)};
  }
  if (name == "stride") {
    if (layer.stride) return duplicate(key.span, "'stride'", layer.stride->span);
    ast::Dims dims;
    if (!read_dims(value, dims, error)) return Failure{value.span, error};
    layer.stride = std::move(dims);
  } else if (name == "padding") {
    if (layer.padding) return duplicate(key.span, "'padding'", layer.padding->span);
    ast::Padding padding;
    padding.span = value.span;
    if (value.kind == TokenKind::Word) {
      padding.mode = ast::Word{std::string(value.text), value.span};
    } else {
      ast::Dims dims;
      if (!read_dims(value, dims, error)) return Failure{value.span, error};
      padding.amount = std::move(dims);
    }
    layer.padding = std::move(padding);
  } else if (name == "name") {
    if (layer.name) return duplicate(key.span, "'name'", layer.name->span);
    if (value.kind != TokenKind::Word) {
      return Failure{value.span,
                     fmt::format("a layer name is a word of letters, digits and '_' starting "
                                 "with a letter, not {}",
                                 quoted(value))};
    }
    layer.name = ast::Word{std::string(value.text), value.span};
  } else if (name == "activation") {
    if (layer.activation) return duplicate(key.span, "activation", layer.activation->span);
    if (value.kind != TokenKind::Word) {
      return Failure{value.span,
                     fmt::format("expected an activation such as relu, not {}", quoted(value))};
    }
    layer.activation = ast::Word{std::string(value.text), value.span};
  } else {
    auto& target = name == "init" ? layer.init : layer.bias_init;
    if (target) return duplicate(key.span, fmt::format("'{}'", name), target->span);
    ast::Init init;
    if (auto failure = initializer(value, line, init)) return failure;
    target = std::move(init);
  }
  return std::nullopt;
}

// INIT: a word, or `normal(STDDEV)`-style with one number in parentheses.
std::optional<Failure> Parser::initializer(const Token& first, Line& line, ast::Init& init) {
  if (first.kind != TokenKind::Word) {
    return Failure{first.span, fmt::format("expected an initializer such as glorot_uniform or "
                                           "normal(0.05), not {}",
                                           quoted(first))};
  }
  init.kind = ast::Word{std::string(first.text), first.span};
  init.span = first.span;
  if (line.peek().kind != TokenKind::LParen) return std::nullopt;
  line.take();
  const Token& argument = line.take();
  ast::Number number;
  std::string error;
  if (argument.kind != TokenKind::Number) {
    return Failure{argument.span, fmt::format("expected a number inside '{}(...)', not {}",
                                              first.text, quoted(argument))};
  }
  if (!read_number(argument, number, error)) return Failure{argument.span, error};
  const Token& close = line.take();
  if (close.kind != TokenKind::RParen) {
    return Failure{close.span, fmt::format("expected ')' after '{}({}', not {}", first.text,
                                           argument.text, quoted(close))};
  }
  init.argument = std::move(number);
  init.span = join(first.span, close.span);
  return std::nullopt;
}

} // namespace cnnc::parsing
