// The lexer on its own: token kinds, texts and spans.
#include <catch2/catch.hpp>

#include "dsl/lexer.hpp"

using cnnc::lex;
using cnnc::Span;
using cnnc::TokenKind;

namespace {

std::vector<std::pair<TokenKind, std::string>> kinds_and_texts(std::string_view text) {
  std::vector<std::pair<TokenKind, std::string>> result;
  for (const auto& token : lex(text)) result.emplace_back(token.kind, std::string(token.text));
  return result;
}

} // namespace

TEST_CASE("a layer line lexes into words, numbers, options, arrow and newline") {
  using P = std::pair<TokenKind, std::string>;
  const auto tokens = kinds_and_texts("conv2d 10 5x5 relu stride=2 -> 24x24x10 params 260\n");
  const std::vector<P> expected = {
      {TokenKind::Word, "conv2d"}, {TokenKind::Number, "10"},   {TokenKind::Number, "5x5"},
      {TokenKind::Word, "relu"},   {TokenKind::Word, "stride"}, {TokenKind::Equals, "="},
      {TokenKind::Number, "2"},    {TokenKind::Arrow, "->"},    {TokenKind::Number, "24x24x10"},
      {TokenKind::Word, "params"}, {TokenKind::Number, "260"},  {TokenKind::Newline, "\n"},
      {TokenKind::End, ""}};
  CHECK(tokens == expected);
}

TEST_CASE("numbers keep exponents, signs and decimals in one token") {
  using P = std::pair<TokenKind, std::string>;
  CHECK(kinds_and_texts("1e-4 0.0001 -3 .5 2.5E+3") == std::vector<P>{{TokenKind::Number, "1e-4"},
                                                                      {TokenKind::Number, "0.0001"},
                                                                      {TokenKind::Number, "-3"},
                                                                      {TokenKind::Number, ".5"},
                                                                      {TokenKind::Number, "2.5E+3"},
                                                                      {TokenKind::Newline, ""},
                                                                      {TokenKind::End, ""}});
}

TEST_CASE("a malformed size stays one number token for the parser to reject") {
  const auto tokens = lex("conv2d 10 5x");
  REQUIRE(tokens.size() >= 3);
  CHECK(tokens[2].kind == TokenKind::Number);
  CHECK(tokens[2].text == "5x");
}

TEST_CASE("comments and blank lines produce only newlines") {
  const auto tokens = lex("# a comment\n\n   \ninput 28x28x1 # trailing\n");
  std::vector<TokenKind> kinds;
  for (const auto& token : tokens) kinds.push_back(token.kind);
  CHECK(kinds == std::vector<TokenKind>{TokenKind::Newline, TokenKind::Newline, TokenKind::Newline,
                                        TokenKind::Word, TokenKind::Number, TokenKind::Newline,
                                        TokenKind::End});
}

TEST_CASE("spans give 1-based line, column and length in bytes") {
  const auto tokens = lex("input 28x28x1\n\tdense  100 relu\n");
  CHECK(tokens[0].span == Span{1, 1, 5});
  CHECK(tokens[1].span == Span{1, 7, 7});
  CHECK(tokens[3].span == Span{2, 2, 5}); // after a tab
  CHECK(tokens[4].span == Span{2, 9, 3});
  CHECK(tokens[5].span == Span{2, 13, 4});
}

TEST_CASE("initializer calls lex parentheses") {
  using P = std::pair<TokenKind, std::string>;
  CHECK(kinds_and_texts("init=normal(0.05)") == std::vector<P>{{TokenKind::Word, "init"},
                                                               {TokenKind::Equals, "="},
                                                               {TokenKind::Word, "normal"},
                                                               {TokenKind::LParen, "("},
                                                               {TokenKind::Number, "0.05"},
                                                               {TokenKind::RParen, ")"},
                                                               {TokenKind::Newline, ""},
                                                               {TokenKind::End, ""}});
}

TEST_CASE("unknown characters become invalid tokens, a UTF-8 sequence as one") {
  const auto tokens = lex("dense 10 % \xC3\xA9");
  REQUIRE(tokens.size() == 6);
  CHECK(tokens[2].kind == TokenKind::Invalid);
  CHECK(tokens[2].text == "%");
  CHECK(tokens[3].kind == TokenKind::Invalid);
  CHECK(tokens[3].text == "\xC3\xA9");
}

TEST_CASE("CRLF line ends lex like LF") {
  const auto tokens = lex("flatten\r\ndense 10\r\n");
  CHECK(tokens[0].span == Span{1, 1, 7});
  CHECK(tokens[1].kind == TokenKind::Newline);
  CHECK(tokens[2].span == Span{2, 1, 5});
}

TEST_CASE("a minus sign not before a digit or '>' is invalid") {
  const auto tokens = lex("- x");
  CHECK(tokens[0].kind == TokenKind::Invalid);
  CHECK(tokens[1].kind == TokenKind::Word);
}

TEST_CASE("commas separate list values, with or without spaces") {
  using P = std::pair<TokenKind, std::string>;
  CHECK(kinds_and_texts("mean=0.49,-0.5, 1e-3") == std::vector<P>{{TokenKind::Word, "mean"},
                                                                  {TokenKind::Equals, "="},
                                                                  {TokenKind::Number, "0.49"},
                                                                  {TokenKind::Comma, ","},
                                                                  {TokenKind::Number, "-0.5"},
                                                                  {TokenKind::Comma, ","},
                                                                  {TokenKind::Number, "1e-3"},
                                                                  {TokenKind::Newline, ""},
                                                                  {TokenKind::End, ""}});
}

TEST_CASE("a quoted string keeps its quotes and holds '#', spaces and UTF-8 as text") {
  const auto tokens = lex("classes \"T-shirt/top\" \"a # b\" \"f\xC3\xBC\xC3\x9F\" # comment\n");
  REQUIRE(tokens.size() == 6);
  CHECK(tokens[1].kind == TokenKind::String);
  CHECK(tokens[1].text == "\"T-shirt/top\"");
  CHECK(tokens[1].span == Span{1, 9, 13});
  CHECK(tokens[2].text == "\"a # b\"");
  CHECK(tokens[3].text == "\"f\xC3\xBC\xC3\x9F\"");
  CHECK(tokens[4].kind == TokenKind::Newline);
}

TEST_CASE("an unterminated string runs to the end of its line, without the CR of a CRLF") {
  const auto tokens = lex("classes \"cat dog\r\nflatten\n");
  REQUIRE(tokens.size() == 6);
  CHECK(tokens[1].kind == TokenKind::String);
  CHECK(tokens[1].text == "\"cat dog");
  CHECK(tokens[2].kind == TokenKind::Newline);
  CHECK(tokens[3].text == "flatten");
}
