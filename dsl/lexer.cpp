// The lexer: one pass over the text, no backtracking, so its cost is linear in the input.
#include "dsl/lexer.hpp"

namespace cnnc {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_word_char(char c) {
  return is_letter(c) || is_digit(c);
}

// The length of a UTF-8 sequence starting with `lead` (1 for anything malformed).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0 && lead < 0xF8) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

} // namespace

const char* describe(TokenKind kind) {
  switch (kind) {
  case TokenKind::Word:
    return "a word";
  case TokenKind::Number:
    return "a number";
  case TokenKind::Equals:
    return "'='";
  case TokenKind::Arrow:
    return "'->'";
  case TokenKind::LParen:
    return "'('";
  case TokenKind::RParen:
    return "')'";
  case TokenKind::Comma:
    return "','";
  case TokenKind::String:
    return "a quoted string";
  case TokenKind::Invalid:
    return "an invalid character";
  case TokenKind::Newline:
    return "the end of the line";
  case TokenKind::End:
    return "the end of the file";
  }
  return "?";
}

std::vector<Token> lex(std::string_view text) {
  std::vector<Token> tokens;
  int line = 1;
  std::size_t line_start = 0;
  std::size_t i = 0;
  auto push = [&](TokenKind kind, std::size_t begin, std::size_t end) {
    tokens.push_back({kind, text.substr(begin, end - begin),
                      Span{line, int(begin - line_start) + 1, int(end - begin)}});
  };
  while (i < text.size()) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (c == '\n') {
      push(TokenKind::Newline, i, i + 1);
      ++i;
      ++line;
      line_start = i;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (is_letter(c)) {
      const std::size_t begin = i;
      while (i < text.size() && is_word_char(text[i])) ++i;
      push(TokenKind::Word, begin, i);
    } else if (is_digit(c) || ((c == '-' || c == '+' || c == '.') &&
                               (is_digit(next) || (next == '.' && c != '.')))) {
      // A number-like run: digits, letters (the x of 5x5, the e of 1e-4), dots, and a sign
      // right after an exponent's e. Its meaning is checked by the parser.
      const std::size_t begin = i;
      ++i;
      while (i < text.size()) {
        const char d = text[i];
        const bool exponent_sign = (d == '-' || d == '+') && i >= begin + 2 &&
                                   (text[i - 1] == 'e' || text[i - 1] == 'E') &&
                                   (is_digit(text[i - 2]) || text[i - 2] == '.');
        if (is_word_char(d) || d == '.' || exponent_sign) {
          ++i;
        } else {
          break;
        }
      }
      push(TokenKind::Number, begin, i);
    } else if (c == '-' && next == '>') {
      push(TokenKind::Arrow, i, i + 2);
      i += 2;
    } else if (c == '=') {
      push(TokenKind::Equals, i, i + 1);
      ++i;
    } else if (c == '(') {
      push(TokenKind::LParen, i, i + 1);
      ++i;
    } else if (c == ')') {
      push(TokenKind::RParen, i, i + 1);
      ++i;
    } else if (c == ',') {
      push(TokenKind::Comma, i, i + 1);
      ++i;
    } else if (c == '"') {
      // A quoted string ends at the next '"' or, unterminated, before the line end (and the
      // '\r' of a CRLF line end); '#' inside it is text, not a comment.
      const std::size_t begin = i++;
      while (i < text.size() && text[i] != '"' && text[i] != '\n') ++i;
      if (i < text.size() && text[i] == '"') {
        push(TokenKind::String, begin, ++i);
      } else {
        std::size_t end = i;
        if (end > begin + 1 && text[end - 1] == '\r') --end;
        push(TokenKind::String, begin, end);
      }
    } else {
      const std::size_t end = std::min(text.size(), i + utf8_length(static_cast<unsigned char>(c)));
      push(TokenKind::Invalid, i, end);
      i = end;
    }
  }
  if (tokens.empty() || tokens.back().kind != TokenKind::Newline) push(TokenKind::Newline, i, i);
  tokens.push_back(
      {TokenKind::End, text.substr(text.size()), Span{line, int(i - line_start) + 1, 0}});
  return tokens;
}

} // namespace cnnc
