// The cnnc command: exit codes, the summary on stdout, errors on stderr, and its command line
// (usage errors, suggestions, help).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fmt/core.h>

#include "support.hpp"

namespace {

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs cnnc from the repository's root, so paths in its output are relative like a user's.
Run run_cnnc(const std::string& arguments) {
  const auto folder =
      std::filesystem::temp_directory_path() / fmt::format("cnnc-cli-test-{}", ::getpid());
  std::filesystem::create_directories(folder);
  const std::string out = (folder / "out").string(), err = (folder / "err").string();
  const std::string command = fmt::format("cd '{}' && timeout 60 '{}' {} >'{}' 2>'{}' </dev/null",
                                          CNNC_SOURCE_DIR, CNNC_BINARY, arguments, out, err);
  const int status = std::system(command.c_str());
  Run run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = cnnc::test::read_file(out);
  run.err = cnnc::test::read_file(err);
  std::filesystem::remove_all(folder);
  return run;
}

} // namespace

TEST_CASE("a clean model exits 0 and prints the golden summary on stdout") {
  const Run run = run_cnnc("check models/mnist.cnn");
  CHECK(run.exit_code == 0);
  CHECK(run.err.empty());
  const std::string mismatch = cnnc::test::golden_mismatch("summary/mnist.txt", run.out);
  INFO(mismatch);
  CHECK(mismatch.empty());
}

TEST_CASE("the quiet flag -q prints nothing for a clean model") {
  const Run run = run_cnnc("check -q models/mnist.cnn");
  CHECK(run.exit_code == 0);
  CHECK(run.out.empty());
  CHECK(run.err.empty());
}

TEST_CASE("a model with errors exits 1 with the golden diagnostics on stderr") {
  const Run run = run_cnnc("check --no-color tests/dsl/data/several_errors.cnn");
  CHECK(run.exit_code == 1);
  CHECK(run.out.empty());
  const std::string mismatch =
      cnnc::test::golden_mismatch("diagnostics/several_errors.txt", run.err);
  INFO(mismatch);
  CHECK(mismatch.empty());
}

TEST_CASE("a missing file or a folder exits 1 with an error naming the path") {
  const Run missing = run_cnnc("check --no-color models/nope.cnn");
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "models/nope.cnn: error: no such file\n1 error generated.\n");
  const Run folder = run_cnnc("check --no-color models");
  CHECK(folder.exit_code == 1);
  CHECK(folder.err == "models: error: is a directory, not a model file\n1 error generated.\n");
}

TEST_CASE("usage errors exit 2 with one message and a pointer to the help") {
  const Run none = run_cnnc("");
  CHECK(none.exit_code == 2);
  CHECK(none.out.empty());
  CHECK(none.err ==
        "cnnc: no command given (expected check, generate or inspect)\nTry 'cnnc --help'.\n");
  const Run unknown = run_cnnc("frobnicate models/mnist.cnn");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err == "cnnc: unknown command 'frobnicate' (expected check, generate or "
                       "inspect)\nTry 'cnnc --help'.\n");
  const Run bogus = run_cnnc("check --bogus models/mnist.cnn");
  CHECK(bogus.exit_code == 2);
  CHECK(bogus.err == "cnnc: unknown option '--bogus'\nTry 'cnnc check --help'.\n");
}

TEST_CASE("a misspelt command gets a suggestion") {
  const Run run = run_cnnc("chek models/mnist.cnn");
  CHECK(run.exit_code == 2);
  CHECK(run.err == "cnnc: unknown command 'chek'; did you mean 'check'?\nTry 'cnnc --help'.\n");
}

TEST_CASE("a misspelt option gets a suggestion from the command's options") {
  const Run run = run_cnnc("generate models/mnist.cnn -o build/unused --unrol 64");
  CHECK(run.exit_code == 2);
  CHECK(run.err == "cnnc: unknown option '--unrol'; did you mean '--unroll'?\n"
                   "Try 'cnnc generate --help'.\n");
  const Run with_value = run_cnnc("inspect models/mnist.cnn conv2d_1 --unrol=64");
  CHECK(with_value.err == "cnnc: unknown option '--unrol'; did you mean '--unroll'?\n"
                          "Try 'cnnc inspect --help'.\n");
}

TEST_CASE("an option of another command is named as such") {
  const Run run = run_cnnc("check --unroll 64 models/mnist.cnn");
  CHECK(run.exit_code == 2);
  CHECK(run.err == "cnnc: --unroll does not apply to check (it is an option of generate and "
                   "inspect)\nTry 'cnnc check --help'.\n");
}

TEST_CASE("options take their value as --opt=value or --opt value") {
  const Run joined = run_cnnc("inspect models/mnist.cnn dense_1 --unroll=64");
  CHECK(joined.exit_code == 0);
  CHECK(joined.err.empty());
  const Run separate = run_cnnc("inspect models/mnist.cnn dense_1 --unroll 64");
  CHECK(separate.exit_code == 0);
  CHECK(separate.out == joined.out);
  CHECK(run_cnnc("inspect tests/codegen/models/tiny.cnn dense_1 --unroll=full").exit_code == 0);
  const Run zero = run_cnnc("inspect models/mnist.cnn dense_1 --unroll=0");
  CHECK(zero.exit_code == 2);
  CHECK(zero.err == "cnnc: --unroll takes a positive count or 'full', not '0'\n"
                    "Try 'cnnc inspect --help'.\n");
}

TEST_CASE("a missing FILE is a usage error naming what is missing") {
  const Run check = run_cnnc("check");
  CHECK(check.exit_code == 2);
  CHECK(check.err == "cnnc: check needs a model FILE\nTry 'cnnc check --help'.\n");
  const Run inspect = run_cnnc("inspect");
  CHECK(inspect.exit_code == 2);
  CHECK(inspect.err == "cnnc: inspect needs a FILE (a model or a generated header)\nTry 'cnnc "
                       "inspect --help'.\n");
  const Run generate = run_cnnc("generate models/mnist.cnn");
  CHECK(generate.exit_code == 2);
  CHECK(generate.err ==
        "cnnc: generate needs an output folder (-o DIR)\nTry 'cnnc generate --help'.\n");
  const Run no_value = run_cnnc("generate models/mnist.cnn -o");
  CHECK(no_value.exit_code == 2);
  CHECK(no_value.err == "cnnc: --output needs a value\nTry 'cnnc generate --help'.\n");
}

TEST_CASE("an extra argument is a usage error") {
  const Run run = run_cnnc("check models/mnist.cnn models/mnist.cnn");
  CHECK(run.exit_code == 2);
  CHECK(run.out.empty());
  CHECK(run.err == "cnnc: unexpected argument 'models/mnist.cnn' (check takes one model FILE)\n"
                   "Try 'cnnc check --help'.\n");
}

TEST_CASE("option --help prints cnnc's help, or a command's, on stdout and exits 0") {
  const Run main_help = run_cnnc("--help");
  CHECK(main_help.exit_code == 0);
  CHECK(main_help.err.empty());
  CHECK(main_help.out.find("usage: cnnc <command> [options]") == 0);
  const Run generate_help = run_cnnc("generate -h");
  CHECK(generate_help.exit_code == 0);
  CHECK(generate_help.out.find("usage: cnnc generate FILE -o DIR [options]") == 0);
  CHECK(generate_help.out.find("--unroll N|full") != std::string::npos);
  CHECK(generate_help.out.find("exit codes: 0 ok") != std::string::npos);
  const Run version = run_cnnc("--version");
  CHECK(version.exit_code == 0);
  CHECK(version.out.find("cnnc ") == 0);
}

TEST_CASE("generate refuses a header over --max-header, saying its size, and writes nothing") {
  const auto folder =
      std::filesystem::temp_directory_path() / fmt::format("cnnc-cli-large-{}", ::getpid());
  // A small model whose fully unrolled header is 2 MiB: the size is found by emitting it, which
  // for a larger model takes minutes in the unoptimised sanitizer build.
  const Run run = run_cnnc(
      fmt::format("generate tests/codegen/models/padding.cnn -o '{}' --unroll full --max-header 1",
                  folder.string()));
  CHECK(run.exit_code == 1);
  INFO(run.err);
  CHECK(run.err.find(
            "cnnc: error: tests/codegen/models/padding.cnn: the generated header would be ") == 0);
  CHECK(run.err.find(" with --unroll full, over the limit of 1.0 MiB; nothing was written; the "
                     "default --unroll 256 writes ") != std::string::npos);
  CHECK(run.err.find("--max-header MIB raises the limit.") != std::string::npos);
  CHECK(!std::filesystem::exists(folder / "padding.hpp"));
  std::filesystem::remove_all(folder);
  const Run zero = run_cnnc("generate models/mnist.cnn -o out --max-header 0");
  CHECK(zero.exit_code == 2);
  CHECK(zero.err.find("cnnc: --max-header takes a size in MiB from 1 to 1048576, not '0'") == 0);
}

TEST_CASE("generate --name takes only a usable namespace name and writes nothing otherwise") {
  const auto folder =
      std::filesystem::temp_directory_path() / fmt::format("cnnc-cli-name-{}", ::getpid());
  const std::string usage = "Try 'cnnc generate --help'.\n";
  const auto generate = [&](const std::string& name) {
    return run_cnnc(
        fmt::format("generate models/mnist.cnn -o '{}/out' --name '{}'", folder.string(), name));
  };
  const Run keyword = generate("class");
  CHECK(keyword.exit_code == 2);
  CHECK(keyword.err ==
        "cnnc: --name takes a name for the namespace cnn::NAME: 'class' is a C++ keyword\n" +
            usage);
  const Run space = generate("a b");
  CHECK(space.exit_code == 2);
  CHECK(space.err == "cnnc: --name takes a name for the namespace cnn::NAME: 'a b' is not a C++ "
                     "identifier (letters, digits and '_', not starting with a digit)\n" +
                         usage);
  // A path would write outside the output folder.
  const Run path = generate("../x");
  CHECK(path.exit_code == 2);
  CHECK(path.err.find("'../x' is not a C++ identifier") != std::string::npos);
  const Run macro = generate("EOF");
  CHECK(macro.exit_code == 2);
  CHECK(macro.err.find("'EOF' is a macro of the C or C++ headers") != std::string::npos);
  CHECK(!std::filesystem::exists(folder));
  const Run good = generate("lecture_net");
  CHECK(good.exit_code == 0);
  CHECK(std::filesystem::exists(folder / "out" / "lecture_net.hpp"));
  std::filesystem::remove_all(folder);
}

TEST_CASE("a binary file exits 1, not a crash") {
  const Run run = run_cnnc("check --no-color /bin/sh");
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("/bin/sh: error: is not a text file") == 0);
}

TEST_CASE("inspect with a LAYER does not take the Clang inspector's options") {
  const Run run = run_cnnc("inspect models/mnist.cnn dense_1 --verify");
  CHECK(run.exit_code == 2);
  CHECK(run.err == "cnnc: a LAYER ('dense_1') does not go with --kernel, --verify or --lanes; use "
                   "--kernel dense_1.forward\nTry 'cnnc inspect --help'.\n");
}

TEST_CASE("inspect without a LAYER says how to get cnnc-inspect when it is missing") {
  // A copy of cnnc alone in a folder, with a PATH that has no cnnc-inspect.
  const auto folder =
      std::filesystem::temp_directory_path() / fmt::format("cnnc-cli-alone-{}", ::getpid());
  std::filesystem::create_directories(folder);
  std::filesystem::copy_file(CNNC_BINARY, folder / "cnnc");
  const std::string err = (folder / "err").string();
  const std::string command =
      fmt::format("cd '{}' && PATH='{}' '{}' inspect models/mnist.cnn 2>'{}' >/dev/null",
                  CNNC_SOURCE_DIR, folder.string(), (folder / "cnnc").string(), err);
  const int status = std::system(command.c_str());
  const std::string message = cnnc::test::read_file(err);
  std::filesystem::remove_all(folder);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  CHECK(message.find("cnnc: error: 'cnnc inspect FILE' needs cnnc-inspect, which is neither "
                     "beside cnnc nor on PATH.\n") == 0);
  CHECK(message.find("'cnnc inspect FILE LAYER' prints a layer's kernels without it.") !=
        std::string::npos);
}

TEST_CASE("check refuses a named pipe at once instead of waiting for a writer") {
  const auto folder =
      std::filesystem::temp_directory_path() / fmt::format("cnnc-fifo-test-{}", ::getpid());
  std::filesystem::create_directories(folder);
  const auto pipe = folder / "model.cnn";
  REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
  // No writer ever opens the pipe: before the fix this waited forever (timeout gives 124).
  const Run run = run_cnnc(fmt::format("check --no-color '{}'", pipe.string()));
  std::filesystem::remove_all(folder);
  CHECK(run.exit_code == 1);
  CHECK(run.err == fmt::format("{}: error: is a named pipe, not a regular file; a model is read "
                               "from a file\n1 error generated.\n",
                               pipe.string()));
}

TEST_CASE("check refuses a character device such as a terminal") {
  const Run run = run_cnnc("check --no-color /dev/zero");
  CHECK(run.exit_code == 1);
  CHECK(run.err == "/dev/zero: error: is a character device, not a regular file; a model is "
                   "read from a file\n1 error generated.\n");
}
