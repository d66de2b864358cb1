// The parser's `filter` lines: the fixed filters of the convolution above them, each a preset's
// name (`filter edge`) or its numbers (`filter -1,-1,-1,-1,8,-1,-1,-1,-1`), with `bias=` and
// `scale=`. The checker (layers/fixed_filters.cpp) fits them to the layer.
#include "dsl/parser_impl.hpp"

namespace cnnc::parsing {

void Parser::filter(Line& line) {
  ast::Filter filter;
  filter.keyword = line.take().span;
  filter.span = line.span();
  if (auto failure = filter_items(line, filter)) {
    report(std::move(*failure));
    filter.broken = true;
  }
  if (program_.training && program_.training->span.line > 0 && !filter.broken) {
    return report({filter.keyword,
                   "'filter' lines must come before 'training', after their conv2d layer",
                   {{program_.training->span, "the training section starts here"}}});
  }
  if (program_.layers.empty() || !program_.layers.back().type->takes_filters) {
    if (filter.broken) return;
    std::vector<Note> notes;
    if (!program_.layers.empty())
      notes.push_back(
          {program_.layers.back().span,
           fmt::format("the layer above is {}, a {} layer", program_.layers.back().label,
                       program_.layers.back().type->keyword)});
    return report({filter.keyword,
                   "'filter' gives a fixed filter of a conv2d layer, and must follow it",
                   std::move(notes)});
  }
  program_.layers.back().filters.push_back(std::move(filter));
}

std::optional<Failure> Parser::filter_items(Line& line, ast::Filter& filter) {
  const Token& first = line.take();
  std::string error;
  if (first.kind == TokenKind::Newline) {
    return Failure{filter.keyword, "missing the filter: a preset such as 'edge' or its numbers, "
                                   "such as 'filter 0,-1,0,-1,5,-1,0,-1,0'"};
  }
  if (first.kind == TokenKind::Word && line.peek().kind != TokenKind::Equals) {
    filter.preset = ast::Word{std::string(first.text), first.span};
  } else if (first.kind == TokenKind::Number) {
    ast::NumberList list;
    for (const Token* value = &first;; value = &line.take()) {
      if (value->kind != TokenKind::Number) {
        return Failure{value->span, fmt::format("expected a number after ',' in the filter, not {}",
                                                quoted(*value))};
      }
      ast::Number number;
      if (!read_number(*value, number, error)) return Failure{value->span, error};
      list.values.push_back(std::move(number));
      if (line.peek().kind != TokenKind::Comma) break;
      line.take();
    }
    list.span = join(list.values.front().span, list.values.back().span);
    filter.values = std::move(list);
  } else {
    return Failure{first.span, fmt::format("expected a preset such as 'edge' or the filter's "
                                           "numbers separated by ',', not {}",
                                           quoted(first))};
  }
  while (!line.at_end()) {
    const Token& key = line.take();
    if (key.kind != TokenKind::Word || line.peek().kind != TokenKind::Equals ||
        (key.text != "bias" && key.text != "scale")) {
      return Failure{key.span, fmt::format("unexpected {}; a filter line is 'filter PRESET|N,N,... "
                                           "[bias=B] [scale=S]'",
                                           quoted(key))};
    }
    line.take();
    const bool is_bias = key.text == "bias";
    auto& target = is_bias ? filter.bias : filter.scale;
    if (target)
      return duplicate(key.span, fmt::format("'{}'", key.text),
                       is_bias ? filter.bias_key : filter.scale_key);
    const Token& value = line.take();
    if (value.kind != TokenKind::Number) {
      return Failure{value.span,
                     fmt::format("expected a number after '{}=', not {}", key.text, quoted(value))};
    }
    ast::Number number;
    if (!read_number(value, number, error)) return Failure{value.span, error};
    target = std::move(number);
    (is_bias ? filter.bias_key : filter.scale_key) = key.span;
  }
  return std::nullopt;
}

} // namespace cnnc::parsing
