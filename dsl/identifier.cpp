// C++20's keywords and reserved spellings, checked so that the generated code always compiles.
#include "dsl/identifier.hpp"

#include <algorithm>
#include <array>

#include <fmt/core.h>

namespace cnnc {
namespace {

constexpr std::array<std::string_view, 92> kKeywords = {
    "alignas",       "alignof",     "and",
    "and_eq",        "asm",         "auto",
    "bitand",        "bitor",       "bool",
    "break",         "case",        "catch",
    "char",          "char8_t",     "char16_t",
    "char32_t",      "class",       "co_await",
    "co_return",     "co_yield",    "compl",
    "concept",       "const",       "consteval",
    "constexpr",     "constinit",   "const_cast",
    "continue",      "decltype",    "default",
    "delete",        "do",          "double",
    "dynamic_cast",  "else",        "enum",
    "explicit",      "export",      "extern",
    "false",         "float",       "for",
    "friend",        "goto",        "if",
    "inline",        "int",         "long",
    "mutable",       "namespace",   "new",
    "noexcept",      "not",         "not_eq",
    "nullptr",       "operator",    "or",
    "or_eq",         "private",     "protected",
    "public",        "register",    "reinterpret_cast",
    "requires",      "return",      "short",
    "signed",        "sizeof",      "static",
    "static_assert", "static_cast", "struct",
    "switch",        "template",    "this",
    "thread_local",  "throw",       "true",
    "try",           "typedef",     "typeid",
    "typename",      "union",       "unsigned",
    "using",         "virtual",     "void",
    "volatile",      "wchar_t",     "while",
    "xor",           "xor_eq"};

} // namespace

std::optional<std::string> identifier_problem(std::string_view name) {
  if (std::find(kKeywords.begin(), kKeywords.end(), name) != kKeywords.end())
    return fmt::format("'{}' is a C++ keyword", name);
  if (name.find("__") != std::string_view::npos ||
      (name.size() > 1 && name[0] == '_' && name[1] >= 'A' && name[1] <= 'Z'))
    return fmt::format("'{}' is reserved in C++ (it has '__' or starts with '_' and a capital)",
                       name);
  return std::nullopt;
}

} // namespace cnnc
