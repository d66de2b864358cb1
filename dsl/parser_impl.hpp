// The parser's internals, shared by its files: the line cursor, the syntax error of one
// statement, and the Parser with one member function per statement kind.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "dsl/parser.hpp"
#include "layers/layer_type.hpp"

namespace cnnc::parsing {

std::string quoted(const Token& token); // 'text', or "the end of the line"
Span join(Span first, Span last);       // from the start of `first` to the end of `last`

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
  ast::Program run();

private:
  void report(Failure failure) {
    diagnostics_.push_back(
        {Severity::Error, failure.span, std::move(failure.message), std::move(failure.notes)});
  }
  void report(Span span, std::string message) { report(Failure{span, std::move(message), {}}); }

  void statement(Line& line);
  void unknown_statement(const Line& line, std::string_view suggestion);

  // `model NAME`
  void model(Line& line);

  // `input HxWxC [scale=S] [mean=M|M1,M2,...] [std=S|S1,S2,...]`
  void input(Line& line);

  // The input line's `key=value` options, after its shape.
  std::optional<Failure> input_options(Line& line);

  // NUMBER (',' NUMBER)*: the value of `key=`, one number or a comma-separated list.
  std::optional<Failure> number_list(Line& line, const Token& key, ast::NumberList& list);

  // `classes NAME NAME ...`, each a word or a quoted string
  void classes(Line& line);

  void layer(Line& line, const LayerType& type);

  // `filter PRESET|N,N,... [bias=B] [scale=S]`: a fixed filter of the layer above it.
  void filter(Line& line);
  std::optional<Failure> filter_items(Line& line, ast::Filter& filter);

  // A layer's positional values, `key=value` options, `-> SHAPE` and `params N`, any order.
  std::optional<Failure> layer_items(Line& line, const LayerType& type, ast::Layer& layer);

  // The next positional value: a count (filters, units), a size (kernel, pool), an activation
  // or a number.
  std::optional<Failure> layer_slot(const Token& token, const LayerType& type,
                                    std::size_t& next_slot, ast::Layer& layer);

  std::optional<Failure> layer_option(Line& line, const LayerType& type, const Token& key,
                                      ast::Layer& layer);

  // The value of an option kept as written (ast::Option), checked against its type.
  std::optional<Failure> plain_option(const Token& key, const Token& value, OptionType type,
                                      ast::Layer& layer);

  // INIT: a word, or `normal(STDDEV)`-style with one number in parentheses.
  std::optional<Failure> initializer(const Token& first, Line& line, ast::Init& init);

  // `training`
  void training(Line& line);

  // A training key met before `training` is an error, but its value is still kept so that
  // nothing else is reported about it.
  ast::Training& training_for(const Token& keyword);

  template <typename Value>
  bool first_setting(const std::optional<ast::Setting<Value>>& setting, const Token& keyword) {
    if (!setting) return true;
    report({keyword.span,
            fmt::format("duplicate '{}'", keyword.text),
            {{setting->span, fmt::format("'{}' was first set here", keyword.text)}}});
    return false;
  }

  // `loss NAME`
  void loss(Line& line);

  // `optimizer KIND key=value...`
  void optimizer(Line& line);

  // (KEY '=' VALUE)*: the rest of the line as settings, each key once.
  // `noun` and `example` word the error for a malformed one.
  std::optional<Failure> key_values(Line& line, std::string_view noun, std::string_view example,
                                    std::vector<ast::HyperParameter>& out);

  // `schedule KIND key=value...`, `early_stopping key=value...`, `augment key=value...`
  void options_setting(Line& line);

  // `batch N`, `epochs N`, `validation N|FRACTION`, `seed N`, `l2 X`
  void count(Line& line);

  // `init INIT`, `bias_init INIT`
  void init_setting(Line& line);

  void unexpected(const Token& token, std::string_view after);

  static Failure duplicate(Span span, std::string_view what, Span first);

  const std::vector<Token>& tokens_;
  std::vector<Diagnostic>& diagnostics_;
  ast::Program program_;
  std::map<const LayerType*, int> layer_counts_; // for default names
};

} // namespace cnnc::parsing
