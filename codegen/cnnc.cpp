// The cnnc command: `check` a .cnn file, `generate` its C++, `inspect` its kernels (through
// cnnc-inspect, the Clang-based inspector, or one layer's text without it).
// Exit codes: 0 ok, 1 the file has errors (or an output cannot be written), 2 usage error.
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "codegen/emit.hpp"
#include "codegen/inspect.hpp"
#include "codegen/unroll.hpp"
#include "dsl/driver.hpp"
#include "dsl/edit_distance.hpp"
#include "dsl/identifier.hpp"
#include "dsl/printable.hpp"

namespace {

constexpr int kOk = 0;
constexpr int kUserError = 1;
constexpr int kUsage = 2;

constexpr std::string_view kExitCodes =
    "exit codes: 0 ok, 1 errors in the file or an output that cannot be written, 2 usage error\n";

constexpr std::string_view kMainHelp = R"(usage: cnnc <command> [options]

commands:
  check FILE              check a model file; print its summary or its errors
  generate FILE -o DIR    write the model's fixed-size C++ into DIR/<name>.hpp
  inspect FILE            list the kernels read by Clang: loops, counted costs, --verify
  inspect FILE LAYER      print one layer's emitted kernels, with shapes and cost

options:
  --color, --no-color     colored diagnostics (default: when stderr is a terminal)
  -h, --help              this text; 'cnnc <command> --help' lists a command's options
  --version               cnnc's version

A command's options follow it, as '--unroll 64' or '--unroll=64'.
)";

constexpr std::string_view kCheckHelp = R"(usage: cnnc check FILE [options]

Checks a model file: prints its summary (every layer's output shape, parameter count and cost)
on stdout, or every error with its file:line:col on stderr.

options:
  -q, --quiet             print nothing when the file is clean
  --color, --no-color     colored diagnostics (default: when stderr is a terminal)
  -h, --help              this text
)";

constexpr std::string_view kGenerateHelp = R"(usage: cnnc generate FILE -o DIR [options]

Checks a model file and writes its fixed-size C++ into DIR/<name>.hpp.

options:
  -o, --output DIR        the output folder, created if missing (required)
  --name NAME             the C++ namespace cnn::NAME (default: the model's name), a name
                          a model line could give
  --unroll N|full         statements a loop body may be unrolled to (default 256)
  --max-header MIB        refuse to write a header larger than this (default 64 MiB)
  -q, --quiet             do not list the files written
  --color, --no-color     colored diagnostics (default: when stderr is a terminal)
  -h, --help              this text
)";

constexpr std::string_view kInspectHelp = R"(usage: cnnc inspect FILE [options]
       cnnc inspect FILE LAYER [--unroll N|full]

FILE is a model file or a generated header. Without LAYER, runs cnnc-inspect (built with Clang's
libTooling, beside cnnc or on PATH), which lists every kernel with its loop nest and the costs
counted on its AST next to the predicted ones; see docs/inspect.md. With LAYER (a model file),
prints the kernels emitted for that layer, with their shapes and cost, without Clang.

options:
  --kernel NAME           print one kernel with its shape comment (conv2d_1.forward)
  --verify                prove the fixed-size promise on the AST; exit 1 on a finding
  --lanes N               the lane count L the kernels are instantiated with (default 8)
  --unroll N|full         statements a loop body may be unrolled to (default 256)
  --color, --no-color     colored diagnostics (default: when stderr is a terminal)
  -h, --help              this text
)";

struct Options {
  std::string command;
  std::string file;
  std::string layer;  // inspect
  std::string kernel; // inspect --kernel
  bool verify = false;
  std::string lanes;       // inspect --lanes, as given
  std::string unroll_text; // --unroll, as given
  std::string output;
  std::string name;
  std::int64_t unroll = 0;
  std::int64_t max_header_bytes = 0; // --max-header, in bytes; 0: the generator's default
  bool quiet = false;
  bool color = false;
};

// A command line that does not make sense: the message, and the command whose --help explains
// it ("" for cnnc's own).
struct UsageProblem {
  std::string message;
  std::string command;
};

// What parsing the command line came to: options to run, a usage problem, or nothing more to
// do (help or version printed).
struct Parsed {
  std::optional<Options> options;
  std::optional<UsageProblem> problem;
};

std::string_view help_of(std::string_view command) {
  if (command == "check") return kCheckHelp;
  if (command == "generate") return kGenerateHelp;
  if (command == "inspect") return kInspectHelp;
  return kMainHelp;
}

int usage_error(const UsageProblem& problem) {
  // The message may quote arguments: printed escaped and with long words cut.
  fmt::print(stderr, "cnnc: {}\nTry 'cnnc{}{} --help'.\n", cnnc::printable(problem.message),
             problem.command.empty() ? "" : " ", problem.command);
  return kUsage;
}

// Every spelling of the options `app` accepts ("-q", "--quiet", ...), positionals left out.
std::vector<std::string> option_spellings(const CLI::App& app) {
  std::vector<std::string> spellings;
  for (const CLI::Option* option : app.get_options()) {
    for (const auto& name : option->get_snames()) spellings.push_back("-" + name);
    for (const auto& name : option->get_lnames()) spellings.push_back("--" + name);
  }
  return spellings;
}

bool accepts(const CLI::App& app, std::string_view spelling) {
  for (const auto& known : option_spellings(app))
    if (known == spelling) return true;
  return false;
}

// The commands other than `app` that accept `spelling`, as "generate and inspect".
std::string commands_accepting(CLI::App& main_app, const CLI::App* except,
                               std::string_view spelling) {
  std::vector<std::string> names;
  for (const CLI::App* command : main_app.get_subcommands([](CLI::App*) { return true; }))
    if (command != except && accepts(*command, spelling)) names.push_back(command->get_name());
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return text;
}

// The problem with the first argument `app` did not recognise, if any. `command` is null for
// cnnc's own options (before the command).
std::optional<UsageProblem> left_over_problem(CLI::App& main_app, const CLI::App* command) {
  const CLI::App& app = command ? *command : main_app;
  const auto extras = app.remaining();
  if (extras.empty()) return std::nullopt;
  const std::string& extra = extras.front();
  const std::string where = command ? command->get_name() : "";
  if (extra.size() > 1 && extra[0] == '-') {
    const std::string spelling = extra.substr(0, extra.find('='));
    const std::string elsewhere = commands_accepting(main_app, command, spelling);
    if (!elsewhere.empty() && !command)
      return UsageProblem{
          fmt::format("{} is an option of {}; give it after the command", spelling, elsewhere),
          where};
    if (!elsewhere.empty())
      return UsageProblem{fmt::format("{} does not apply to {} (it is an option of {})", spelling,
                                      command->get_name(), elsewhere),
                          where};
    // One-letter options are too short for a suggestion to be more than a guess.
    std::vector<std::string> long_spellings;
    for (const auto& known : option_spellings(app))
      if (known.starts_with("--")) long_spellings.push_back(known);
    const std::string suggestion =
        spelling.starts_with("--") ? cnnc::did_you_mean(spelling, long_spellings) : "";
    return UsageProblem{fmt::format("unknown option '{}'{}", spelling, suggestion), where};
  }
  if (!command) {
    const std::string suggestion = cnnc::did_you_mean(extra, {"check", "generate", "inspect"});
    return UsageProblem{
        fmt::format("unknown command '{}'{}", extra,
                    suggestion.empty() ? " (expected check, generate or inspect)" : suggestion),
        ""};
  }
  return UsageProblem{
      fmt::format("unexpected argument '{}' ({} takes {})", extra, where,
                  where == "inspect" ? "a FILE and an optional LAYER name" : "one model FILE"),
      where};
}

// "N" (a positive count) or "full" (no limit), as --unroll takes it.
std::optional<std::int64_t> parse_unroll(const std::string& text) {
  if (text == "full") return std::int64_t(1) << 40;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1) return std::nullopt;
  return value;
}

Parsed parse_command_line(int argc, char** argv) {
  Options options;
  options.color = isatty(STDERR_FILENO) && std::getenv("NO_COLOR") == nullptr;
  bool help = false, version = false;
  std::string unroll;     // "" keeps the generator's default
  std::string max_header; // likewise

  // CLI11 splits the arguments (`--opt value`, `--opt=value`, `-qo DIR`) and picks the
  // command; every check and message is ours, so extras are collected rather than thrown and
  // the help texts are the ones above.
  CLI::App app("", "cnnc");
  app.set_help_flag();
  app.allow_extras();
  app.require_subcommand(0, 1);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_flag("-h,--help", help);
  app.add_flag("--version", version);
  app.add_flag("--color,!--no-color", options.color);

  auto add_command = [&](const char* name) {
    CLI::App* command = app.add_subcommand(name);
    command->set_help_flag();
    command->allow_extras();
    command->add_flag("-h,--help", help);
    command->add_flag("--color,!--no-color", options.color);
    command->add_option("FILE", options.file);
    return command;
  };
  CLI::App* check = add_command("check");
  check->add_flag("-q,--quiet", options.quiet);
  CLI::App* generate = add_command("generate");
  generate->add_option("-o,--output", options.output);
  generate->add_option("--name", options.name);
  generate->add_option("--unroll", unroll);
  generate->add_option("--max-header", max_header);
  generate->add_flag("-q,--quiet", options.quiet);
  CLI::App* inspect = add_command("inspect");
  inspect->add_option("LAYER", options.layer);
  inspect->add_option("--unroll", unroll);
  inspect->add_option("--kernel", options.kernel);
  inspect->add_flag("--verify", options.verify);
  inspect->add_option("--lanes", options.lanes);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const auto chosen = app.get_subcommands();
    const std::string where = chosen.empty() ? "" : chosen.front()->get_name();
    // CLI11 names the option before a colon: "--output: 1 required TEXT missing".
    const std::string what = error.what();
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) && what.starts_with("-"))
      return {std::nullopt,
              UsageProblem{fmt::format("{} needs a value", what.substr(0, what.find(':'))), where}};
    return {std::nullopt, UsageProblem{what, where}};
  }
  const auto chosen = app.get_subcommands();
  CLI::App* command = chosen.empty() ? nullptr : chosen.front();
  if (help) {
    fmt::print("{}{}", help_of(command ? command->get_name() : ""), kExitCodes);
    return {};
  }
  if (version) {
    fmt::print("cnnc {}\n", CNNC_VERSION);
    return {};
  }
  if (auto problem = left_over_problem(app, nullptr)) return {std::nullopt, problem};
  if (!command)
    return {std::nullopt,
            UsageProblem{"no command given (expected check, generate or inspect)", ""}};
  if (auto problem = left_over_problem(app, command)) return {std::nullopt, problem};

  options.command = command->get_name();
  if (command->get_option("FILE")->count() == 0)
    return {std::nullopt,
            UsageProblem{command == inspect ? "inspect needs a FILE (a model or a generated header)"
                                            : options.command + " needs a model FILE",
                         options.command}};
  if (command == inspect && !options.layer.empty() &&
      (!options.kernel.empty() || options.verify || !options.lanes.empty()))
    return {std::nullopt,
            UsageProblem{fmt::format("a LAYER ('{}') does not go with --kernel, --verify or "
                                     "--lanes; use --kernel {}.forward",
                                     options.layer, options.layer),
                         options.command}};
  if (command == generate && generate->get_option("--output")->count() == 0)
    return {std::nullopt,
            UsageProblem{"generate needs an output folder (-o DIR)", options.command}};
  if (command == generate && !options.name.empty()) {
    // The name becomes the namespace cnn::NAME and the file NAME.hpp in the output folder.
    if (const auto problem = cnnc::model_name_problem(options.name))
      return {
          std::nullopt,
          UsageProblem{fmt::format("--name takes a name for the namespace cnn::NAME: {}", *problem),
                       options.command}};
  }
  if (!max_header.empty()) {
    std::int64_t mib = 0;
    const auto [end, error] =
        std::from_chars(max_header.data(), max_header.data() + max_header.size(), mib);
    if (error != std::errc() || end != max_header.data() + max_header.size() || mib < 1 ||
        mib > (std::int64_t(1) << 20))
      return {std::nullopt,
              UsageProblem{fmt::format("--max-header takes a size in MiB from 1 to 1048576, not "
                                       "'{}'",
                                       max_header),
                           options.command}};
    options.max_header_bytes = mib << 20;
  }
  options.unroll_text = unroll;
  if (unroll.empty()) return {options, std::nullopt};
  const auto budget = parse_unroll(unroll);
  if (!budget)
    return {std::nullopt,
            UsageProblem{fmt::format("--unroll takes a positive count or 'full', not '{}'", unroll),
                         options.command}};
  options.unroll = *budget;
  return {options, std::nullopt};
}

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

// The folder of the running cnnc, where cnnc-inspect is built and installed beside it.
std::filesystem::path own_folder() {
  std::error_code code;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", code);
  return code ? std::filesystem::path() : self.parent_path();
}

// `cnnc inspect FILE [options]`: replaces this process with cnnc-inspect, found beside cnnc,
// then on PATH; its output and exit code are the command's.
int run_inspector(const Options& options) {
  std::vector<std::string> arguments = {"cnnc-inspect", options.file};
  if (!options.kernel.empty()) arguments.insert(arguments.end(), {"--kernel", options.kernel});
  if (options.verify) arguments.push_back("--verify");
  if (!options.lanes.empty()) arguments.insert(arguments.end(), {"--lanes", options.lanes});
  if (!options.unroll_text.empty())
    arguments.insert(arguments.end(), {"--unroll", options.unroll_text});
  arguments.push_back(options.color ? "--color" : "--no-color");
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  const auto beside = own_folder() / "cnnc-inspect";
  if (!own_folder().empty() && ::access(beside.c_str(), X_OK) == 0)
    ::execv(beside.c_str(), argv.data());
  ::execvp("cnnc-inspect", argv.data());
  fmt::print(stderr,
             "cnnc: error: 'cnnc inspect FILE' needs cnnc-inspect, which is neither beside cnnc "
             "nor on PATH.\ncnnc-inspect is built with Clang's libTooling when CMake finds it "
             "(Debian: scripts/setup installs libclang-14-dev libclang-cpp14-dev llvm-14-dev; "
             "then reconfigure with -DCNNC_INSPECTOR=ON).\n'cnnc inspect FILE LAYER' prints a "
             "layer's kernels without it.\n");
  return kUserError;
}

// "5.9 GiB", "312 KiB": a size for a message.
std::string size_text(std::uint64_t bytes) {
  constexpr const char* kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double value = double(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} bytes", bytes) : fmt::format("{:.1f} {}", value, kUnits[unit]);
}

// The unroll policy asked for more code than the header limit allows: says how much, and what
// the default policy would write instead.
int header_too_large(const Options& options, const cnnc::Model& model,
                     const cnnc::HeaderTooLarge& large) {
  std::string instead;
  if (options.unroll > cnnc::kDefaultUnrollBudget) {
    cnnc::EmitOptions fallback;
    fallback.name = options.name;
    fallback.max_header_bytes = std::int64_t(large.limit);
    try {
      instead = fmt::format("; the default --unroll {} writes {}", cnnc::kDefaultUnrollBudget,
                            size_text(cnnc::emit_model(model, fallback).front().text.size()));
    } catch (const cnnc::HeaderTooLarge&) {
    }
  }
  fmt::print(stderr,
             "cnnc: error: {}: the generated header would be {} ({} bytes){}, over the limit of "
             "{}; nothing was written{}.\nA smaller --unroll keeps more loops rolled; "
             "--max-header MIB raises the limit.\n",
             cnnc::escaped(options.file), size_text(large.bytes), large.bytes,
             options.unroll_text.empty() ? "" : " with --unroll " + options.unroll_text,
             size_text(large.limit), instead);
  return kUserError;
}

int run(const Options& options) {
  if (options.command == "inspect" && options.layer.empty()) return run_inspector(options);
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
    std::optional<std::string> text;
    try {
      text = cnnc::inspect_layer(*result.model, emit, options.layer);
    } catch (const cnnc::HeaderTooLarge& large) {
      return header_too_large(options, *result.model, large);
    }
    if (!text) {
      std::string names;
      for (const auto& layer : result.model->layers)
        names += (names.empty() ? "" : ", ") + layer.name;
      fmt::print(stderr, "cnnc: error: {} has no layer '{}' (its layers: {})\n",
                 cnnc::escaped(options.file), cnnc::printable(options.layer), names);
      return kUserError;
    }
    std::cout << *text;
    return kOk;
  }

  cnnc::EmitOptions emit;
  emit.name = options.name;
  emit.unroll_budget = options.unroll;
  emit.max_header_bytes = options.max_header_bytes;
  std::vector<cnnc::EmittedFile> files;
  try {
    files = cnnc::emit_model(*result.model, emit);
  } catch (const cnnc::HeaderTooLarge& large) {
    return header_too_large(options, *result.model, large);
  }
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
  const Parsed parsed = parse_command_line(argc, argv);
  if (parsed.problem) return usage_error(*parsed.problem);
  if (!parsed.options) return kOk; // help or version
  return run(*parsed.options);
}
