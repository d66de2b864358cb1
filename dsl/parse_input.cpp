// The parser's statements about the data: the input shape with its preprocessing options, and
// the class names.
#include "dsl/edit_distance.hpp"
#include "dsl/parser_impl.hpp"

namespace cnnc::parsing {
namespace {

constexpr std::string_view kInputUsage = "HxWxC [scale=S] [mean=M|M1,M2,...] [std=S|S1,S2,...]";

} // namespace

// `input HxWxC [scale=S] [mean=M|M1,M2,...] [std=S|S1,S2,...]`
void Parser::input(Line& line) {
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
  } else {
    read_dims(shape, dims, error);
  }
  if (!error.empty()) {
    program_.input_broken = true;
    return report(shape.span, error);
  }
  // The shape stands even when an option is wrong: the layers are still checked against it.
  if (auto failure = input_options(line)) report(std::move(*failure));
  if (!program_.layers.empty()) {
    report({span,
            "'input' must come before the layers",
            {{program_.layers.front().span, "the first layer is here"}}});
  }
  program_.input = std::move(dims);
}

// The input line's `key=value` options, after its shape.
std::optional<Failure> Parser::input_options(Line& line) {
  ast::Preprocessing& preprocessing = program_.preprocessing;
  while (!line.at_end()) {
    const Token& key = line.take();
    const bool option_word = key.kind == TokenKind::Word &&
                             (key.text == "scale" || key.text == "mean" || key.text == "std");
    if (key.kind != TokenKind::Word || line.peek().kind != TokenKind::Equals) {
      if (option_word) {
        return Failure{line.peek().span,
                       fmt::format("expected '=' after '{}', such as {}=0.5", key.text, key.text)};
      }
      return Failure{key.span, fmt::format("unexpected {} after the input shape; input takes {}",
                                           quoted(key), kInputUsage)};
    }
    line.take();
    if (!option_word) {
      return Failure{key.span,
                     fmt::format("unknown option '{}' (an input line takes scale, mean, std){}",
                                 key.text,
                                 did_you_mean(key.text, {"scale", "mean", "std", "stddev=std",
                                                         "stdev=std", "sd=std", "deviation=std",
                                                         "rescale=scale", "average=mean"}))};
    }
    auto& target = key.text == "scale"  ? preprocessing.scale
                   : key.text == "mean" ? preprocessing.mean
                                        : preprocessing.stddev;
    if (target) return duplicate(key.span, fmt::format("'{}'", key.text), target->span);
    ast::NumberList list;
    if (auto failure = number_list(line, key, list)) return failure;
    target = std::move(list);
  }
  return std::nullopt;
}

// NUMBER (',' NUMBER)*: the value of `key=`, one number or a comma-separated list.
std::optional<Failure> Parser::number_list(Line& line, const Token& key, ast::NumberList& list) {
  std::string error;
  while (true) {
    const Token& value = line.take();
    if (value.kind == TokenKind::Newline) {
      return Failure{value.span, list.values.empty()
                                     ? fmt::format("missing the value of '{}'", key.text)
                                     : fmt::format("missing a number after ',' in '{}'", key.text)};
    }
    if (value.kind != TokenKind::Number) {
      return Failure{value.span, fmt::format("expected a number{} for '{}', such as {}=0.5 or "
                                             "{}=0.49,0.48,0.45, not {}",
                                             list.values.empty() ? "" : " after ','", key.text,
                                             key.text, key.text, quoted(value))};
    }
    ast::Number number;
    if (!read_number(value, number, error)) return Failure{value.span, error};
    list.values.push_back(std::move(number));
    if (line.peek().kind != TokenKind::Comma) break;
    line.take();
  }
  list.span = join(list.values.front().span, list.values.back().span);
  return std::nullopt;
}

// `classes NAME NAME ...`, each a word or a quoted string
void Parser::classes(Line& line) {
  ast::ClassNames classes;
  classes.keyword = line.take().span;
  classes.span = line.span();
  if (line.at_end()) {
    return report(classes.keyword, "expected the class names after 'classes', such as "
                                   "'classes cat dog' or 'classes \"T-shirt/top\" trouser'");
  }
  while (!line.at_end()) {
    const Token& token = line.take();
    if (token.kind == TokenKind::Word) {
      classes.names.push_back({std::string(token.text), token.span});
      continue;
    }
    if (token.kind == TokenKind::Number) {
      return report(token.span, fmt::format("a class name is a word or a quoted string, not the "
                                            "number '{}'; quote it: \"{}\"",
                                            token.text, token.text));
    }
    if (token.kind != TokenKind::String) {
      return report(token.span, fmt::format("a class name is a word or a quoted string, not {}",
                                            quoted(token)));
    }
    const std::string_view text = token.text;
    if (text.size() < 2 || text.back() != '"') {
      return report(token.span, "unterminated string: a quoted class name ends with '\"' on the "
                                "same line");
    }
    const std::string_view name = text.substr(1, text.size() - 2);
    if (name.empty()) return report(token.span, "a class name cannot be empty");
    for (const char c : name) {
      const unsigned char byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte == 0x7F) {
        return report(token.span, "a class name cannot hold a tab or another control character");
      }
    }
    if (name.front() == ' ' || name.back() == ' ') {
      return report(token.span,
                    fmt::format("the class name \"{}\" starts or ends with a space", name));
    }
    classes.names.push_back({std::string(name), token.span});
  }
  classes.names_span = join(classes.names.front().span, classes.names.back().span);
  if (program_.classes) {
    return report({classes.keyword,
                   "duplicate 'classes' line",
                   {{program_.classes->span, "the classes were first named here"}}});
  }
  program_.classes = std::move(classes);
}

} // namespace cnnc::parsing
