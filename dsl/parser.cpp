// The parser: one function per statement kind, each reading one line of tokens. Statements are
// lines, so recovery is simple and never recursive: after an error, skip to the next line.
// This file holds the statement dispatch and the model statement.
#include "dsl/edit_distance.hpp"
#include "dsl/parser_impl.hpp"

namespace cnnc {
namespace parsing {
namespace {

// Every statement keyword, and other spellings ("alias=ours") to suggest ours for.
const std::vector<std::string>& statement_words() {
  static const std::vector<std::string> words = [] {
    std::vector<std::string> list = {"model", "input", "classes", "filter"};
    for (const LayerType* type : layer_types()) list.emplace_back(type->keyword);
    for (const char* word :
         {"training", "loss", "optimizer", "batch", "epochs", "validation", "seed", "init",
          "bias_init", "schedule", "early_stopping", "l2", "augment"})
      list.emplace_back(word);
    for (const LayerType* type : layer_types())
      for (const std::string_view alias : type->aliases)
        list.push_back(fmt::format("{}={}", alias, type->keyword));
    for (const char* alias :
         {"batch_size=batch", "epoch=epochs", "train=training", "compile=training", "lr=optimizer",
          "class=classes", "labels=classes", "class_names=classes", "lr_schedule=schedule",
          "scheduler=schedule", "earlystopping=early_stopping", "patience=early_stopping",
          "weight_decay=l2", "kernel_regularizer=l2", "regularizer=l2", "augmentation=augment"})
      list.emplace_back(alias);
    return list;
  }();
  return words;
}

} // namespace

std::string quoted(const Token& token) {
  if (token.kind == TokenKind::Newline || token.kind == TokenKind::End) return describe(token.kind);
  return fmt::format("'{}'", token.text);
}

Span join(Span first, Span last) {
  if (first.line != last.line || last.column < first.column) return first;
  return Span{first.line, first.column, last.column + last.length - first.column};
}

ast::Program Parser::run() {
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

void Parser::statement(Line& line) {
  const Token& first = line.peek();
  if (first.kind != TokenKind::Word) {
    report(first.span, fmt::format("expected a statement such as 'conv2d' or 'input' at the "
                                   "start of the line, not {}",
                                   quoted(first)));
    return;
  }
  const std::string_view word = first.text;
  if (const LayerType* type = layer_type_named(word)) return layer(line, *type);
  if (word == "model") return model(line);
  if (word == "input") return input(line);
  if (word == "classes") return classes(line);
  if (word == "filter") return filter(line);
  if (word == "training") return training(line);
  if (word == "loss") return loss(line);
  if (word == "optimizer") return optimizer(line);
  if (word == "batch" || word == "epochs" || word == "validation" || word == "seed" || word == "l2")
    return count(line);
  if (word == "schedule" || word == "early_stopping" || word == "augment")
    return options_setting(line);
  if (word == "init" || word == "bias_init") return init_setting(line);
  const std::string suggestion = did_you_mean(word, statement_words());
  report(first.span, fmt::format("unknown statement '{}'{}", word, suggestion));
  unknown_statement(line, suggestion);
}

// An unknown statement is reported once. What it may have been is marked, so that no other
// error follows from its absence: a misspelt 'input' (no "missing input line"), a misspelt
// 'training' (its settings are read as the section's), a misspelt layer (the next layer's
// input, or the last layer's output, becomes unknown).
void Parser::unknown_statement(const Line& line, std::string_view suggestion) {
  // The suggested keyword, from "; did you mean 'KEYWORD'?"; empty when there is none.
  const auto quote = suggestion.find('\'');
  const std::string_view suggested =
      quote == std::string_view::npos
          ? std::string_view()
          : suggestion.substr(quote + 1, suggestion.find('\'', quote + 1) - quote - 1);
  const bool in_training = program_.training && program_.training->span.line > 0;
  if (suggested == "training" && !in_training) {
    if (!program_.training) program_.training.emplace();
    program_.training->span = line.span();
    return;
  }
  if (in_training) return;
  const bool before_input = !program_.input && !program_.input_broken;
  if (before_input && program_.layers.empty()) {
    // Before any layer and without an input line, the statement may have been the input.
    program_.input_unknown = true;
    return;
  }
  // Among the layers, anything but another statement's misspelling may have been a layer.
  if (suggested.empty() || layer_type_named(suggested))
    program_.unknown_before_layer.push_back(program_.layers.size());
}

// `model NAME`
void Parser::model(Line& line) {
  line.take();
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
  program_.model_name = ast::Word{std::string(name.text), name.span};
}

void Parser::unexpected(const Token& token, std::string_view after) {
  report(token.span, fmt::format("unexpected {} after {}", quoted(token), after));
}

Failure Parser::duplicate(Span span, std::string_view what, Span first) {
  return Failure{span, fmt::format("duplicate {}", what), {{first, "first given here"}}};
}

} // namespace parsing

ast::Program parse(const std::vector<Token>& tokens, std::vector<Diagnostic>& diagnostics) {
  return parsing::Parser(tokens, diagnostics).run();
}

} // namespace cnnc
