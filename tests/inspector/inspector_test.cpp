// cnnc-inspect on a small model's header, and on copies of it broken on purpose: each check of
// --verify fails on the break it is for, at the line and column of the break.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/core.h>

#include "codegen/emit.hpp"
#include "dsl/driver.hpp"

namespace {

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path scratch_folder() {
  const auto folder =
      std::filesystem::temp_directory_path() / fmt::format("cnnc-inspector-test-{}", ::getpid());
  std::filesystem::create_directories(folder);
  return folder;
}

// The probe model's header as cnnc generates it.
const std::string& probe_header() {
  static const std::string text = [] {
    const auto result = cnnc::check_file(CNNC_SOURCE_DIR "/tests/inspector/data/probe.cnn");
    REQUIRE(result.model);
    return cnnc::emit_model(*result.model, {}).front().text;
  }();
  return text;
}

// Writes `header` as probe.hpp in a scratch folder and runs cnnc-inspect on it there.
Run inspect(const std::string& header, const std::string& arguments) {
  const auto folder = scratch_folder();
  std::ofstream(folder / "probe.hpp", std::ios::binary) << header;
  const std::string command =
      fmt::format("cd '{}' && '{}' probe.hpp {} --no-color >out 2>err </dev/null", folder.string(),
                  CNNC_INSPECT, arguments);
  const int status = std::system(command.c_str());
  Run run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = read(folder / "out");
  run.err = read(folder / "err");
  std::filesystem::remove_all(folder);
  return run;
}

// The header with `code` added as the first statement of loss_gradient, and the line it is on.
std::pair<std::string, int> with_statement(const std::string& code) {
  std::string header = probe_header();
  const auto signature = header.find("static void loss_gradient(");
  REQUIRE(signature != std::string::npos);
  const auto body = header.find('\n', signature) + 1;
  header.insert(body, "    " + code + "\n");
  const int line = 1 + int(std::count(header.begin(), header.begin() + long(body), '\n'));
  return {header, line};
}

// "probe.hpp:LINE:COL: error: " for `part`, the first occurrence of it on line `line`.
std::string place(const std::string& header, int line, const std::string& part) {
  std::istringstream in(header);
  std::string text;
  for (int i = 0; i < line; ++i) std::getline(in, text);
  return fmt::format("probe.hpp:{}:{}: error: ", line, text.find(part) + 1);
}

// The multiply-adds, the predicted FLOPs and the verdict in the listing's row of `kernel`.
std::vector<std::string> row(const std::string& listing, const std::string& kernel) {
  std::istringstream in(listing);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(kernel + " ", 0) != 0) continue;
    std::istringstream words(line);
    std::vector<std::string> cells;
    for (std::string word; words >> word;) cells.push_back(word);
    return {cells.at(1), cells.at(4), cells.at(5)};
  }
  return {};
}

} // namespace

TEST_CASE("the generated header passes --verify") {
  const Run run = inspect(probe_header(), "--verify");
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("probe.hpp: verified with L = 1, 3, 8: ") == 0);
}

TEST_CASE("the listing counts each kernel's multiply-adds next to its predicted FLOPs") {
  const Run run = inspect(probe_header(), "");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  // conv2d_1: 4x4x2 outputs of a 3x3x1 window; dense_1: 8 -> 3.
  CHECK(row(run.out, "conv2d_1.forward") == std::vector<std::string>{"288", "576", "ok"});
  CHECK(row(run.out, "dense_1.forward") == std::vector<std::string>{"24", "48", "ok"});
  CHECK(row(run.out, "max_pooling2d_1.forward") == std::vector<std::string>{"0", "32", "n/c"});
  CHECK_THAT(run.out, Catch::Contains("\nconv2d_1.forward  (probe.hpp:"));
  CHECK_THAT(run.out, Catch::Contains("\n  for oy < 4\n    for l < L = 8  (x"));
  CHECK(run.out.find("disagreement") == std::string::npos);
}

TEST_CASE("a loop bound known only at run time fails --verify at the bound") {
  const auto [header, line] =
      with_statement("for (int extra = 0; extra < active; ++extra) ws.output[0] += T(0);");
  const Run run = inspect(header, "--verify");
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains(place(header, line, "active") +
                                      "the loop bound is not a compile-time constant"));
}

TEST_CASE("an allocation fails --verify") {
  const auto [header, line] = with_statement("T* scratch = new T[4]; delete[] scratch;");
  const Run run = inspect(header, "--verify");
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains(place(header, line, "new") + "allocates memory with 'new'"));
  CHECK_THAT(run.err, Catch::Contains(place(header, line, "delete") + "frees memory"));
}

TEST_CASE("a call to malloc fails --verify") {
  auto [header, line] = with_statement("std::free(std::malloc(4));");
  header.insert(header.find("#include <cmath>"), "#include <cstdlib>\n");
  ++line;
  const Run run = inspect(header, "--verify");
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains(place(header, line, "std::malloc") +
                                      "allocates memory: calls 'malloc'"));
}

TEST_CASE("an index one past the end fails --verify, with the lane count that shows it") {
  const auto [header, line] = with_statement("ws.output[kOutputSize * L] = T(0);");
  const Run run = inspect(header, "--verify");
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains(place(header, line, "kOutputSize") +
                                      "index 3 into 'ws.output' with L = 1 is outside its 3 "
                                      "elements"));
}

TEST_CASE("a loop running one past the end fails --verify with the index's range") {
  const auto [header, line] =
      with_statement("for (int i = 0; i <= kOutputSize * L; ++i) ws.output[i] = T(0);");
  const Run run = inspect(header, "--verify");
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains(place(header, line, "i] =") +
                                      "the index into 'ws.output' takes the values 0..3 with "
                                      "L = 1, outside its 3 elements"));
}

TEST_CASE("a virtual call fails --verify") {
  const auto [header, line] =
      with_statement("struct Probe { virtual int f() const { return 0; } }; const Probe probe{}; "
                     "const Probe& ref = probe; (void)ref.f();");
  const Run run = inspect(header, "--verify");
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains(place(header, line, "ref.f") + "calls the virtual function"));
}

TEST_CASE("a function pointer fails --verify") {
  const auto [header, line] = with_statement("auto pointer = &lane_sum<T, L>; (void)pointer;");
  const Run run = inspect(header, "--verify");
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err,
             Catch::Contains(place(header, line, "pointer") + "'pointer' is a function pointer"));
  CHECK_THAT(run.err,
             Catch::Contains(place(header, line, "lane_sum") + "takes the address of 'lane_sum'"));
}

TEST_CASE("recursion fails --verify, but not lane_sum's compile-time recursion on L") {
  auto [header, line] = with_statement("(void)spin(3);");
  header.insert(header.find("}; // struct Model"),
                "  static int spin(int n) { return n > 0 ? spin(n - 1) : 0; }\n");
  const Run run = inspect(header, "--verify");
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("error: recursion: spin -> spin"));
  CHECK(run.err.find("lane_sum") == std::string::npos);
}

TEST_CASE("a cost comment that disagrees with the counted multiply-adds is reported") {
  std::string header = probe_header();
  const std::string predicted = "cost per sample: 48 FLOPs";
  REQUIRE(header.find(predicted) != std::string::npos); // dense_1 forward: 8 x 3 multiply-adds
  header.replace(header.find(predicted), predicted.size(), "cost per sample: 50 FLOPs");
  const Run listing = inspect(header, "");
  CHECK(listing.exit_code == 0);
  CHECK_THAT(listing.out, Catch::Contains("disagreement: probe.hpp:"));
  CHECK_THAT(listing.out, Catch::Contains("dense_1.forward: its cost comment predicts 50 FLOPs "
                                          "per sample, but kLayers says 48"));
  const Run verify = inspect(header, "--verify");
  CHECK(verify.exit_code == 1);
  CHECK_THAT(verify.err, Catch::Contains("error: dense_1.forward: its cost comment predicts 50"));

  const std::string in_table = ".forward_flops = 48";
  REQUIRE(header.find(in_table) != std::string::npos);
  header.replace(header.find(in_table), in_table.size(), ".forward_flops = 50");
  const Run both = inspect(header, "--verify");
  CHECK(both.exit_code == 1);
  CHECK_THAT(both.err, Catch::Contains("error: dense_1.forward: predicted 50 FLOPs per sample, "
                                       "but the AST counts 24 multiply-adds per sample, which "
                                       "make 48 FLOPs"));
}

TEST_CASE("a kernel chosen with --kernel is printed with its shape comment") {
  const Run run = inspect(probe_header(), "--kernel dense_1.forward");
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("// dense_1 forward: Dense 8 -> 3, softmax\n// cost per sample: 48 FLOPs") ==
        0);
  CHECK_THAT(run.out, Catch::EndsWith("} // dense_1_forward\n"));
}

TEST_CASE("a misspelt kernel name gets the nearest kernel as a suggestion") {
  const Run run = inspect(probe_header(), "--kernel conv2d_1.backwrd");
  CHECK(run.exit_code == 1);
  CHECK(run.err == "cnnc-inspect: error: probe.hpp has no kernel 'conv2d_1.backwrd'; did you "
                   "mean 'conv2d_1.backward'?\n");
}

TEST_CASE("a header that does not compile is an error, with Clang's diagnostics") {
  const auto [header, line] = with_statement("this does not compile;");
  const Run run = inspect(header, "");
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains(fmt::format("probe.hpp:{}:", line)));
  CHECK_THAT(run.err, Catch::Contains("cnnc-inspect: error: 'probe.hpp' does not compile"));
}

TEST_CASE("cnnc inspect runs cnnc-inspect from beside it, with its options") {
  const auto folder = scratch_folder();
  const std::string command = fmt::format(
      "cd '{}' && '{}' inspect tests/inspector/data/probe.cnn --kernel dense_1.forward >'{}' "
      "2>&1",
      CNNC_SOURCE_DIR, CNNC_BINARY, (folder / "out").string());
  const int status = std::system(command.c_str());
  const std::string out = read(folder / "out");
  std::filesystem::remove_all(folder);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(out.find("// dense_1 forward: Dense 8 -> 3, softmax\n") == 0);
}
