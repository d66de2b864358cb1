// The parser's layer statements: positional values, key=value options, assertions.
#include <algorithm>

#include "dsl/edit_distance.hpp"
#include "dsl/parser_impl.hpp"

namespace cnnc::parsing {

void Parser::layer(Line& line, const LayerType& type) {
  ast::Layer layer;
  layer.type = &type;
  layer.keyword = line.take().span;
  layer.span = line.span();
  layer.default_name = fmt::format("{}_{}", type.default_name, ++layer_counts_[&type]);
  std::optional<Failure> failure = layer_items(line, type, layer);
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
std::optional<Failure> Parser::layer_items(Line& line, const LayerType& type, ast::Layer& layer) {
  std::size_t next_slot = 0;
  while (!line.at_end()) {
    const Token& token = line.take();
    if (token.kind == TokenKind::Word && line.peek().kind == TokenKind::Equals) {
      line.take();
      if (auto failure = layer_option(line, type, token, layer)) return failure;
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
    } else if (next_slot < type.slots.size() &&
               (token.kind == TokenKind::Word) ==
                   (type.slots[next_slot].type == SlotType::Activation) &&
               (token.kind == TokenKind::Word || token.kind == TokenKind::Number)) {
      if (auto failure = layer_slot(token, type, next_slot, layer)) return failure;
    } else if (token.kind == TokenKind::Word && type.activation_positional && !layer.activation) {
      layer.activation = ast::Word{std::string(token.text), token.span};
    } else {
      return Failure{token.span, fmt::format("unexpected {}; {} takes {}", quoted(token),
                                             type.keyword, type.usage)};
    }
  }
  if (next_slot < type.slots.size()) {
    return Failure{layer.keyword, fmt::format("missing {}, such as '{}'",
                                              type.slots[next_slot].name, type.example)};
  }
  return std::nullopt;
}

// The next positional value: a count (filters, units), a size (kernel, pool), an activation
// or a number.
std::optional<Failure> Parser::layer_slot(const Token& token, const LayerType& type,
                                          std::size_t& next_slot, ast::Layer& layer) {
  std::string error;
  const SlotSyntax& slot = type.slots[next_slot];
  switch (slot.type) {
  case SlotType::Count: {
    const bool looks_like_size = token.text.find_first_of("xX") != std::string_view::npos;
    if (looks_like_size && next_slot + 1 < type.slots.size() &&
        type.slots[next_slot + 1].type == SlotType::Size) {
      return Failure{token.span,
                     fmt::format("missing {} before {} '{}', such as '{}'", slot.name,
                                 type.slots[next_slot + 1].name, token.text, type.example)};
    }
    ast::Number number;
    if (!read_number(token, number, error)) return Failure{token.span, error};
    layer.units = std::move(number);
    break;
  }
  case SlotType::Size: {
    ast::Dims dims;
    if (!read_dims(token, dims, error)) return Failure{token.span, error};
    layer.size = std::move(dims);
    break;
  }
  case SlotType::Number: {
    ast::Number number;
    if (!read_number(token, number, error)) return Failure{token.span, error};
    layer.number = std::move(number);
    break;
  }
  case SlotType::Activation:
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

namespace {

// Every option any layer kind takes, for suggestions.
std::vector<std::string> all_layer_options() {
  std::vector<std::string> names;
  for (const LayerType* type : layer_types())
    for (const OptionSyntax& option : type->options)
      if (std::find(names.begin(), names.end(), option.name) == names.end())
        names.emplace_back(option.name);
  return names;
}

} // namespace

std::optional<Failure> Parser::layer_option(Line& line, const LayerType& type, const Token& key,
                                            ast::Layer& layer) {
  const std::string_view name = key.text;
  const OptionSyntax* syntax = nullptr;
  for (const OptionSyntax& option : type.options)
    if (option.name == name) syntax = &option;
  if (!syntax) {
    std::string options;
    for (const OptionSyntax& option : type.options)
      options += (options.empty() ? "" : ", ") + std::string(option.name);
    std::string suggestion;
    if (name == "strides")
      suggestion = "; did you mean 'stride'?";
    else if (name == "kernel_initializer")
      suggestion = "; did you mean 'init'?";
    else if (name == "bias_initializer")
      suggestion = "; did you mean 'bias_init'?";
    else if (name == "use_bias")
      suggestion = "; did you mean 'bias'?";
    else if (name == "dilation_rate")
      suggestion = "; did you mean 'dilation'?";
    else if (name == "pool_size" || name == "kernel_size")
      suggestion = "; write the size as a value, such as 2x2";
    else
      suggestion = did_you_mean(name, all_layer_options());
    return Failure{key.span, fmt::format("unknown option '{}' (a {} layer takes {}){}", name,
                                         type.keyword, options, suggestion)};
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
  } else if (syntax->type == OptionType::Padding) {
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
  } else if (syntax->type == OptionType::Name) {
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
  } else if (name == "init" || name == "bias_init") {
    auto& target = name == "init" ? layer.init : layer.bias_init;
    if (target) return duplicate(key.span, fmt::format("'{}'", name), target->span);
    ast::Init init;
    if (auto failure = initializer(value, line, init)) return failure;
    target = std::move(init);
  } else {
    return plain_option(key, value, syntax->type, layer);
  }
  return std::nullopt;
}

std::optional<Failure> Parser::plain_option(const Token& key, const Token& value, OptionType type,
                                            ast::Layer& layer) {
  if (const ast::Option* first = layer.option(key.text))
    return duplicate(key.span, fmt::format("'{}'", key.text), first->key.span);
  ast::Option option;
  option.key = ast::Word{std::string(key.text), key.span};
  option.span = value.span;
  std::string error;
  switch (type) {
  case OptionType::Size: {
    ast::Dims dims;
    if (value.kind != TokenKind::Number) {
      return Failure{value.span, fmt::format("expected a size such as 2 or 2x2 after '{}=', not {}",
                                             key.text, quoted(value))};
    }
    if (!read_dims(value, dims, error)) return Failure{value.span, error};
    option.size = std::move(dims);
    break;
  }
  case OptionType::Number: {
    ast::Number number;
    if (value.kind != TokenKind::Number) {
      return Failure{value.span,
                     fmt::format("expected a number after '{}=', not {}", key.text, quoted(value))};
    }
    if (!read_number(value, number, error)) return Failure{value.span, error};
    option.number = std::move(number);
    break;
  }
  case OptionType::Bool:
    if (value.kind != TokenKind::Word || (value.text != "true" && value.text != "false")) {
      return Failure{value.span, fmt::format("expected true or false after '{}=', not {}", key.text,
                                             quoted(value))};
    }
    option.word = ast::Word{std::string(value.text), value.span};
    break;
  default:
    if (value.kind != TokenKind::Word) {
      return Failure{value.span,
                     fmt::format("expected a word after '{}=', not {}", key.text, quoted(value))};
    }
    option.word = ast::Word{std::string(value.text), value.span};
    break;
  }
  layer.options.push_back(std::move(option));
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
