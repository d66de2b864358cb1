// Integer index expressions of emitted code: a constant plus loop variables times coefficients.
// Unrolling binds variables to numbers, so an index prints folded ("oy * 240 + 57", or "297").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace cnnc {

// The loop variables an unrolled loop has fixed to a number.
using Bindings = std::map<std::string, std::int64_t>;

class Affine {
public:
  Affine(std::int64_t constant = 0) : constant_(constant) {} // NOLINT: numbers are expressions
  static Affine var(const std::string& name);

  Affine operator+(const Affine& other) const;
  Affine operator-(const Affine& other) const { return *this + other * -1; }
  Affine operator*(std::int64_t factor) const;

  // Replaces bound variables by their numbers.
  Affine bind(const Bindings& bindings) const;
  bool is_constant() const { return terms_.empty(); }
  std::int64_t constant() const { return constant_; }
  // Terms in first-use order, then the constant: "oy * 240 + ox * 10 + 57"; "0" when empty.
  std::string str() const;
  std::string str(const Bindings& bindings) const { return bind(bindings).str(); }

private:
  std::vector<std::pair<std::string, std::int64_t>> terms_;
  std::int64_t constant_ = 0;
};

inline Affine operator*(std::int64_t factor, const Affine& a) {
  return a * factor;
}

} // namespace cnnc
