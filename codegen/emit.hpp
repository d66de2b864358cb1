// The code generator's front door: a checked model in, C++ source text out (no files touched).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsl/model.hpp"

namespace cnnc {

// Past this a header takes longer to compile than it saves (the lecture's network at the
// default unroll policy is 0.3 MB).
constexpr std::int64_t kDefaultMaxHeaderBytes = std::int64_t(64) << 20;

struct EmitOptions {
  std::string name;                  // C++ namespace of the model; empty: the model's own name
  std::int64_t unroll_budget = 0;    // statements one loop body may be unrolled to; 0: the default
  std::int64_t max_header_bytes = 0; // the largest header to emit; 0: kDefaultMaxHeaderBytes
};

// The header would be larger than EmitOptions::max_header_bytes: nothing is emitted.
class HeaderTooLarge : public std::runtime_error {
public:
  HeaderTooLarge(std::uint64_t bytes, std::uint64_t limit)
      : std::runtime_error("generated header too large"), bytes(bytes), limit(limit) {}
  std::uint64_t bytes; // the size it would have had
  std::uint64_t limit;
};

struct EmittedFile {
  std::string path; // relative to the output folder: "mnist.hpp"
  std::string text;
};

std::vector<EmittedFile> emit_model(const Model& model, const EmitOptions& options);

} // namespace cnnc
