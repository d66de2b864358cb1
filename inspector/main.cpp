// cnnc-inspect: the kernels of a generated header, read by Clang. Lists every kernel with its
// loop nest and counted costs next to the predicted ones, prints one kernel (--kernel), or
// proves the fixed-size promise (--verify). `cnnc inspect FILE` runs it.
// Exit codes: 0 ok, 1 a finding (violation, cost disagreement under --verify, unknown kernel)
// or a file that cannot be read or compiled, 2 usage error.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <fmt/core.h>

#include "cnn/suggest.hpp"
#include "inspector/analysis.hpp"
#include "inspector/format_check.hpp"
#include "inspector/header_source.hpp"
#include "inspector/report.hpp"

namespace {

using namespace cnnc::inspect;

constexpr int kOk = 0;
constexpr int kFinding = 1;
constexpr int kUsage = 2;

// The lane counts --verify instantiates besides --lanes: one lane, an odd count (lane_sum's
// uneven fold) and the runtime's eight.
const std::vector<int> kVerifyLanes = {1, 3, 8};

constexpr std::string_view kHelp = R"(usage: cnnc-inspect FILE [options]
       cnnc inspect FILE [options]

Reads the kernels of a generated header (FILE a generated .hpp, or a .cnn file generated in
memory first) with Clang, and lists every kernel: its loop nest with constant trip counts, its
multiply-adds and other operations, loads, stores, bytes touched and arithmetic intensity, all
counted on the AST, next to the FLOPs its cost comment and the kLayers table predict.

options:
  --kernel NAME     print one kernel with its shape comment (conv2d_1.forward, loss, or a
                    layer name for both of its kernels)
  --verify          prove the fixed-size promise: constant loop bounds, indices in range, no
                    allocation, recursion, virtual call or function pointer; check the predicted
                    costs and the formatting (a warning). Exit 1 on a finding.
  --lanes N         the lane count L the kernels are instantiated with (default 8)
  --unroll N|full   for a .cnn FILE: statements a loop body may be unrolled to
  --name NAME       for a .cnn FILE: the C++ namespace cnn::NAME
  -I DIR            where cnn/model_info.hpp is (default: this cnnc's runtime headers)
  --color, --no-color
  -h, --help        this text
exit codes: 0 ok, 1 a finding or a file that cannot be read or compiled, 2 usage error
)";

struct Options {
  std::string file;
  std::string kernel;
  bool verify = false;
  int lanes = 8;
  SourceOptions source;
  std::vector<std::string> include_dirs;
};

int usage(const std::string& message) {
  fmt::print(stderr, "cnnc-inspect: {}\nTry 'cnnc-inspect --help'.\n", message);
  return kUsage;
}

std::optional<std::int64_t> positive(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1) return std::nullopt;
  return value;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, separator);)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

// Clang's resource directory: $CNNC_CLANG_RESOURCE_DIR, the one found at configure time, or
// what clang-14 says now.
std::string resource_dir() {
  if (const char* chosen = std::getenv("CNNC_CLANG_RESOURCE_DIR")) return chosen;
  const std::string baked = CNNC_CLANG_RESOURCE_DIR;
  if (!baked.empty() && std::filesystem::exists(baked + "/include/stddef.h")) return baked;
  if (FILE* pipe = ::popen("clang-14 -print-resource-dir 2>/dev/null", "r")) {
    char buffer[4096] = {};
    const std::size_t size = std::fread(buffer, 1, sizeof buffer - 1, pipe);
    ::pclose(pipe);
    std::string asked(buffer, size);
    while (!asked.empty() && (asked.back() == '\n' || asked.back() == ' ')) asked.pop_back();
    if (!asked.empty()) return asked;
  }
  return baked;
}

int run(const Options& options) {
  std::string error;
  const auto header = load_header(options.file, options.source, error);
  if (!header) {
    if (!error.empty()) fmt::print(stderr, "cnnc-inspect: error: {}\n", error);
    return kFinding;
  }
  AnalysisOptions analysis_options;
  analysis_options.lanes = options.lanes;
  if (options.verify) analysis_options.verify_lanes = kVerifyLanes;
  analysis_options.include_dirs = options.include_dirs;
  for (const auto& folder : split(CNNC_RUNTIME_INCLUDE_DIRS, ':'))
    if (std::filesystem::exists(folder + "/cnn/model_info.hpp"))
      analysis_options.include_dirs.push_back(folder);
  analysis_options.resource_dir = resource_dir();
  const auto analysis = analyse(*header, analysis_options, error);
  if (!analysis) {
    fmt::print(stderr, "cnnc-inspect: error: {}\n", error);
    return kFinding;
  }
  const std::string shown_path =
      header->origin.empty()
          ? header->display_path
          : fmt::format("{} (generated from {})", header->display_path, header->origin);

  if (!options.kernel.empty()) {
    std::string text;
    std::vector<std::string> names;
    for (const Kernel& kernel : analysis->kernels) {
      names.push_back(kernel.name);
      const auto dot = kernel.name.find('.');
      if (kernel.name == options.kernel || kernel.function == options.kernel ||
          (dot != std::string::npos && kernel.name.substr(0, dot) == options.kernel))
        text += (text.empty() ? "" : "\n") + kernel_text(kernel, header->text);
    }
    if (text.empty()) {
      std::vector<std::string_view> candidates(names.begin(), names.end());
      const std::string suggestion = cnn::did_you_mean(options.kernel, candidates);
      std::string listed;
      for (const auto& name : names) listed += (listed.empty() ? "" : ", ") + name;
      fmt::print(stderr, "cnnc-inspect: error: {} has no kernel '{}'{}\n", shown_path,
                 options.kernel,
                 suggestion.empty() ? fmt::format(" (its kernels: {})", listed) : suggestion);
      return kFinding;
    }
    std::cout << text;
    return kOk;
  }

  const auto disagreements = cost_disagreements(*analysis);
  if (!options.verify) {
    std::cout << format_listing(*analysis, shown_path);
    if (!disagreements.empty()) std::cout << "\n";
    for (const auto& line : disagreements) std::cout << "disagreement: " << line << "\n";
    return kOk;
  }

  for (const Violation& violation : analysis->violations)
    fmt::print(stderr, "{}:{}:{}: error: {}\n", violation.where.file, violation.where.line,
               violation.where.column, violation.message);
  for (const auto& line : disagreements)
    fmt::print(stderr, "{}\n", fmt::format("{}", line).insert(line.find(": ") + 2, "error: "));
  const FormatFinding format =
      check_format(header->text, header->origin.empty() ? header->path : header->origin,
                   CNNC_DEFAULT_CLANG_FORMAT);
  if (!format.error.empty())
    fmt::print(stderr, "{}: warning: formatting not checked: {}\n", header->display_path,
               format.error);
  else if (format.changes > 0) {
    fmt::print(stderr,
               "{}: warning: not clang-format clean ({}): clang-format would make {} changes on "
               "{} lines; the first:\n",
               header->display_path, format.style_file, format.changes, format.lines);
    for (const auto& change : format.first_changes)
      fmt::print(stderr, "  {}:{}\n", header->display_path, change);
  }
  const bool failed = !analysis->violations.empty() || !disagreements.empty();
  std::string lanes;
  for (const int count : analysis->verified_lanes)
    lanes += (lanes.empty() ? "" : ", ") + std::to_string(count);
  if (failed)
    fmt::print("{}: {} violations of the fixed-size promise, {} cost disagreements (L = {})\n",
               shown_path, analysis->violations.size(), disagreements.size(), lanes);
  else
    fmt::print("{}: verified with L = {}: {} kernels; every loop bound is a compile-time "
               "constant, every index is in range, no allocation, recursion, virtual call or "
               "function pointer; every multiply-add count matches its predicted FLOPs\n",
               shown_path, lanes, analysis->kernels.size());
  return failed ? kFinding : kOk;
}

} // namespace

int main(int argc, char** argv) {
  Options options;
  options.source.color = isatty(STDERR_FILENO) && std::getenv("NO_COLOR") == nullptr;
  std::vector<std::string> arguments(argv + 1, argv + argc);
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    std::string argument = arguments[i];
    std::string value;
    bool has_value = false;
    if (argument.starts_with("--") && argument.find('=') != std::string::npos) {
      value = argument.substr(argument.find('=') + 1);
      argument = argument.substr(0, argument.find('='));
      has_value = true;
    }
    auto take = [&]() -> std::optional<std::string> {
      if (has_value) return value;
      if (i + 1 < arguments.size()) return arguments[++i];
      return std::nullopt;
    };
    if (argument == "-h" || argument == "--help") {
      fmt::print("{}", kHelp);
      return kOk;
    } else if (argument == "--verify") {
      options.verify = true;
    } else if (argument == "--color" || argument == "--no-color") {
      options.source.color = argument == "--color";
    } else if (argument == "--kernel" || argument == "--lanes" || argument == "--unroll" ||
               argument == "--name" || argument == "-I") {
      const auto given = take();
      if (!given) return usage(argument + " needs a value");
      if (argument == "--kernel") options.kernel = *given;
      if (argument == "--name") options.source.name = *given;
      if (argument == "-I") options.include_dirs.push_back(*given);
      if (argument == "--lanes") {
        const auto count = positive(*given);
        if (!count || *count > 64) return usage("--lanes takes a count from 1 to 64");
        options.lanes = int(*count);
      }
      if (argument == "--unroll") {
        const auto budget = *given == "full" ? std::optional<std::int64_t>(std::int64_t(1) << 40)
                                             : positive(*given);
        if (!budget)
          return usage("--unroll takes a positive count or 'full', not '" + *given + "'");
        options.source.unroll_budget = *budget;
      }
    } else if (argument.starts_with("-I") && argument.size() > 2) {
      options.include_dirs.push_back(argument.substr(2));
    } else if (argument.starts_with("-")) {
      const std::string_view known[] = {"--kernel", "--verify", "--lanes",    "--unroll",
                                        "--name",   "--color",  "--no-color", "--help"};
      return usage(
          fmt::format("unknown option '{}'{}", argument, cnn::did_you_mean(argument, known)));
    } else if (options.file.empty()) {
      options.file = argument;
    } else {
      return usage(fmt::format("unexpected argument '{}' (cnnc-inspect takes one FILE; a kernel "
                               "is chosen with --kernel NAME)",
                               argument));
    }
  }
  if (options.file.empty()) return usage("no FILE given (a .cnn model or a generated .hpp)");
  if (!options.kernel.empty() && options.verify)
    return usage("--kernel and --verify do not go together");
  return run(options);
}
