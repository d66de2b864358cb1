// Shared by the checker's parts: the error sink and the readers of checked values (counts,
// sizes, activations, initializers), each reporting what it rejects.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dsl/ast.hpp"
#include "dsl/checker.hpp"
#include "dsl/diagnostic.hpp"

namespace cnnc {

struct CheckContext {
  std::vector<Diagnostic>& diagnostics;

  void error(Span span, std::string message, std::vector<Note> notes = {}) {
    diagnostics.push_back({Severity::Error, span, std::move(message), std::move(notes)});
  }
};

// `label: ` before a message, or nothing when there is no label.
std::string prefixed(std::string_view label, std::string_view message);

// A whole number in [minimum, kMaxDimension], or nullopt after reporting why not.
std::optional<int> read_count(const ast::Number& number, std::string_view label,
                              std::string_view what, std::int64_t minimum, CheckContext& context);
// `S` or `HxW`, each in [minimum, kMaxDimension].
std::optional<std::pair<int, int>> read_pair(const ast::Dims& dims, std::string_view label,
                                             std::string_view what, std::int64_t minimum,
                                             CheckContext& context);
std::optional<Activation> read_activation(const ast::Word& word, std::string_view label,
                                          CheckContext& context);
std::optional<Initializer> read_initializer(const ast::Init& init, std::string_view label,
                                            CheckContext& context);

// a * b, or kMaxElements + 1 when the product exceeds kMaxElements (never overflows).
std::int64_t capped_product(std::int64_t a, std::int64_t b);

// 38390 -> "38,390"
std::string with_commas(std::int64_t value);

} // namespace cnnc
