// The walk over one instantiated function of the model: its loops and trip counts, its
// operations, loads and stores (callees inlined), the index ranges it touches, and the checks of
// the fixed-size promise on every statement. Internal to cnnc-inspect.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <clang/AST/ASTContext.h>
#include <clang/AST/DeclCXX.h>

#include "inspector/analysis.hpp"

namespace cnnc::inspect {

// Index ranges touched per array ("params", "ws.conv2d_1_out"), and the arrays' element sizes.
struct Footprint {
  std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>> ranges; // inclusive
  std::map<std::string, std::int64_t> element_bytes;
  void add(const std::string& array, std::int64_t first, std::int64_t last, std::int64_t bytes);
  void merge(const Footprint& other);
  // Distinct bytes of the arrays `select` accepts: the union of the ranges of each.
  std::int64_t bytes(const std::function<bool(const std::string&)>& select) const;
};

struct FunctionFacts {
  Counts counts;
  std::vector<LoopNode> loops;
  Footprint footprint;
};

// The extents of the model's pointer parameters, known by name (docs/generated-api.md).
struct PointerExtents {
  std::int64_t param_count = -1;
  std::int64_t input_size = -1;
  std::int64_t output_size = -1;
  // Elements behind a pointer parameter of this name, in a function instantiated with `lanes`
  // (0 when it has no L); -1 when the name is not one of the contract's.
  std::int64_t of(const std::string& name, std::int64_t lanes) const;
};

class ModelWalk {
public:
  using Namer = std::function<Location(clang::SourceLocation)>;
  ModelWalk(clang::ASTContext& context, const clang::CXXRecordDecl& model, PointerExtents extents,
            Namer namer);

  // The facts of `function` (walked once, then remembered); checks it on the way.
  const FunctionFacts& facts(const clang::FunctionDecl& function);
  // Every violation found so far, the first one per source location, in header order.
  std::vector<Violation> violations() const;

  // Is `function` a member of the model's struct?
  bool is_member(const clang::FunctionDecl& function) const;
  // The value of the template parameter L of `function`; 0 when it has none.
  static std::int64_t lanes_of(const clang::FunctionDecl& function);

private:
  friend class FunctionWalk;
  void violation(clang::SourceLocation where, std::string message);

  clang::ASTContext& context_;
  const clang::CXXRecordDecl& model_;
  PointerExtents extents_;
  Namer namer_;
  std::map<const clang::FunctionDecl*, FunctionFacts> done_;
  std::vector<const clang::FunctionDecl*> in_progress_; // the call chain being walked
  std::map<std::tuple<std::string, unsigned, unsigned>, Violation> violations_; // by place
};

} // namespace cnnc::inspect
