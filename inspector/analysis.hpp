// What cnnc-inspect learns from the AST of a generated header: every kernel's loop nest, its
// operation, load and store counts, the bytes it touches, the FLOPs its comment and the kLayers
// table predict, and every place that breaks the fixed-size promise.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "inspector/header_source.hpp"

namespace cnnc::inspect {

struct Location {
  std::string file;
  unsigned line = 0;
  unsigned column = 0;
};

// A place where the header breaks the fixed-size promise (docs/inspect.md lists the checks).
struct Violation {
  Location where;
  std::string message;
};

// A loop of a kernel with its constant trip count, or a call (`loop` empty), and what it holds.
struct LoopNode {
  std::string label; // "for oy < 24", "for l < L = 8", "call lane_sum"
  std::vector<LoopNode> children;
  int repeat = 1; // equal siblings in a row, shown once
  bool operator==(const LoopNode&) const = default;
};

// Operations and memory accesses of one call of a kernel, that is one group of L samples.
struct Counts {
  double multiply_adds = 0; // `x += a * b` of two array elements (each counts two FLOPs)
  double other_ops = 0;     // every other floating-point + - * /, comparison and <cmath> call
  double loads = 0;         // elements read from parameters, gradients and activations
  double stores = 0;        // elements written to them (local accumulators are not counted)
  Counts& operator+=(const Counts& other);
  Counts scaled(double factor) const;
  double flops() const { return 2 * multiply_adds + other_ops; }
};

struct Kernel {
  std::string name;     // "conv2d_1.forward", "loss"; "model.forward" for the totals
  std::string function; // "conv2d_1_forward"
  Location where;       // the function's name in the header
  unsigned first_line = 0, last_line = 0; // its comment's first line to its closing brace
  Counts counts;                          // one group of `lanes` samples, callees included
  std::vector<LoopNode> loops;
  std::int64_t parameter_bytes = 0;  // distinct bytes of params and grads touched per group
  std::int64_t activation_bytes = 0; // distinct bytes of the workspace, input and target
  std::optional<std::uint64_t> predicted_comment; // "cost per sample: N FLOPs"
  std::optional<std::uint64_t> predicted_table;   // kLayers[].forward_flops / backward_flops
};

struct Analysis {
  std::string model; // cnn::NAME
  int lanes = 8;     // L the counts were taken with
  std::vector<int> verified_lanes;
  std::vector<Kernel> kernels; // in the header's order
  std::vector<Kernel> totals;  // model.forward and model.backward, everything they call
  std::vector<Violation> violations;
};

struct AnalysisOptions {
  int lanes = 8;                         // the lane count of the listing
  std::vector<int> verify_lanes;         // further lane counts the checks instantiate
  std::vector<std::string> include_dirs; // where cnn/model_info.hpp is found
  std::string resource_dir;              // Clang's builtin headers
};

// Parses the header with Clang and analyses it; nullopt (after Clang's diagnostics, or with
// `error` set) when it does not compile or has no `struct Model`.
std::optional<Analysis> analyse(const HeaderSource& header, const AnalysisOptions& options,
                                std::string& error);

} // namespace cnnc::inspect
