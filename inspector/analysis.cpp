// Parses the generated header with Clang (the unit from header_source.cpp), finds the model's
// struct and walks every instantiated function of it (function_walk.cpp).
#include "inspector/analysis.hpp"

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include <clang/AST/APValue.h>
#include <clang/AST/ASTContext.h>
#include <clang/AST/DeclTemplate.h>
#include <clang/Frontend/ASTUnit.h>
#include <clang/Tooling/Tooling.h>
#include <fmt/core.h>

#include "inspector/function_walk.hpp"

namespace cnnc::inspect {

using namespace clang;

namespace {

const CXXRecordDecl* find_model(const DeclContext& scope, const std::string& name, bool in_cnn) {
  for (const Decl* decl : scope.decls()) {
    const auto* space = dyn_cast<NamespaceDecl>(decl);
    if (!space) continue;
    if (!in_cnn && space->getName() == "cnn") {
      if (const auto* found = find_model(*space, name, true)) return found;
    } else if (in_cnn && space->getName() == name) {
      for (const Decl* member : space->decls())
        if (const auto* record = dyn_cast<CXXRecordDecl>(member);
            record && record->getName() == "Model" && record->isThisDeclarationADefinition())
          return record;
    }
  }
  return nullptr;
}

const VarDecl* member_variable(const CXXRecordDecl& model, const std::string& name) {
  for (const Decl* decl : model.decls())
    if (const auto* var = dyn_cast<VarDecl>(decl); var && var->getName() == name) return var;
  return nullptr;
}

std::int64_t member_constant(const CXXRecordDecl& model, const std::string& name) {
  const VarDecl* var = member_variable(model, name);
  const APValue* value = var ? var->evaluateValue() : nullptr;
  return value && value->isInt() ? value->getInt().getExtValue() : -1;
}

// kLayers' forward_flops and backward_flops by layer name, read from its constant initializer.
std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>
layer_table(const CXXRecordDecl& model, ASTContext& context) {
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> table;
  const VarDecl* var = member_variable(model, "kLayers");
  const APValue* value = var ? var->evaluateValue() : nullptr;
  const auto* array = var ? context.getAsConstantArrayType(var->getType()) : nullptr;
  const RecordDecl* info = array ? array->getElementType()->getAsRecordDecl() : nullptr;
  if (!value || !value->isArray() || !info) return table;
  int name_field = -1, forward_field = -1, backward_field = -1;
  for (const FieldDecl* field : info->fields()) {
    if (field->getName() == "name") name_field = int(field->getFieldIndex());
    if (field->getName() == "forward_flops") forward_field = int(field->getFieldIndex());
    if (field->getName() == "backward_flops") backward_field = int(field->getFieldIndex());
  }
  if (name_field < 0 || forward_field < 0 || backward_field < 0) return table;
  for (unsigned i = 0; i < value->getArrayInitializedElts(); ++i) {
    const APValue& layer = value->getArrayInitializedElt(i);
    if (!layer.isStruct()) continue;
    const APValue& name = layer.getStructField(unsigned(name_field));
    const APValue& forward = layer.getStructField(unsigned(forward_field));
    const APValue& backward = layer.getStructField(unsigned(backward_field));
    if (!name.isLValue() || !forward.isInt() || !backward.isInt()) continue;
    const auto* literal =
        dyn_cast_or_null<StringLiteral>(name.getLValueBase().dyn_cast<const Expr*>());
    if (!literal) continue;
    table[literal->getString().str()] = {forward.getInt().getZExtValue(),
                                         backward.getInt().getZExtValue()};
  }
  return table;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The first line of the comment block right above line `line` (1-based), or `line`.
unsigned comment_start(const std::vector<std::string>& lines, unsigned line) {
  unsigned first = line;
  while (first > 1) {
    const std::string& above = lines[first - 2];
    const auto text = above.find_first_not_of(' ');
    if (text == std::string::npos || above.compare(text, 2, "//") != 0) break;
    --first;
  }
  return first;
}

std::optional<std::uint64_t> predicted_in_comment(const std::vector<std::string>& lines,
                                                  unsigned first, unsigned last) {
  static const std::regex cost(R"(cost per sample: ([0-9,]+) FLOPs)");
  for (unsigned line = first; line < last && line <= lines.size(); ++line) {
    std::smatch match;
    if (!std::regex_search(lines[line - 1], match, cost)) continue;
    std::string digits = match[1];
    digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
    return std::stoull(digits);
  }
  return std::nullopt;
}

// The template template argument of a kernel instantiated for a workspace ("Workspace"), or "".
std::string workspace_of(const FunctionDecl& function) {
  if (const auto* arguments = function.getTemplateSpecializationArgs())
    for (const TemplateArgument& argument : arguments->asArray())
      if (argument.getKind() == TemplateArgument::Template)
        if (const auto* decl = argument.getAsTemplate().getAsTemplateDecl())
          return decl->getNameAsString();
  return "";
}

// Equal siblings in a row become one node with a repeat count; a run of equal groups of two to
// four siblings becomes one "repeated" node holding the group.
std::vector<LoopNode> collapse(std::vector<LoopNode> nodes) {
  for (LoopNode& node : nodes) node.children = collapse(std::move(node.children));
  std::vector<LoopNode> out;
  for (LoopNode& node : nodes) {
    if (!out.empty() && out.back().label == node.label && out.back().children == node.children)
      out.back().repeat += node.repeat;
    else
      out.push_back(std::move(node));
  }
  for (std::size_t period = 2; period <= 4; ++period) {
    std::vector<LoopNode> grouped;
    for (std::size_t at = 0; at < out.size();) {
      std::size_t copies = 1;
      while (at + (copies + 1) * period <= out.size() &&
             std::equal(out.begin() + long(at), out.begin() + long(at + period),
                        out.begin() + long(at + copies * period)))
        ++copies;
      if (copies == 1) {
        grouped.push_back(std::move(out[at++]));
        continue;
      }
      LoopNode group{"repeated", {}, int(copies)};
      group.children.assign(out.begin() + long(at), out.begin() + long(at + period));
      grouped.push_back(std::move(group));
      at += copies * period;
    }
    out = std::move(grouped);
  }
  return out;
}

} // namespace

std::optional<Analysis> analyse(const HeaderSource& header, const AnalysisOptions& options,
                                std::string& error) {
  std::set<int> lane_set(options.verify_lanes.begin(), options.verify_lanes.end());
  lane_set.insert(options.lanes);
  const std::vector<int> lanes(lane_set.begin(), lane_set.end());

  std::vector<std::string> arguments = {"-std=c++20", "-fsyntax-only", "-w", "-xc++"};
  if (!options.resource_dir.empty()) arguments.push_back("-resource-dir=" + options.resource_dir);
  for (const auto& folder : options.include_dirs) arguments.push_back("-I" + folder);
  const std::string unit_path =
      (std::filesystem::path(header.path).parent_path() / "cnnc-inspect-instantiations.cpp")
          .string();
  // Clang keeps pointing into these buffers (line numbers are computed lazily): they must
  // outlive the unit.
  const std::string code = instantiation_unit(header, lanes);
  const tooling::FileContentMappings mapped = {{header.path, header.text}};
  const std::unique_ptr<ASTUnit> unit = tooling::buildASTFromCodeWithArgs(
      code, arguments, unit_path, "cnnc-inspect", std::make_shared<PCHContainerOperations>(),
      tooling::getClangStripDependencyFileAdjuster(), mapped);
  if (!unit || unit->getDiagnostics().hasErrorOccurred()) {
    error = fmt::format("'{}' does not compile (Clang's errors are above)", header.display_path);
    return std::nullopt;
  }
  ASTContext& context = unit->getASTContext();
  const CXXRecordDecl* model =
      find_model(*context.getTranslationUnitDecl(), header.model_name, false);
  if (!model) {
    error =
        fmt::format("'{}' has no struct cnn::{}::Model", header.display_path, header.model_name);
    return std::nullopt;
  }

  SourceManager& sources = context.getSourceManager();
  auto namer = [&](SourceLocation where) {
    const SourceLocation place = sources.getFileLoc(where);
    Location out{sources.getFilename(place).str(), sources.getSpellingLineNumber(place),
                 sources.getSpellingColumnNumber(place)};
    if (out.file == header.path) out.file = header.display_path;
    return out;
  };
  PointerExtents extents{member_constant(*model, "kParamCount"),
                         member_constant(*model, "kInputSize"),
                         member_constant(*model, "kOutputSize")};
  ModelWalk walk(context, *model, extents, namer);
  const auto table = layer_table(*model, context);
  const auto lines = lines_of(header.text);

  Analysis analysis;
  analysis.model = "cnn::" + header.model_name;
  analysis.lanes = options.lanes;
  analysis.verified_lanes = lanes;
  // Every instantiation is walked (that is where the checks run); the listing shows those with
  // the listing's lane count and the training workspace.
  std::vector<const FunctionDecl*> functions;
  for (const Decl* decl : model->decls()) {
    if (const auto* pattern = dyn_cast<FunctionTemplateDecl>(decl)) {
      std::vector<const FunctionDecl*> specializations(pattern->spec_begin(), pattern->spec_end());
      std::sort(specializations.begin(), specializations.end(),
                [](const FunctionDecl* a, const FunctionDecl* b) {
                  return ModelWalk::lanes_of(*a) < ModelWalk::lanes_of(*b);
                });
      functions.insert(functions.end(), specializations.begin(), specializations.end());
    } else if (const auto* method = dyn_cast<CXXMethodDecl>(decl); method && method->hasBody()) {
      functions.push_back(method);
    }
  }
  for (const FunctionDecl* function : functions) {
    const FunctionFacts& facts = walk.facts(*function);
    if (ModelWalk::lanes_of(*function) != options.lanes) continue;
    const std::string workspace = workspace_of(*function);
    if (!workspace.empty() && workspace != "Workspace") continue;
    const std::string name = function->getNameAsString();
    Kernel kernel;
    kernel.function = name;
    std::string layer, direction;
    for (const std::string suffix : {"_forward", "_backward"})
      if (name.size() > suffix.size() && name.ends_with(suffix)) {
        layer = name.substr(0, name.size() - suffix.size());
        direction = suffix.substr(1);
      }
    const bool total = name == "forward" || name == "backward";
    if (!layer.empty())
      kernel.name = layer + "." + direction;
    else if (name == "loss" || name == "loss_gradient")
      kernel.name = name;
    else if (total)
      kernel.name = "model." + name;
    else
      continue; // a helper such as lane_sum: counted where it is called
    const Decl* pattern = function->getPrimaryTemplate()
                              ? static_cast<const Decl*>(function->getPrimaryTemplate())
                              : function;
    kernel.where = namer(function->getLocation());
    kernel.first_line = comment_start(lines, namer(pattern->getBeginLoc()).line);
    kernel.last_line = namer(pattern->getEndLoc()).line;
    kernel.counts = facts.counts;
    kernel.loops = collapse(facts.loops);
    kernel.parameter_bytes =
        facts.footprint.bytes([](const std::string& a) { return a == "params" || a == "grads"; });
    kernel.activation_bytes = facts.footprint.bytes([](const std::string& a) {
      return a.rfind("ws.", 0) == 0 || a == "input" || a == "target";
    });
    kernel.predicted_comment =
        predicted_in_comment(lines, kernel.first_line, namer(pattern->getBeginLoc()).line);
    if (const auto row = table.find(layer); row != table.end())
      kernel.predicted_table = direction == "forward" ? row->second.first : row->second.second;
    if (total) {
      std::uint64_t sum = 0;
      for (const auto& [layer_name, flops] : table)
        sum += name == "forward" ? flops.first : flops.second;
      kernel.predicted_table = sum;
      analysis.totals.push_back(std::move(kernel));
    } else {
      analysis.kernels.push_back(std::move(kernel));
    }
  }
  std::sort(analysis.kernels.begin(), analysis.kernels.end(),
            [](const Kernel& a, const Kernel& b) { return a.first_line < b.first_line; });
  analysis.violations = walk.violations();
  return analysis;
}

} // namespace cnnc::inspect
