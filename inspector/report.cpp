// Formats what the analysis found (see report.hpp).
#include "inspector/report.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>

#include <fmt/core.h>

namespace cnnc::inspect {

namespace {

std::string thousands(double value) {
  const bool whole = std::abs(value - std::round(value)) < 1e-9;
  std::string digits =
      fmt::format("{}", static_cast<long long>(whole ? std::round(value) : std::floor(value)));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  if (!whole)
    out += fmt::format(".{}", static_cast<int>(std::round((value - std::floor(value)) * 10)) % 10);
  return out;
}

std::string location(const Location& where) {
  return fmt::format("{}:{}:{}", where.file, where.line, where.column);
}

std::optional<std::uint64_t> predicted(const Kernel& kernel) {
  return kernel.predicted_comment ? kernel.predicted_comment : kernel.predicted_table;
}

// "ok": its multiply-adds make the predicted FLOPs; "DIFF": they do not; "n/c": no
// multiply-adds, so the prediction (window taps or elements) is not compared; "-": none.
std::string verdict(const Kernel& kernel, int lanes) {
  const auto expected = predicted(kernel);
  if (!expected) return "-";
  if (kernel.predicted_comment && kernel.predicted_table &&
      *kernel.predicted_comment != *kernel.predicted_table)
    return "DIFF";
  const double multiply_adds = kernel.counts.multiply_adds / lanes;
  const double other = kernel.counts.other_ops / lanes;
  if (multiply_adds > 0)
    return std::abs(2 * multiply_adds - double(*expected)) < 0.5 ? "ok" : "DIFF";
  if ((*expected > 0 && other == 0) || (*expected == 0 && other > 0)) return "DIFF";
  return "n/c";
}

void print_nodes(std::string& out, const std::vector<LoopNode>& nodes, int depth) {
  for (const LoopNode& node : nodes) {
    out += fmt::format("{:{}}{}{}\n", "", 2 * depth, node.label,
                       node.repeat > 1 ? fmt::format("  (x{})", node.repeat) : "");
    print_nodes(out, node.children, depth + 1);
  }
}

void print_row(std::string& out, const Kernel& kernel, int lanes, bool compared, int width) {
  const Counts& c = kernel.counts;
  const double bytes = double(kernel.parameter_bytes + kernel.activation_bytes);
  const auto expected = predicted(kernel);
  out += fmt::format("{:<{}} {:>11} {:>10} {:>12} {:>12} {:>5} {:>11} {:>10} {:>9} {:>9} {:>7}\n",
                     kernel.name, width, thousands(c.multiply_adds / lanes),
                     thousands(c.other_ops / lanes), thousands(c.flops() / lanes),
                     expected ? thousands(double(*expected)) : "-",
                     compared ? verdict(kernel, lanes) : "", thousands(c.loads / lanes),
                     thousands(c.stores / lanes), thousands(double(kernel.parameter_bytes)),
                     thousands(double(kernel.activation_bytes) / lanes),
                     bytes > 0 ? fmt::format("{:.2f}", c.flops() / bytes) : "-");
}

} // namespace

std::string format_listing(const Analysis& analysis, const std::string& display_path) {
  std::string out = fmt::format(
      "{}: {} kernels of {}, counted on the AST per sample (one call handles L = {} samples)\n\n",
      display_path, analysis.kernels.size(), analysis.model, analysis.lanes);
  int width = 28;
  for (const Kernel& kernel : analysis.kernels) width = std::max(width, int(kernel.name.size()));
  out += fmt::format("{:<{}} {:>11} {:>10} {:>12} {:>12} {:>5} {:>11} {:>10} {:>9} {:>9} {:>7}\n",
                     "kernel", width, "mul-adds", "other ops", "FLOPs", "predicted", "", "loads",
                     "stores", "param B", "act. B", "FLOP/B");
  for (const Kernel& kernel : analysis.kernels) print_row(out, kernel, analysis.lanes, true, width);
  for (const Kernel& kernel : analysis.totals) print_row(out, kernel, analysis.lanes, false, width);
  out += fmt::format(
      "\nFLOPs = 2 x mul-adds + other ops. predicted: the kernel's cost comment (kLayers agrees "
      "unless marked DIFF);\nok: 2 x mul-adds is the prediction; n/c: no multiply-adds, so the "
      "prediction (window taps or elements)\nis not compared. param B: distinct bytes of params "
      "and grads per call; act. B: distinct bytes of the\nworkspace, input and target per sample. "
      "FLOP/B: a call's FLOPs over the bytes it touches (L = {}).\n",
      analysis.lanes);
  out += "\nloop nests (constant trip counts; L is the lane count):\n";
  for (const Kernel& kernel : analysis.kernels) {
    out += fmt::format("\n{}  ({})\n", kernel.name, location(kernel.where));
    print_nodes(out, kernel.loops, 1);
  }
  return out;
}

std::vector<std::string> cost_disagreements(const Analysis& analysis) {
  std::vector<std::string> out;
  const int lanes = analysis.lanes;
  for (const Kernel& kernel : analysis.kernels) {
    if (verdict(kernel, lanes) != "DIFF") continue;
    const std::string where = location(kernel.where);
    const double multiply_adds = kernel.counts.multiply_adds / lanes;
    const std::uint64_t expected = *predicted(kernel);
    if (kernel.predicted_comment && kernel.predicted_table &&
        *kernel.predicted_comment != *kernel.predicted_table)
      out.push_back(fmt::format("{}: {}: its cost comment predicts {} FLOPs per sample, but "
                                "kLayers says {}",
                                where, kernel.name, thousands(double(*kernel.predicted_comment)),
                                thousands(double(*kernel.predicted_table))));
    else if (multiply_adds > 0)
      out.push_back(fmt::format("{}: {}: predicted {} FLOPs per sample, but the AST counts {} "
                                "multiply-adds per sample, which make {} FLOPs",
                                where, kernel.name, thousands(double(expected)),
                                thousands(multiply_adds), thousands(2 * multiply_adds)));
    else if (expected > 0)
      out.push_back(fmt::format("{}: {}: predicted {} FLOPs per sample, but the kernel does no "
                                "floating-point arithmetic",
                                where, kernel.name, thousands(double(expected))));
    else
      out.push_back(fmt::format("{}: {}: predicted no work, but the AST counts {} operations per "
                                "sample",
                                where, kernel.name, thousands(kernel.counts.other_ops / lanes)));
  }
  return out;
}

std::string kernel_text(const Kernel& kernel, const std::string& header_text) {
  std::istringstream in(header_text);
  std::string out;
  unsigned number = 0;
  for (std::string line; std::getline(in, line);) {
    if (++number < kernel.first_line) continue;
    if (number > kernel.last_line) break;
    out += (line.rfind("  ", 0) == 0 ? line.substr(2) : line) + "\n";
  }
  return out;
}

} // namespace cnnc::inspect
