// The parser: one function per statement kind, each reading one line of tokens. Statements are
// lines, so recovery is simple and never recursive: after an error, skip to the next line.
#include "dsl/parser.hpp"

#include <array>
#include <span>

#include <fmt/core.h>

#include "dsl/edit_distance.hpp"
#include "dsl/layer_syntax.hpp"

namespace cnnc {
namespace {

constexpr std::string_view kStatements[] = {
    "model", "input", "conv2d", "maxpool", "avgpool", "flatten", "dense", "activation", "training",
    "loss", "optimizer", "batch", "epochs", "validation", "seed", "init", "bias_init",
    // Keras' and other common spellings, to suggest ours.
    "conv=conv2d", "convolution=conv2d", "conv2D=conv2d", "max_pooling2d=maxpool",
    "maxpooling2d=maxpool", "maxpool2d=maxpool", "average_pooling2d=avgpool",
    "averagepooling2d=avgpool", "avgpool2d=avgpool", "linear=dense", "batch_size=batch",
    "epoch=epochs", "train=training", "compile=training", "lr=optimizer"};

std::string quoted(const Token& token) {
  if (token.kind == TokenKind::Newline || token.kind == TokenKind::End) return describe(token.kind);
  return fmt::format("'{}'", token.text);
}

Span join(Span first, Span last) {
  if (first.line != last.line || last.column < first.column) return first;
  return Span{first.line, first.column, last.column + last.length - first.column};
}

// The tokens of one statement; reading past its end yields the line's Newline token.
class Line {
public:
  explicit Line(std::span<const Token> tokens) : tokens_(tokens) {}
  const Token& peek(std::size_t ahead = 0) const {
    return index_ + ahead < tokens_.size() - 1 ? tokens_[index_ + ahead] : tokens_.back();
  }
  const Token& take() {
    const Token& token = peek();
    if (index_ < tokens_.size() - 1) ++index_;
    return token;
  }
  bool at_end() const { return index_ >= tokens_.size() - 1; }
  // From the keyword to the last token of the line.
  Span span() const {
    return tokens_.size() < 2 ? tokens_.front().span
                              : join(tokens_.front().span, tokens_[tokens_.size() - 2].span);
  }

private:
  std::span<const Token> tokens_; // the statement's tokens, then its Newline
  std::size_t index_ = 0;
};

// One statement's syntax error: reported once, then the rest of the line is skipped.
struct Failure {
  Failure(Span span, std::string message, std::vector<Note> notes = {})
      : span(span), message(std::move(message)), notes(std::move(notes)) {}
  Span span;
  std::string message;
  std::vector<Note> notes;
};

class Parser {
public:
  Parser(const std::vector<Token>& tokens, std::vector<Diagnostic>& diagnostics)
      : tokens_(tokens), diagnostics_(diagnostics) {}

  ast::Program run() {
    std::size_t position = 0;
    while (position < tokens_.size() && tokens_[position].kind != TokenKind::End) {
      std::size_t end = position;
      while (tokens_[end].kind != TokenKind::Newline && tokens_[end].kind != TokenKind::End) ++end;
      if (tokens_[end].kind == TokenKind::End) break; // the lexer always ends lines
      if (end > position) {
        Line line(std::span<const Token>(tokens_.data() + position, end - position + 1));
        statement(line);
      }
      position = end + 1;
    }
    return std::move(program_);
  }

private:
  void report(Failure failure) {
    diagnostics_.push_back(
        {Severity::Error, failure.span, std::move(failure.message), std::move(failure.notes)});
  }
  void report(Span span, std::string message) { report(Failure{span, std::move(message), {}}); }

  void statement(Line& line) {
    const Token& first = line.peek();
    if (first.kind != TokenKind::Word) {
      report(first.span, fmt::format("expected a statement such as 'conv2d' or 'input' at the "
                                     "start of the line, not {}",
                                     quoted(first)));
      return;
    }
    const std::string_view word = first.text;
    if (const auto kind = layer_kind_of(word)) return layer(line, *kind);
    if (word == "model") return model(line);
    if (word == "input") return input(line);
    if (word == "training") return training(line);
    if (word == "loss") return loss(line);
    if (word == "optimizer") return optimizer(line);
    if (word == "batch" || word == "epochs" || word == "validation" || word == "seed")
      return count(line);
    if (word == "init" || word == "bias_init") return init_setting(line);
    report(first.span,
           fmt::format("unknown statement '{}'{}", word, did_you_mean(word, kStatements)));
  }

  // `model NAME`
  void model(Line& line) {
    const Token& keyword = line.take();
    const Token& name = line.take();
    if (name.kind != TokenKind::Word) {
      return report(name.span,
                    fmt::format("expected the model's name after 'model', not {}", quoted(name)));
    }
    if (!line.at_end()) return unexpected(line.peek(), "the model's name");
    if (program_.model_name) {
      return report({name.span,
                     "duplicate 'model' line",
                     {{program_.model_name->span, "the model was first named here"}}});
    }
    (void)keyword;
    program_.model_name = ast::Word{std::string(name.text), name.span};
  }

  // `input HxWxC`
  void input(Line& line) {
    line.take();
    const Token& shape = line.take();
    const Span span = line.span();
    if (program_.input || program_.input_broken) {
      return report({span, "duplicate 'input' line", {{program_.input_span, "the first input"}}});
    }
    program_.input_span = span;
    ast::Dims dims;
    std::string error;
    if (shape.kind != TokenKind::Number) {
      error = fmt::format("expected the input shape HxWxC after 'input' (such as 28x28x1), not {}",
                          quoted(shape));
    } else if (!read_dims(shape, dims, error)) {
    } else if (!line.at_end()) {
      program_.input_broken = true;
      return unexpected(line.peek(), "the input shape");
    }
    if (!error.empty()) {
      program_.input_broken = true;
      return report(shape.span, error);
    }
    if (!program_.layers.empty()) {
      report({span,
              "'input' must come before the layers",
              {{program_.layers.front().span, "the first layer is here"}}});
    }
    program_.input = std::move(dims);
  }

  void layer(Line& line, LayerKind kind) {
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
  std::optional<Failure> layer_items(Line& line, const LayerSyntax& syntax, ast::Layer& layer) {
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
          return Failure{
              count.span,
              fmt::format("expected a parameter count after 'params', not {}", quoted(count))};
        }
        if (!read_number(count, number, error)) return Failure{count.span, error};
        layer.expected_params = std::move(number);
      } else if (next_slot < syntax.slots.size() &&
                 (token.kind == TokenKind::Word) == (syntax.slots[next_slot] == Slot::Activation) &&
                 (token.kind == TokenKind::Word || token.kind == TokenKind::Number)) {
        if (auto failure = layer_slot(token, syntax, next_slot, layer)) return failure;
      } else if (token.kind == TokenKind::Word && syntax.activation_positional &&
                 !layer.activation) {
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
  std::optional<Failure> layer_slot(const Token& token, const LayerSyntax& syntax,
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

  std::optional<Failure> layer_option(Line& line, const LayerSyntax& syntax, const Token& key,
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
  std::optional<Failure> initializer(const Token& first, Line& line, ast::Init& init) {
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

  // `training`
  void training(Line& line) {
    const Token& keyword = line.take();
    if (!line.at_end()) return unexpected(line.peek(), "'training'");
    if (program_.training && program_.training->span.line > 0) {
      return report({keyword.span,
                     "duplicate 'training' line",
                     {{program_.training->span, "the training section starts here"}}});
    }
    if (!program_.training) program_.training.emplace();
    program_.training->span = keyword.span;
  }

  // A training key met before `training` is an error, but its value is still kept so that
  // nothing else is reported about it.
  ast::Training& training_for(const Token& keyword) {
    if (!program_.training || program_.training->span.line == 0) {
      report(keyword.span, fmt::format("'{}' is a training setting; write it after a 'training' "
                                       "line that follows the layers",
                                       keyword.text));
    }
    if (!program_.training) program_.training.emplace();
    return *program_.training;
  }

  template <typename Value>
  bool first_setting(const std::optional<ast::Setting<Value>>& setting, const Token& keyword) {
    if (!setting) return true;
    report({keyword.span,
            fmt::format("duplicate '{}'", keyword.text),
            {{setting->span, fmt::format("'{}' was first set here", keyword.text)}}});
    return false;
  }

  // `loss NAME`
  void loss(Line& line) {
    const Token& keyword = line.take();
    const Token& value = line.take();
    if (value.kind != TokenKind::Word) {
      return report(value.span, fmt::format("expected a loss such as categorical_crossentropy "
                                            "after 'loss', not {}",
                                            quoted(value)));
    }
    if (!line.at_end()) return unexpected(line.peek(), "the loss");
    auto& training = training_for(keyword);
    if (!first_setting(training.loss, keyword)) return;
    training.loss = ast::Setting<ast::Word>{{std::string(value.text), value.span}, line.span()};
  }

  // `optimizer KIND key=value...`
  void optimizer(Line& line) {
    const Token& keyword = line.take();
    const Token& kind = line.take();
    if (kind.kind != TokenKind::Word) {
      return report(kind.span, fmt::format("expected an optimizer such as adam or sgd after "
                                           "'optimizer', not {}",
                                           quoted(kind)));
    }
    ast::Optimizer optimizer;
    optimizer.kind = ast::Word{std::string(kind.text), kind.span};
    optimizer.span = line.span();
    while (!line.at_end()) {
      const Token& key = line.take();
      if (key.kind != TokenKind::Word || line.peek().kind != TokenKind::Equals) {
        return report(key.span, fmt::format("expected a hyper-parameter such as lr=0.001, not {}",
                                            quoted(key)));
      }
      line.take();
      const Token& value = line.take();
      ast::HyperParameter parameter{{std::string(key.text), key.span}, {}, {}, value.span};
      for (const auto& earlier : optimizer.parameters) {
        if (earlier.key.text == key.text) {
          return report({key.span,
                         fmt::format("duplicate hyper-parameter '{}'", key.text),
                         {{earlier.key.span, "first set here"}}});
        }
      }
      std::string error;
      if (value.kind == TokenKind::Word) {
        parameter.word = ast::Word{std::string(value.text), value.span};
      } else if (value.kind == TokenKind::Number) {
        ast::Number number;
        if (!read_number(value, number, error)) return report(value.span, error);
        parameter.number = std::move(number);
      } else {
        return report(value.span, fmt::format("missing the value of '{}'", key.text));
      }
      optimizer.parameters.push_back(std::move(parameter));
    }
    auto& training = training_for(keyword);
    if (training.optimizer) {
      return report({keyword.span,
                     "duplicate 'optimizer'",
                     {{training.optimizer->span, "'optimizer' was first set here"}}});
    }
    training.optimizer = std::move(optimizer);
  }

  // `batch N`, `epochs N`, `validation N|FRACTION`, `seed N`
  void count(Line& line) {
    const Token& keyword = line.take();
    const Token& value = line.take();
    ast::Number number;
    std::string error;
    if (value.kind != TokenKind::Number) {
      return report(value.span, fmt::format("expected a number after '{}', not {}", keyword.text,
                                            quoted(value)));
    }
    if (!read_number(value, number, error)) return report(value.span, error);
    if (!line.at_end()) return unexpected(line.peek(), fmt::format("the {}", keyword.text));
    auto& training = training_for(keyword);
    auto& setting = keyword.text == "batch"    ? training.batch
                    : keyword.text == "epochs" ? training.epochs
                    : keyword.text == "seed"   ? training.seed
                                               : training.validation;
    if (!first_setting(setting, keyword)) return;
    setting = ast::Setting<ast::Number>{std::move(number), line.span()};
  }

  // `init INIT`, `bias_init INIT`
  void init_setting(Line& line) {
    const Token& keyword = line.take();
    ast::Init init;
    if (auto failure = initializer(line.take(), line, init)) return report(std::move(*failure));
    if (!line.at_end()) return unexpected(line.peek(), "the initializer");
    auto& training = training_for(keyword);
    auto& setting = keyword.text == "init" ? training.init : training.bias_init;
    if (!first_setting(setting, keyword)) return;
    setting = ast::Setting<ast::Init>{std::move(init), line.span()};
  }

  void unexpected(const Token& token, std::string_view after) {
    report(token.span, fmt::format("unexpected {} after {}", quoted(token), after));
  }

  static Failure duplicate(Span span, std::string_view what, Span first) {
    return Failure{span, fmt::format("duplicate {}", what), {{first, "first given here"}}};
  }

  const std::vector<Token>& tokens_;
  std::vector<Diagnostic>& diagnostics_;
  ast::Program program_;
  std::array<int, 6> layer_counts_{};
};

} // namespace

std::string default_layer_name(LayerKind kind, int ordinal) {
  const char* base = "";
  switch (kind) {
  case LayerKind::Conv2D:
    base = "conv2d";
    break;
  case LayerKind::MaxPool:
    base = "max_pooling2d";
    break;
  case LayerKind::AvgPool:
    base = "average_pooling2d";
    break;
  case LayerKind::Flatten:
    base = "flatten";
    break;
  case LayerKind::Dense:
    base = "dense";
    break;
  case LayerKind::Activation:
    base = "activation";
    break;
  }
  return fmt::format("{}_{}", base, ordinal);
}

ast::Program parse(const std::vector<Token>& tokens, std::vector<Diagnostic>& diagnostics) {
  return Parser(tokens, diagnostics).run();
}

} // namespace cnnc
