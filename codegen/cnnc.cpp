// The cnnc command: `check` a .cnn file, `generate` its C++, `inspect` one layer's kernels.
// Exit codes: 0 ok, 1 the file has errors (or an output cannot be written), 2 usage error.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <unistd.h>

#include <fmt/core.h>

#include "codegen/emit.hpp"
#include "codegen/inspect.hpp"
#include "dsl/driver.hpp"

namespace {

constexpr int kOk = 0;
constexpr int kUserError = 1;
constexpr int kUsage = 2;

constexpr std::string_view kUsageText = R"(usage: cnnc <command> [options]

commands:
  check FILE              check a model file; print its summary or its errors
  generate FILE -o DIR    write the model's fixed-size C++ into DIR/<name>.hpp
  inspect FILE LAYER      print one layer's emitted kernels, with shapes and cost

options:
  -o, --output DIR        (generate) the output folder, created if missing
  --name NAME             (generate) the C++ namespace cnn::NAME (default: the model's name)
  --unroll N|full         (generate, inspect) statements a loop body may be unrolled to (default 256)
  -q, --quiet             (check) print nothing when the file is clean
  --color, --no-color     colored diagnostics (default: when stderr is a terminal)
  -h, --help              this text
  --version               cnnc's version

exit codes: 0 ok, 1 errors in the file or an output that cannot be written, 2 usage error
)";

int usage_error(const std::string& message) {
  fmt::print(stderr, "cnnc: {}\n{}", message, kUsageText);
  return kUsage;
}

struct Options {
  std::string command;
  std::string file;
  std::string layer; // inspect
  std::string output;
  std::string name;
  std::int64_t unroll = 0;
  bool quiet = false;
  bool color = false;
};

// Writes `text` to `path` through a temporary file in the same folder and a rename, so a failed
// write never leaves a half-written file where a good one was.
bool write_atomically(const std::filesystem::path& path, const std::string& text,
                      std::string& error) {
  const auto temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      error = fmt::format("cannot write '{}'", temporary);
      return false;
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      error = fmt::format("cannot write '{}'", temporary);
      std::remove(temporary.c_str());
      return false;
    }
  }
  std::error_code code;
  std::filesystem::rename(temporary, path, code);
  if (code) {
    error = fmt::format("cannot replace '{}': {}", path.string(), code.message());
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

int run(const Options& options) {
  cnnc::CheckResult result = cnnc::check_file(options.file);
  cnnc::print_diagnostics(std::cerr, result, options.color);
  if (!result.model) return kUserError;
  if (options.command == "check") {
    if (!options.quiet) std::cout << cnnc::format_summary(*result.model);
    return kOk;
  }
  if (options.command == "inspect") {
    cnnc::EmitOptions emit;
    emit.name = options.name;
    emit.unroll_budget = options.unroll;
    const auto text = cnnc::inspect_layer(*result.model, emit, options.layer);
    if (!text) {
      std::string names;
      for (const auto& layer : result.model->layers)
        names += (names.empty() ? "" : ", ") + layer.name;
      fmt::print(stderr, "cnnc: error: {} has no layer '{}' (its layers: {})\n", options.file,
                 options.layer, names);
      return kUserError;
    }
    std::cout << *text;
    return kOk;
  }

  cnnc::EmitOptions emit;
  emit.name = options.name;
  emit.unroll_budget = options.unroll;
  const auto files = cnnc::emit_model(*result.model, emit);
  std::error_code code;
  std::filesystem::create_directories(options.output, code);
  if (code) {
    fmt::print(stderr, "cnnc: error: cannot create folder '{}': {}\n", options.output,
               code.message());
    return kUserError;
  }
  for (const auto& file : files) {
    std::string error;
    if (!write_atomically(std::filesystem::path(options.output) / file.path, file.text, error)) {
      fmt::print(stderr, "cnnc: error: {}\n", error);
      return kUserError;
    }
    if (!options.quiet)
      fmt::print("wrote {}\n", (std::filesystem::path(options.output) / file.path).string());
  }
  return kOk;
}

} // namespace

int main(int argc, char** argv) {
  Options options;
  options.color = isatty(STDERR_FILENO) && std::getenv("NO_COLOR") == nullptr;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* what) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)what;
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      fmt::print("{}", kUsageText);
      return kOk;
    } else if (arg == "--version") {
      fmt::print("cnnc {}\n", CNNC_VERSION);
      return kOk;
    } else if (arg == "-o" || arg == "--output") {
      const char* v = value("folder");
      if (!v) return usage_error(arg + " needs a folder");
      options.output = v;
    } else if (arg == "--name") {
      const char* v = value("name");
      if (!v) return usage_error("--name needs a name");
      options.name = v;
    } else if (arg == "--unroll") {
      const char* v = value("budget");
      if (!v) return usage_error("--unroll needs a statement count or 'full'");
      const std::string text = v;
      if (text == "full") {
        options.unroll = std::int64_t(1) << 40;
      } else {
        try {
          std::size_t used = 0;
          options.unroll = std::stoll(text, &used);
          if (used != text.size() || options.unroll < 1) throw std::invalid_argument(text);
        } catch (const std::exception&) {
          return usage_error(
              fmt::format("--unroll takes a positive count or 'full', not '{}'", text));
        }
      }
    } else if (arg == "-q" || arg == "--quiet") {
      options.quiet = true;
    } else if (arg == "--color") {
      options.color = true;
    } else if (arg == "--no-color") {
      options.color = false;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage_error(fmt::format("unknown option '{}'", arg));
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.empty()) return usage_error("no command given");
  options.command = positional[0];
  if (options.command != "check" && options.command != "generate" && options.command != "inspect") {
    return usage_error(fmt::format("unknown command '{}'", options.command));
  }
  if (options.command == "inspect") {
    if (positional.size() != 3) return usage_error("inspect takes a model file and a layer name");
    options.file = positional[1];
    options.layer = positional[2];
    return run(options);
  }
  if (positional.size() != 2) {
    return usage_error(fmt::format("{} takes exactly one model file", options.command));
  }
  options.file = positional[1];
  if (options.command == "generate" && options.output.empty()) {
    return usage_error("generate needs an output folder (-o DIR)");
  }
  return run(options);
}
