// The lexer: .cnn text -> tokens with spans. Line-oriented: every line ends with a Newline token.
#pragma once

#include <string_view>
#include <vector>

#include "dsl/source.hpp"

namespace cnnc {

enum class TokenKind {
  Word,    // conv2d, relu, glorot_uniform, name_1
  Number,  // 10, 0.0001, 1e-4, -3, 28x28x1, 5x (the parser decides what the text means)
  Equals,  // =
  Arrow,   // ->
  LParen,  // (
  RParen,  // )
  Comma,   // , (between the values of a list: mean=0.49,0.48,0.45)
  String,  // "T-shirt/top": from '"' to the next '"' on the line (its text keeps the quotes;
           // an unterminated one runs to the end of the line, without a closing quote)
  Invalid, // any other character (a whole UTF-8 sequence)
  Newline, // the end of a line (also emitted once at the end of the text)
  End,
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string_view text; // points into the lexed text
  Span span;
};

const char* describe(TokenKind kind); // "a word", "a number", "'='", ...

// Never fails: characters that start no token become Invalid tokens for the parser to report.
// Comments (`#` to the end of the line) and whitespace produce nothing.
std::vector<Token> lex(std::string_view text);

} // namespace cnnc
