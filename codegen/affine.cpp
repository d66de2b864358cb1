// Integer index expressions of emitted code.
#include "codegen/affine.hpp"

#include <fmt/core.h>

namespace cnnc {

Affine Affine::var(const std::string& name) {
  Affine a;
  a.terms_.emplace_back(name, 1);
  return a;
}

Affine Affine::operator+(const Affine& other) const {
  Affine sum = *this;
  sum.constant_ += other.constant_;
  for (const auto& [name, coefficient] : other.terms_) {
    bool found = false;
    for (auto& term : sum.terms_) {
      if (term.first == name) {
        term.second += coefficient;
        found = true;
      }
    }
    if (!found) sum.terms_.emplace_back(name, coefficient);
  }
  std::erase_if(sum.terms_, [](const auto& term) { return term.second == 0; });
  return sum;
}

Affine Affine::operator*(std::int64_t factor) const {
  Affine product;
  if (factor == 0) return product;
  product.constant_ = constant_ * factor;
  for (const auto& [name, coefficient] : terms_)
    product.terms_.emplace_back(name, coefficient * factor);
  return product;
}

Affine Affine::bind(const Bindings& bindings) const {
  Affine bound(constant_);
  for (const auto& [name, coefficient] : terms_) {
    const auto it = bindings.find(name);
    if (it != bindings.end()) {
      bound.constant_ += it->second * coefficient;
    } else {
      bound.terms_.emplace_back(name, coefficient);
    }
  }
  return bound;
}

std::string Affine::str() const {
  std::string text;
  for (const auto& [name, coefficient] : terms_) {
    if (!text.empty())
      text += coefficient < 0 ? " - " : " + ";
    else if (coefficient < 0)
      text += "-";
    const std::int64_t magnitude = coefficient < 0 ? -coefficient : coefficient;
    text += magnitude == 1 ? name : fmt::format("{} * {}", name, magnitude);
  }
  if (text.empty()) return fmt::format("{}", constant_);
  if (constant_ > 0) text += fmt::format(" + {}", constant_);
  if (constant_ < 0) text += fmt::format(" - {}", -constant_);
  return text;
}

} // namespace cnnc
