// The cnnc command's `check`: exit codes, the summary on stdout, errors on stderr.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
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
  const std::string command = fmt::format("cd '{}' && '{}' {} >'{}' 2>'{}' </dev/null",
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

TEST_CASE("usage errors exit 2") {
  CHECK(run_cnnc("").exit_code == 2);
  CHECK(run_cnnc("check").exit_code == 2);
  CHECK(run_cnnc("check a.cnn b.cnn").exit_code == 2);
  CHECK(run_cnnc("frobnicate models/mnist.cnn").exit_code == 2);
  CHECK(run_cnnc("check --bogus models/mnist.cnn").exit_code == 2);
}

TEST_CASE("a binary file exits 1, not a crash") {
  const Run run = run_cnnc("check --no-color /bin/sh");
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("/bin/sh: error: is not a text file") == 0);
}
