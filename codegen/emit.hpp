// The code generator's front door: a checked model in, C++ source text out (no files touched).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dsl/model.hpp"

namespace cnnc {

struct EmitOptions {
  std::string name;               // C++ namespace of the model; empty: the model's own name
  std::int64_t unroll_budget = 0; // statements one loop body may be unrolled to; 0: the default
};

struct EmittedFile {
  std::string path; // relative to the output folder: "mnist.hpp"
  std::string text;
};

std::vector<EmittedFile> emit_model(const Model& model, const EmitOptions& options);

} // namespace cnnc
