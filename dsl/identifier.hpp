// Names the generated C++ uses as identifiers: a model's name (its namespace cnn::NAME) and the
// names made from a layer's name must not be C++ keywords, names the C++ standard reserves,
// macros of the headers the code is compiled with, or names the runtime or the generated code
// already use.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cnnc {

// Why `name` cannot be a C++ identifier of its own (a keyword, or reserved by the standard), or
// nullopt when it can.
std::optional<std::string> identifier_problem(std::string_view name);

// Why `name` cannot name a model's namespace cnn::NAME, or nullopt: not an identifier, a keyword
// or reserved name, a macro of the headers a trainer includes, or a name the runtime declares in
// (or looks up from) namespace cnn.
std::optional<std::string> model_name_problem(std::string_view name);

// Why the generator cannot emit `name` (a name made from a layer's name) inside a model's
// struct, or nullopt: a keyword or reserved name, a macro, a runtime name, or a name the
// generated code uses for something of its own.
std::optional<std::string> emitted_name_problem(std::string_view name);

} // namespace cnnc
