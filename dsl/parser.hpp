// The parser: tokens -> syntax tree, one statement per line. A line with a syntax error gets
// one diagnostic and is skipped; parsing goes on with the next line.
#pragma once

#include <string_view>
#include <vector>

#include "dsl/ast.hpp"
#include "dsl/diagnostic.hpp"
#include "dsl/lexer.hpp"

namespace cnnc {

ast::Program parse(const std::vector<Token>& tokens, std::vector<Diagnostic>& diagnostics);

// The meaning of a Number token's text; false (with `error` set) when it is malformed.
bool read_number(const Token& token, ast::Number& number, std::string& error);
bool read_dims(const Token& token, ast::Dims& dims, std::string& error);

} // namespace cnnc
