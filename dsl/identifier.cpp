// C++20's keywords and reserved spellings, and the names the generated code and its includes
// use, checked so that the generated code always compiles.
#include "dsl/identifier.hpp"

#include <algorithm>
#include <array>
#include <set>

#include <fmt/core.h>

#include "dsl/reserved_names.hpp"

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

// The words of a space-separated list.
std::set<std::string_view, std::less<>> words(std::string_view list) {
  std::set<std::string_view, std::less<>> result;
  while (!list.empty()) {
    const auto space = std::min(list.find(' '), list.size());
    if (space > 0) result.insert(list.substr(0, space));
    list.remove_prefix(std::min(space + 1, list.size()));
  }
  return result;
}

struct ReservedNames {
  std::set<std::string_view, std::less<>> macros, runtime, generated;
};

const ReservedNames& reserved_names() {
  static const ReservedNames names{words(reserved::kMacros), words(reserved::kRuntimeNames),
                                   words(reserved::kGeneratedNames)};
  return names;
}

bool is_identifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// A macro or a runtime name: what no name of the generated code may be.
std::optional<std::string> taken_problem(std::string_view name) {
  if (reserved_names().macros.contains(name))
    return fmt::format("'{}' is a macro of the C or C++ headers the generated code is compiled "
                       "with",
                       name);
  if (reserved_names().runtime.contains(name))
    return fmt::format("'{}' is a name the runtime uses in namespace cnn", name);
  return std::nullopt;
}

} // namespace

std::optional<std::string> model_name_problem(std::string_view name) {
  if (!is_identifier(name))
    return fmt::format("'{}' is not a C++ identifier (letters, digits and '_', not starting with "
                       "a digit)",
                       name);
  if (auto problem = identifier_problem(name)) return problem;
  return taken_problem(name);
}

std::optional<std::string> emitted_name_problem(std::string_view name) {
  if (auto problem = identifier_problem(name)) return problem;
  if (auto problem = taken_problem(name)) return problem;
  if (reserved_names().generated.contains(name))
    return fmt::format("'{}' is a name the generated code uses for its own purpose", name);
  return std::nullopt;
}

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
