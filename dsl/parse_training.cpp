// The parser's training statements: the section header and its settings.
#include <map>

#include "dsl/parser_impl.hpp"

namespace cnnc::parsing {

// `training`
void Parser::training(Line& line) {
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
ast::Training& Parser::training_for(const Token& keyword) {
  if (!program_.training || program_.training->span.line == 0) {
    report(keyword.span, fmt::format("'{}' is a training setting; write it after a 'training' "
                                     "line that follows the layers",
                                     keyword.text));
  }
  if (!program_.training) program_.training.emplace();
  return *program_.training;
}

// `loss NAME`
void Parser::loss(Line& line) {
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
void Parser::optimizer(Line& line) {
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
  if (auto failure = key_values(line, "hyper-parameter", "lr=0.001", optimizer.parameters))
    return report(std::move(*failure));
  auto& training = training_for(keyword);
  if (training.optimizer) {
    return report({keyword.span,
                   "duplicate 'optimizer'",
                   {{training.optimizer->span, "'optimizer' was first set here"}}});
  }
  training.optimizer = std::move(optimizer);
}

// (KEY '=' VALUE)*, each key once, each value a number or a word.
std::optional<Failure> Parser::key_values(Line& line, std::string_view noun,
                                          std::string_view example,
                                          std::vector<ast::HyperParameter>& out) {
  std::map<std::string_view, Span> seen;
  while (!line.at_end()) {
    const Token& key = line.take();
    if (key.kind != TokenKind::Word || line.peek().kind != TokenKind::Equals) {
      return Failure{key.span,
                     fmt::format("expected a {} such as {}, not {}", noun, example, quoted(key)),
                     {}};
    }
    line.take();
    const Token& value = line.take();
    ast::HyperParameter parameter{{std::string(key.text), key.span}, {}, {}, value.span};
    // A map, not a scan of the earlier keys: a line of many keys stays linear.
    const auto [earlier, fresh] = seen.emplace(key.text, key.span);
    if (!fresh) {
      return Failure{key.span,
                     fmt::format("duplicate {} '{}'", noun, key.text),
                     {{earlier->second, "first set here"}}};
    }
    std::string error;
    if (value.kind == TokenKind::Word) {
      parameter.word = ast::Word{std::string(value.text), value.span};
    } else if (value.kind == TokenKind::Number) {
      ast::Number number;
      if (!read_number(value, number, error)) return Failure{value.span, error, {}};
      parameter.number = std::move(number);
    } else {
      return Failure{value.span, fmt::format("missing the value of '{}'", key.text), {}};
    }
    out.push_back(std::move(parameter));
  }
  return std::nullopt;
}

// `schedule KIND key=value...`, `early_stopping key=value...`, `augment key=value...`
void Parser::options_setting(Line& line) {
  const Token& keyword = line.take();
  ast::Options options;
  options.span = line.span();
  if (keyword.text == "schedule") {
    const Token& kind = line.take();
    if (kind.kind != TokenKind::Word) {
      return report(kind.span, fmt::format("expected a schedule (step, exponential or cosine) "
                                           "after 'schedule', not {}",
                                           quoted(kind)));
    }
    options.kind = ast::Word{std::string(kind.text), kind.span};
  }
  const std::string_view example = keyword.text == "schedule"         ? "min=1e-6"
                                   : keyword.text == "early_stopping" ? "patience=5"
                                                                      : "shift=4";
  if (auto failure = key_values(line, "setting", example, options.parameters))
    return report(std::move(*failure));
  auto& training = training_for(keyword);
  auto& setting = keyword.text == "schedule"         ? training.schedule
                  : keyword.text == "early_stopping" ? training.early_stopping
                                                     : training.augment;
  if (setting) {
    return report({keyword.span,
                   fmt::format("duplicate '{}'", keyword.text),
                   {{setting->span, fmt::format("'{}' was first set here", keyword.text)}}});
  }
  setting = std::move(options);
}

// `batch N`, `epochs N`, `validation N|FRACTION`, `seed N`, `l2 X`
void Parser::count(Line& line) {
  const Token& keyword = line.take();
  const Token& value = line.take();
  ast::Number number;
  std::string error;
  if (value.kind != TokenKind::Number) {
    return report(value.span,
                  fmt::format("expected a number after '{}', not {}", keyword.text, quoted(value)));
  }
  if (!read_number(value, number, error)) return report(value.span, error);
  if (!line.at_end()) return unexpected(line.peek(), fmt::format("the {}", keyword.text));
  auto& training = training_for(keyword);
  auto& setting = keyword.text == "batch"    ? training.batch
                  : keyword.text == "epochs" ? training.epochs
                  : keyword.text == "seed"   ? training.seed
                  : keyword.text == "l2"     ? training.l2
                                             : training.validation;
  if (!first_setting(setting, keyword)) return;
  setting = ast::Setting<ast::Number>{std::move(number), line.span()};
}

// `init INIT`, `bias_init INIT`
void Parser::init_setting(Line& line) {
  const Token& keyword = line.take();
  ast::Init init;
  if (auto failure = initializer(line.take(), line, init)) return report(std::move(*failure));
  if (!line.at_end()) return unexpected(line.peek(), "the initializer");
  auto& training = training_for(keyword);
  auto& setting = keyword.text == "init" ? training.init : training.bias_init;
  if (!first_setting(setting, keyword)) return;
  setting = ast::Setting<ast::Init>{std::move(init), line.span()};
}

} // namespace cnnc::parsing
