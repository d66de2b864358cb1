// The walk over one instantiated function of the model (see function_walk.hpp).
#include "inspector/function_walk.hpp"

#include <algorithm>
#include <optional>

#include <clang/AST/Expr.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/Stmt.h>
#include <clang/AST/StmtCXX.h>
#include <fmt/core.h>

namespace cnnc::inspect {

using namespace clang;

Counts& Counts::operator+=(const Counts& other) {
  multiply_adds += other.multiply_adds;
  other_ops += other.other_ops;
  loads += other.loads;
  stores += other.stores;
  return *this;
}

Counts Counts::scaled(double factor) const {
  return {multiply_adds * factor, other_ops * factor, loads * factor, stores * factor};
}

void Footprint::add(const std::string& array, std::int64_t first, std::int64_t last,
                    std::int64_t bytes) {
  ranges[array].emplace_back(first, last);
  element_bytes[array] = bytes;
}

void Footprint::merge(const Footprint& other) {
  for (const auto& [array, spans] : other.ranges) {
    auto& mine = ranges[array];
    mine.insert(mine.end(), spans.begin(), spans.end());
    element_bytes[array] = other.element_bytes.at(array);
  }
}

std::int64_t Footprint::bytes(const std::function<bool(const std::string&)>& select) const {
  std::int64_t total = 0;
  for (auto [array, spans] : ranges) {
    if (!select(array)) continue;
    std::sort(spans.begin(), spans.end());
    std::int64_t elements = 0, end = std::numeric_limits<std::int64_t>::min(); // one past
    for (const auto& [first, last] : spans) {
      const std::int64_t from = std::max(first, end);
      if (last + 1 > from) elements += last + 1 - from;
      end = std::max(end, last + 1);
    }
    total += elements * element_bytes.at(array);
  }
  return total;
}

std::int64_t PointerExtents::of(const std::string& name, std::int64_t lanes) const {
  if (name == "params" || name == "grads") return param_count;
  if (name == "sums") return statistics_size;
  if (name == "batch") return batch_statistics_size;
  // A function without a lane count (forward_one) takes the input of one sample.
  if (name == "input") return input_size < 0 ? -1 : input_size * std::max<std::int64_t>(lanes, 1);
  if (lanes <= 0) return -1;
  if (name == "target") return output_size < 0 ? -1 : output_size * lanes;
  if (name == "loss_per_lane" || name == "values") return lanes;
  return -1;
}

namespace {

// An integer expression as constant + the sum of coefficient * loop counter.
struct Affine {
  bool valid = true;
  std::int64_t constant = 0;
  std::map<const VarDecl*, std::int64_t> terms;
};

// The values an affine index takes over the loops around it.
struct Range {
  bool known = true;  // false when a counter of a loop the walk could not read is involved
  bool empty = false; // a loop around it never runs
  std::int64_t first = 0, last = 0;
};

struct Loop {
  const VarDecl* counter = nullptr;
  std::int64_t first = 0, last = 0; // the counter on the first and the last trip
  std::int64_t trips = 0;
  std::int64_t step = 1;
  bool known = false;
};

// Calls that allocate (or free) memory, whatever their namespace.
const std::set<std::string> kAllocators = {"malloc",           "calloc",
                                           "realloc",          "aligned_alloc",
                                           "posix_memalign",   "memalign",
                                           "valloc",           "pvalloc",
                                           "alloca",           "free",
                                           "__builtin_alloca", "__builtin_malloc",
                                           "__builtin_calloc", "__builtin_realloc",
                                           "__builtin_free",   "strdup",
                                           "make_unique",      "make_shared"};

// <cmath> functions the kernels may call; each counts one operation.
const std::set<std::string> kMath = {
    "exp",  "expf",  "exp2", "expm1", "log",      "logf",     "log2", "log10", "log1p",
    "tanh", "tanhf", "sqrt", "sqrtf", "cbrt",     "pow",      "fabs", "abs",   "fmax",
    "fmin", "floor", "ceil", "round", "copysign", "erf",      "sin",  "cos",   "tan",
    "atan", "sinh",  "cosh", "isnan", "isinf",    "isfinite", "max",  "min"};

// Pointer parameters whose accesses a callee reports under the same name as its caller.
const std::set<std::string> kSharedPointers = {"params", "grads", "input", "target"};

bool is_element_access(const Expr* expression) {
  const auto* access = dyn_cast<ArraySubscriptExpr>(expression->IgnoreParenImpCasts());
  return access && !access->getType()->isArrayType();
}

bool refers_to(const Expr* expression, const VarDecl* var) {
  const auto* reference = dyn_cast<DeclRefExpr>(expression->IgnoreParenImpCasts());
  return var && reference && reference->getDecl() == var;
}

bool is_lane_count(const Expr* expression) {
  // IgnoreParenImpCasts would also step over the substituted parameter itself.
  for (;;) {
    if (const auto* cast = dyn_cast<ImplicitCastExpr>(expression))
      expression = cast->getSubExpr();
    else if (const auto* parens = dyn_cast<ParenExpr>(expression))
      expression = parens->getSubExpr();
    else
      break;
  }
  const auto* substituted = dyn_cast<SubstNonTypeTemplateParmExpr>(expression);
  return substituted && substituted->getParameter()->getName() == "L";
}

} // namespace

class FunctionWalk {
public:
  FunctionWalk(ModelWalk& model, const FunctionDecl& function)
      : model_(model), context_(model.context_), function_(function),
        lanes_(ModelWalk::lanes_of(function)) {}

  FunctionFacts run() {
    const FunctionDecl* definition = nullptr;
    if (!function_.hasBody(definition)) return {};
    nodes_ = &facts_.loops;
    statement(definition->getBody());
    return std::move(facts_);
  }

private:
  enum class Use { Read, Write, ReadWrite, Address };

  void violation(SourceLocation where, std::string message) {
    model_.violation(where, std::move(message));
  }
  std::string with_lanes() const { return lanes_ > 0 ? fmt::format(" with L = {}", lanes_) : ""; }

  std::optional<std::int64_t> constant(const Expr* expression) const {
    if (expression->isValueDependent()) return std::nullopt;
    Expr::EvalResult result;
    if (!expression->EvaluateAsInt(result, context_)) return std::nullopt;
    return result.Val.getInt().getExtValue();
  }

  Affine affine(const Expr* expression) const {
    expression = expression->IgnoreParenImpCasts();
    if (const auto value = constant(expression)) return {true, *value, {}};
    if (const auto* reference = dyn_cast<DeclRefExpr>(expression))
      for (const Loop& loop : loops_)
        if (reference->getDecl() == loop.counter) return {true, 0, {{loop.counter, 1}}};
    if (const auto* unary = dyn_cast<UnaryOperator>(expression);
        unary && unary->getOpcode() == UO_Minus) {
      Affine inner = affine(unary->getSubExpr());
      inner.constant = -inner.constant;
      for (auto& [var, coefficient] : inner.terms) coefficient = -coefficient;
      return inner;
    }
    const auto* binary = dyn_cast<BinaryOperator>(expression);
    if (!binary) return {false, 0, {}};
    Affine left = affine(binary->getLHS()), right = affine(binary->getRHS());
    if (!left.valid || !right.valid) return {false, 0, {}};
    switch (binary->getOpcode()) {
    case BO_Sub:
      right.constant = -right.constant;
      for (auto& [var, coefficient] : right.terms) coefficient = -coefficient;
      [[fallthrough]];
    case BO_Add:
      left.constant += right.constant;
      for (const auto& [var, coefficient] : right.terms) left.terms[var] += coefficient;
      return left;
    case BO_Mul: {
      if (!left.terms.empty() && !right.terms.empty()) return {false, 0, {}};
      const Affine& scaled = left.terms.empty() ? right : left;
      const std::int64_t factor = left.terms.empty() ? left.constant : right.constant;
      Affine product{true, scaled.constant * factor, {}};
      for (const auto& [var, coefficient] : scaled.terms) product.terms[var] = coefficient * factor;
      return product;
    }
    default:
      return {false, 0, {}};
    }
  }

  Range range(const Affine& index) const {
    Range out{true, false, index.constant, index.constant};
    for (const auto& term : index.terms) {
      // Named, not a structured binding: C++20 lambdas cannot capture those (clang++ refuses).
      const auto& var = term.first;
      const auto coefficient = term.second;
      const auto loop = std::find_if(loops_.begin(), loops_.end(), [&](const Loop& candidate) {
        return candidate.counter == var;
      });
      if (!loop->known) {
        out.known = false;
        continue;
      }
      if (loop->trips == 0) out.empty = true;
      out.first += coefficient * (coefficient > 0 ? loop->first : loop->last);
      out.last += coefficient * (coefficient > 0 ? loop->last : loop->first);
    }
    return out;
  }

  // Where `condition` is `a * i + b < c` (or <=) for a loop counter i, narrows i's range to the
  // trips on which the condition is `holds`, so a guarded access is checked where it runs:
  // `l + kHalf < L ? values[l + kHalf] : ...`.
  void narrow(const Expr* condition, bool holds) {
    const auto* compare = dyn_cast<BinaryOperator>(condition->IgnoreParenImpCasts());
    if (!compare || (compare->getOpcode() != BO_LT && compare->getOpcode() != BO_LE)) return;
    const Affine left = affine(compare->getLHS());
    const auto right = constant(compare->getRHS());
    if (!left.valid || !right || left.terms.size() != 1) return;
    const auto [counter, coefficient] = *left.terms.begin();
    if (coefficient <= 0) return;
    // a*i + b < c  <=>  i <= floor((c - 1 - b) / a); with <=, i <= floor((c - b) / a).
    const std::int64_t numerator = *right - left.constant - (compare->getOpcode() == BO_LT ? 1 : 0);
    const std::int64_t highest =
        numerator >= 0 ? numerator / coefficient : -((-numerator + coefficient - 1) / coefficient);
    for (Loop& loop : loops_) {
      if (loop.counter != counter || !loop.known || loop.step != 1) continue;
      if (holds)
        loop.last = std::min(loop.last, highest);
      else
        loop.first = std::max(loop.first, highest + 1);
      if (loop.first > loop.last) loop.trips = 0;
    }
  }

  void statement(const Stmt* node) {
    if (!node) return;
    if (const auto* loop = dyn_cast<ForStmt>(node)) return for_loop(*loop);
    if (isa<WhileStmt>(node) || isa<DoStmt>(node) || isa<CXXForRangeStmt>(node)) {
      violation(node->getBeginLoc(), "a loop whose trip count is not a compile-time constant "
                                     "(only 'for (int i = A; i < B; ++i)' with constants is)");
    } else if (isa<GotoStmt>(node) || isa<IndirectGotoStmt>(node)) {
      violation(node->getBeginLoc(), "a goto: a loop the verifier cannot bound");
    } else if (const auto* branch = dyn_cast<IfStmt>(node)) {
      bool taken = false;
      if (branch->isConstexpr() && branch->getCond() &&
          branch->getCond()->EvaluateAsBooleanCondition(taken, context_))
        return statement(taken ? branch->getThen() : branch->getElse());
      if (branch->getInit()) statement(branch->getInit());
      if (branch->getCond()) expression(branch->getCond(), Use::Read);
      const std::vector<Loop> saved = loops_;
      if (branch->getCond()) narrow(branch->getCond(), true);
      statement(branch->getThen());
      loops_ = saved;
      if (branch->getCond()) narrow(branch->getCond(), false);
      statement(branch->getElse());
      loops_ = saved;
      return;
    } else if (const auto* declarations = dyn_cast<DeclStmt>(node)) {
      for (const Decl* decl : declarations->decls())
        if (const auto* var = dyn_cast<VarDecl>(decl)) declaration(*var);
      return;
    } else if (const auto* value = dyn_cast<Expr>(node)) {
      return expression(value, Use::Read);
    }
    for (const Stmt* child : node->children()) statement(child);
  }

  void for_loop(const ForStmt& node) {
    Loop loop;
    std::optional<std::int64_t> bound;
    std::int64_t step = 0;
    bool inclusive = false, lane_loop = false;
    if (const auto* init = dyn_cast_or_null<DeclStmt>(node.getInit()); init && init->isSingleDecl())
      if (const auto* var = dyn_cast<VarDecl>(init->getSingleDecl());
          var && var->getType()->isIntegerType() && var->getInit())
        if (const auto first = constant(var->getInit())) {
          loop.counter = var;
          loop.first = *first;
        }
    const auto* condition =
        node.getCond() ? dyn_cast<BinaryOperator>(node.getCond()->IgnoreParenImpCasts()) : nullptr;
    if (condition && (condition->getOpcode() == BO_LT || condition->getOpcode() == BO_LE) &&
        refers_to(condition->getLHS(), loop.counter)) {
      bound = constant(condition->getRHS());
      inclusive = condition->getOpcode() == BO_LE;
      lane_loop = is_lane_count(condition->getRHS());
      if (!bound)
        violation(condition->getRHS()->getBeginLoc(),
                  "the loop bound is not a compile-time constant");
    }
    if (const auto* increment = dyn_cast_or_null<UnaryOperator>(node.getInc());
        increment && increment->isIncrementOp() && refers_to(increment->getSubExpr(), loop.counter))
      step = 1;
    if (const auto* increment = dyn_cast_or_null<CompoundAssignOperator>(node.getInc());
        increment && increment->getOpcode() == BO_AddAssign &&
        refers_to(increment->getLHS(), loop.counter))
      step = constant(increment->getRHS()).value_or(0);

    std::string label;
    if (loop.counter && bound && step > 0) {
      loop.known = true;
      loop.step = step;
      const std::int64_t end = *bound + (inclusive ? 1 : 0);
      loop.trips = end > loop.first ? (end - loop.first + step - 1) / step : 0;
      loop.last = loop.first + (loop.trips > 0 ? loop.trips - 1 : 0) * step;
      const std::string name = loop.counter->getNameAsString();
      label = fmt::format("for {}{} {} {}", name,
                          loop.first != 0 ? fmt::format(" = {}..", loop.first) : "",
                          inclusive ? "<=" : "<",
                          lane_loop ? fmt::format("L = {}", *bound) : std::to_string(*bound));
      if (step != 1) label += fmt::format(" step {}", step);
    } else {
      if (!condition || bound || !refers_to(condition->getLHS(), loop.counter))
        violation(node.getBeginLoc(),
                  "a loop the verifier cannot bound: expected 'for (int i = A; i < B; ++i)' "
                  "(or 'i += S') with compile-time constants A, B and S");
      loop.trips = 1; // counted once
      label = "for (unbounded)";
    }
    loops_.push_back(loop);
    LoopNode node_out{label, {}, 1};
    std::vector<LoopNode>* outer = nodes_;
    nodes_ = &node_out.children;
    const double saved = multiplier_;
    multiplier_ *= static_cast<double>(loop.trips);
    statement(node.getBody());
    multiplier_ = saved;
    nodes_ = outer;
    nodes_->push_back(std::move(node_out));
    loops_.pop_back();
  }

  void declaration(const VarDecl& var) {
    const QualType type = var.getType();
    if (type->isFunctionPointerType() || type->isMemberFunctionPointerType() ||
        type->isFunctionReferenceType())
      violation(var.getLocation(), fmt::format("'{}' is a function pointer", var.getName().str()));
    if (context_.getAsVariableArrayType(type))
      violation(var.getLocation(),
                fmt::format("'{}' is a variable-length array", var.getName().str()));
    if (const auto* record = type->getBaseElementTypeUnsafe()->getAsCXXRecordDecl();
        record && record->hasDefinition() && !record->hasTrivialDestructor())
      violation(var.getLocation(),
                fmt::format("'{}' has type '{}', whose destructor suggests it owns memory",
                            var.getName().str(), type.getAsString()));
    if (var.getInit()) expression(var.getInit(), Use::Read);
  }

  void expression(const Expr* node, Use use) {
    if (!node) return;
    node = node->IgnoreParens();
    if (const auto* access = dyn_cast<ArraySubscriptExpr>(node)) return subscript(*access, use);
    if (const auto* call_node = dyn_cast<CallExpr>(node)) return call(*call_node);
    if (const auto* binary = dyn_cast<BinaryOperator>(node)) return binary_operator(*binary);
    if (isa<CXXNewExpr>(node))
      violation(node->getBeginLoc(), "allocates memory with 'new'");
    else if (isa<CXXDeleteExpr>(node))
      violation(node->getBeginLoc(), "frees memory with 'delete'");
    else if (const auto* unary = dyn_cast<UnaryOperator>(node)) {
      if (unary->isIncrementDecrementOp()) {
        if (unary->getType()->isRealFloatingType()) facts_.counts.other_ops += multiplier_;
        return expression(unary->getSubExpr(), Use::ReadWrite);
      }
      if (unary->getOpcode() == UO_Deref)
        violation(unary->getBeginLoc(),
                  "dereferences a pointer the verifier cannot bound (a subscript can be checked)");
      return expression(unary->getSubExpr(),
                        unary->getOpcode() == UO_AddrOf ? Use::Address : Use::Read);
    } else if (const auto* reference = dyn_cast<DeclRefExpr>(node)) {
      if (const auto* function = dyn_cast<FunctionDecl>(reference->getDecl()))
        violation(node->getBeginLoc(), fmt::format("takes the address of '{}': a function pointer",
                                                   function->getNameAsString()));
      return;
    } else if (const auto* member = dyn_cast<MemberExpr>(node)) {
      if (isa<CXXMethodDecl>(member->getMemberDecl()))
        violation(node->getBeginLoc(), fmt::format("takes the address of '{}': a function pointer",
                                                   member->getMemberDecl()->getNameAsString()));
      return expression(member->getBase(), Use::Address);
    } else if (const auto* conditional = dyn_cast<ConditionalOperator>(node)) {
      expression(conditional->getCond(), Use::Read);
      const std::vector<Loop> saved = loops_;
      narrow(conditional->getCond(), true);
      expression(conditional->getTrueExpr(), use);
      loops_ = saved;
      narrow(conditional->getCond(), false);
      expression(conditional->getFalseExpr(), use);
      loops_ = saved;
      return;
    } else if (const auto* cast = dyn_cast<ImplicitCastExpr>(node)) {
      return expression(cast->getSubExpr(),
                        cast->getCastKind() == CK_LValueToRValue ? Use::Read : use);
    } else if (isa<LambdaExpr>(node)) {
      return; // its body runs only where it is called, and a call to it is checked there
    }
    for (const Stmt* child : node->children()) {
      if (const auto* value = dyn_cast_or_null<Expr>(child))
        expression(value, Use::Read);
      else
        statement(child);
    }
  }

  void binary_operator(const BinaryOperator& node) {
    const bool floating = node.getLHS()->getType()->isRealFloatingType();
    if (node.isAssignmentOp() && !node.isCompoundAssignmentOp()) {
      expression(node.getLHS(), Use::Write);
      return expression(node.getRHS(), Use::Read);
    }
    if (node.isCompoundAssignmentOp()) {
      const auto* product = dyn_cast<BinaryOperator>(node.getRHS()->IgnoreParenImpCasts());
      if (floating && (node.getOpcode() == BO_AddAssign || node.getOpcode() == BO_SubAssign) &&
          product && product->getOpcode() == BO_Mul && is_element_access(product->getLHS()) &&
          is_element_access(product->getRHS())) {
        facts_.counts.multiply_adds += multiplier_;
        expression(node.getLHS(), Use::ReadWrite);
        expression(product->getLHS(), Use::Read);
        return expression(product->getRHS(), Use::Read);
      }
      if (floating) facts_.counts.other_ops += multiplier_;
      expression(node.getLHS(), Use::ReadWrite);
      return expression(node.getRHS(), Use::Read);
    }
    if ((node.isComparisonOp() && floating) ||
        ((node.isAdditiveOp() || node.isMultiplicativeOp()) &&
         node.getType()->isRealFloatingType()))
      facts_.counts.other_ops += multiplier_;
    expression(node.getLHS(), Use::Read);
    expression(node.getRHS(), Use::Read);
  }

  // The array an access or pointer goes to: "ws.<member>", a parameter's or a local's name.
  struct Root {
    std::string name;
    bool memory = false; // a workspace member or a pointer parameter, not a local array
  };
  Root root_of(const Expr* base) const {
    base = base->IgnoreParenImpCasts();
    if (const auto* inner = dyn_cast<ArraySubscriptExpr>(base)) return root_of(inner->getBase());
    if (const auto* member = dyn_cast<MemberExpr>(base)) {
      std::string owner = "?";
      if (const auto* reference = dyn_cast<DeclRefExpr>(member->getBase()->IgnoreParenImpCasts()))
        owner = reference->getDecl()->getNameAsString();
      return {owner + "." + member->getMemberDecl()->getNameAsString(), true};
    }
    if (const auto* reference = dyn_cast<DeclRefExpr>(base))
      return {reference->getDecl()->getNameAsString(), isa<ParmVarDecl>(reference->getDecl())};
    return {"?", false};
  }

  // Elements of the array `base` designates (a constant array, or a pointer parameter of the
  // contract); -1 when unknown.
  std::int64_t extent_of(const Expr* base) const {
    base = base->IgnoreParenImpCasts();
    if (const auto* array = context_.getAsConstantArrayType(base->getType()))
      return array->getSize().getSExtValue();
    if (const auto* reference = dyn_cast<DeclRefExpr>(base))
      if (isa<ParmVarDecl>(reference->getDecl()))
        return model_.extents_.of(reference->getDecl()->getNameAsString(), lanes_);
    return -1;
  }

  std::int64_t element_bytes(QualType type) const {
    if (const auto* array = context_.getAsArrayType(type)) type = array->getElementType();
    if (type->isPointerType()) type = type->getPointeeType();
    return type->isIncompleteType() ? 0 : context_.getTypeSizeInChars(type).getQuantity();
  }

  // Checks `index` against `extent` elements of `name`; its range when it is known.
  std::optional<Range> check_index(const Expr* index, const std::string& name, std::int64_t extent,
                                   SourceLocation where) {
    if (extent < 0) {
      violation(where, fmt::format("'{}' is a pointer whose extent the verifier does not know "
                                   "(the contract's are params, grads, input, target, "
                                   "loss_per_lane, values, sums, batch)",
                                   name));
      return std::nullopt;
    }
    const Affine value = affine(index);
    if (!value.valid) {
      violation(index->getBeginLoc(),
                fmt::format("the index into '{}' is not an affine function of loop counters "
                            "and constants, so its range cannot be checked",
                            name));
      return std::nullopt;
    }
    const Range values = range(value);
    if (!values.known || values.empty) return std::nullopt;
    if (values.first < 0 || values.last >= extent) {
      violation(index->getBeginLoc(),
                values.first == values.last
                    ? fmt::format("index {} into '{}'{} is outside its {} elements", values.first,
                                  name, with_lanes(), extent)
                    : fmt::format("the index into '{}' takes the values {}..{}{}, outside its "
                                  "{} elements",
                                  name, values.first, values.last, with_lanes(), extent));
      return std::nullopt;
    }
    return values;
  }

  void subscript(const ArraySubscriptExpr& node, Use use) {
    const Expr* base = node.getBase()->IgnoreParenImpCasts();
    expression(node.getIdx(), Use::Read);
    if (const auto* inner = dyn_cast<ArraySubscriptExpr>(base))
      subscript(*inner, Use::Address);
    else
      expression(base, Use::Address);
    const Root root = root_of(base);
    const auto values = check_index(node.getIdx(), root.name, extent_of(base), node.getBeginLoc());
    if (node.getType()->isArrayType() || use == Use::Address || !root.memory) return;
    if (use != Use::Write) facts_.counts.loads += multiplier_;
    if (use != Use::Read) facts_.counts.stores += multiplier_;
    if (values && !isa<ArraySubscriptExpr>(base))
      facts_.footprint.add(root.name, values->first, values->last, element_bytes(node.getType()));
  }

  // A pointer argument of a call to another function of the model: what the callee may read
  // from it (its parameter's extent under the contract) must lie inside what it points into.
  void pointer_argument(const Expr* argument, const ParmVarDecl& parameter,
                        std::int64_t callee_lanes, const std::string& callee) {
    const std::string parameter_name = parameter.getNameAsString();
    const std::int64_t needed = model_.extents_.of(parameter_name, callee_lanes);
    const Expr* base = argument->IgnoreParenImpCasts();
    Affine offset{true, 0, {}};
    if (const auto* sum = dyn_cast<BinaryOperator>(base);
        sum && sum->getOpcode() == BO_Add && sum->getLHS()->getType()->isPointerType()) {
      base = sum->getLHS()->IgnoreParenImpCasts();
      offset = affine(sum->getRHS());
    }
    const Root root = root_of(base);
    const std::int64_t extent = extent_of(base);
    if (needed < 0 || extent < 0 || !offset.valid) {
      violation(argument->getBeginLoc(),
                fmt::format("passes '{}' to {}'s parameter '{}': the verifier cannot bound what "
                            "it reads there",
                            root.name, callee, parameter_name));
      return;
    }
    const Range values = range(offset);
    if (!values.known || values.empty) return;
    if (values.first < 0 || values.last + needed > extent) {
      violation(argument->getBeginLoc(),
                fmt::format("{} reads {} elements of '{}' from offset {}..{}{}, beyond its {}",
                            callee, needed, root.name, values.first, values.last, with_lanes(),
                            extent));
      return;
    }
    if (root.memory && !kSharedPointers.count(parameter_name))
      facts_.footprint.add(root.name, values.first, values.last + needed - 1,
                           element_bytes(base->getType()));
  }

  bool is_math(const FunctionDecl& callee) const {
    const DeclContext* owner = callee.getDeclContext()->getRedeclContext();
    return kMath.count(callee.getNameAsString()) &&
           (callee.isInStdNamespace() || owner->isTranslationUnit() || callee.getBuiltinID() != 0);
  }

  void call(const CallExpr& node) {
    for (const Expr* argument : node.arguments()) expression(argument, Use::Read);
    if (const auto* member = dyn_cast<CXXMemberCallExpr>(&node)) {
      expression(member->getImplicitObjectArgument(), Use::Address);
      if (const auto* method = member->getMethodDecl(); method && method->isVirtual()) {
        violation(node.getBeginLoc(), fmt::format("calls the virtual function '{}'",
                                                  method->getQualifiedNameAsString()));
        return;
      }
    }
    const FunctionDecl* callee = node.getDirectCallee();
    if (!callee) {
      violation(node.getBeginLoc(), "calls through a function pointer");
      return expression(node.getCallee(), Use::Read);
    }
    const std::string name = callee->getNameAsString();
    const auto op = callee->getOverloadedOperator();
    if (op == OO_New || op == OO_Array_New || op == OO_Delete || op == OO_Array_Delete ||
        kAllocators.count(name)) {
      violation(node.getBeginLoc(), fmt::format("allocates memory: calls '{}'", name));
    } else if (model_.is_member(*callee)) {
      member_call(node, *callee);
    } else if (is_math(*callee)) {
      facts_.counts.other_ops += multiplier_;
    } else if (!callee->isConstexpr()) {
      violation(node.getBeginLoc(),
                fmt::format("calls '{}', which is not a function of the model, constexpr, or a "
                            "<cmath> function, so the verifier cannot see into it",
                            callee->getQualifiedNameAsString()));
    }
  }

  void member_call(const CallExpr& node, const FunctionDecl& callee) {
    const std::int64_t callee_lanes = ModelWalk::lanes_of(callee);
    for (unsigned i = 0; i < node.getNumArgs() && i < callee.getNumParams(); ++i)
      if (callee.getParamDecl(i)->getType()->isPointerType())
        pointer_argument(node.getArg(i), *callee.getParamDecl(i), callee_lanes,
                         callee.getNameAsString());
    nodes_->push_back({fmt::format("call {}", callee.getNameAsString()), {}, 1});
    auto& chain = model_.in_progress_;
    const auto* key = callee.getCanonicalDecl();
    if (const auto found = std::find(chain.begin(), chain.end(), key); found != chain.end()) {
      std::string path;
      for (auto at = found; at != chain.end(); ++at) path += (*at)->getNameAsString() + " -> ";
      violation(node.getBeginLoc(),
                fmt::format("recursion: {}{} (the same instantiation calls itself again)", path,
                            callee.getNameAsString()));
      return;
    }
    const FunctionFacts& called = model_.facts(callee);
    facts_.counts += called.counts.scaled(multiplier_);
    Footprint shared;
    for (const auto& [array, spans] : called.footprint.ranges)
      if (array.rfind("ws.", 0) == 0 || kSharedPointers.count(array)) {
        shared.ranges[array] = spans;
        shared.element_bytes[array] = called.footprint.element_bytes.at(array);
      }
    facts_.footprint.merge(shared);
  }

  ModelWalk& model_;
  ASTContext& context_;
  const FunctionDecl& function_;
  std::int64_t lanes_;
  std::vector<Loop> loops_;
  double multiplier_ = 1;
  std::vector<LoopNode>* nodes_ = nullptr;
  FunctionFacts facts_;
};

ModelWalk::ModelWalk(ASTContext& context, const CXXRecordDecl& model, PointerExtents extents,
                     Namer namer)
    : context_(context), model_(model), extents_(extents), namer_(std::move(namer)) {}

bool ModelWalk::is_member(const FunctionDecl& function) const {
  const auto* method = dyn_cast<CXXMethodDecl>(&function);
  return method && method->getParent()->getCanonicalDecl() == model_.getCanonicalDecl();
}

std::int64_t ModelWalk::lanes_of(const FunctionDecl& function) {
  const auto* arguments = function.getTemplateSpecializationArgs();
  const auto* primary = function.getPrimaryTemplate();
  if (!arguments || !primary) return 0;
  const auto* parameters = primary->getTemplateParameters();
  for (unsigned i = 0; i < arguments->size() && i < parameters->size(); ++i)
    if (parameters->getParam(i)->getName() == "L" &&
        arguments->get(i).getKind() == TemplateArgument::Integral)
      return arguments->get(i).getAsIntegral().getExtValue();
  return 0;
}

const FunctionFacts& ModelWalk::facts(const FunctionDecl& function) {
  const auto* key = function.getCanonicalDecl();
  if (const auto found = done_.find(key); found != done_.end()) return found->second;
  for (const ParmVarDecl* parameter : function.parameters()) {
    const QualType type = parameter->getType();
    if (type->isFunctionPointerType() || type->isMemberFunctionPointerType())
      violation(parameter->getLocation(),
                fmt::format("'{}' is a function pointer", parameter->getNameAsString()));
  }
  if (const auto* method = dyn_cast<CXXMethodDecl>(&function); method && method->isVirtual())
    violation(function.getLocation(),
              fmt::format("'{}' is a virtual function", function.getNameAsString()));
  in_progress_.push_back(key);
  FunctionFacts facts = FunctionWalk(*this, function).run();
  in_progress_.pop_back();
  return done_.emplace(key, std::move(facts)).first->second;
}

void ModelWalk::violation(SourceLocation where, std::string message) {
  Location place = namer_(where);
  auto key = std::make_tuple(place.file, place.line, place.column);
  if (violations_.count(key)) return; // the first finding per place (e.g. the smallest L)
  violations_.emplace(std::move(key), Violation{std::move(place), std::move(message)});
}

std::vector<Violation> ModelWalk::violations() const {
  std::vector<Violation> out;
  for (const auto& [place, found] : violations_) out.push_back(found);
  return out;
}

} // namespace cnnc::inspect
